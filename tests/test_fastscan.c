/*
 * The parser's fast scans must find exactly what the slow, obvious code
 * finds.  jsvars.c's assign_match (the '=' signs walked from an offset or
 * taken from the script's index, checks backwards, then an anchored match)
 * stands for pcre2_match(assign_re, …) from any offset.
 * It is static, so this file includes jsvars.c and compares the two on
 * hand-picked cases and on many random strings built from the tokens that
 * matter (keywords, names, dots, blanks, '=', '==').  Likewise object_match
 * (names from the index or a literal scan, then anchored matches) against
 * object_re searched from every offset, the index's notice flag against
 * notice_re, and where the cgiDataNew walk says an object ends against
 * skip_balanced.  (page.c's Wayback scan has its own test,
 * test_wayback_scan.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/jsvars.c"

/* Compare assign_match with the plain regex search from every offset of s. */
static int assign_agrees(const char *s, size_t len, long *matches)
{
    pcre2_match_data *a = pcre2_match_data_create_from_pattern(assign_re, NULL);
    pcre2_match_data *b = pcre2_match_data_create_from_pattern(assign_re, NULL);
    int ok = a && b;
    script_index ix;
    index_script(&ix, s, len);
    for (size_t from = 0; ok && from <= len; from++) {
        int ra = pcre2_match(assign_re, (PCRE2_SPTR)s, len, from, 0, a, match_ctx);
        /* walking the '=' signs from `from`, and going by the script's index */
        for (int with_index = 0; with_index < 2 && ok; with_index++) {
            int rb = assign_match(s, len, from, b, with_index ? &ix : NULL);
            if ((ra >= 0) != (rb >= 0)) { ok = 0; break; }
            if (ra < 0) continue;
            (*matches) += with_index;
            PCRE2_SIZE *oa = pcre2_get_ovector_pointer(a), *ob = pcre2_get_ovector_pointer(b);
            for (int k = 0; k < 6; k++)
                if (oa[k] != ob[k]) ok = 0;
        }
    }
    index_free(&ix);
    pcre2_match_data_free(a);
    pcre2_match_data_free(b);
    if (!ok) print_message("assign_match disagrees with assign_re on [%.*s]\n", (int)len, s);
    return ok;
}

static void test_assign_cases(void **state)
{
    (void)state;
    assert_int_equal(wx_jsvars_compile(), 0);
    static const char *const cases[] = {
        "var biz = \"MzI\";", "window.biz='x'", "d.title = xml ? a : 'b'", "_g.ct = '1'",
        "let\n  msg_title\t=\n'x'", "const nickname=''", "var biz == 1", "var biz === 1",
        "xvar biz = 1", "$var biz = 1", ".var biz = 1", "window.window.biz = 1", "window.d.biz = 1",
        "a.d.mid = 1", "var $biz = 1", "var xbiz = 1", "var ct_str = 1; var ct = 2",
        "var ct\v= 1", "var biz <= 1", "var biz != 1", "d.mid=1;d.idx=2;d.sn=3", "var\xe4" "biz = 1",
        "\xe4" "var biz = 1", "var _copyright_stat = 1", "var copyright_stat=2", "var name", "=", "",
        "var biz = var mid = 2", "vardbiz=1", "d .biz = 1", "d. biz = 1",
    };
    long matches = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_true(assign_agrees(cases[i], strlen(cases[i]), &matches));
    assert_true(matches > 10);
}

static void test_assign_random(void **state)
{
    (void)state;
    assert_int_equal(wx_jsvars_compile(), 0);
    static const char *const toks[] = {
        "var", "let", "const", "window", "_g", "d", ".", " ", "\n", "\t", "\v", "=", "==", "$", "x",
        "biz", "mid", "ct", "ct_str", "title", "msg_title", "name", "nick_name", "_copyright_stat",
        "a", "1", ";", "'", "(", "\xe4\xb8\xad", "source_sn", "sn", "_", "var ", "let\n", "const  ",
        "d.", "window.", "_g.", " = ", "= ", "x.d.", "biz=", "ct =", "name\n="};
    srand(20261125);
    long matches = 0;
    for (int it = 0; it < 20000; it++) {
        char buf[160];
        size_t n = 0;
        for (int t = 1 + rand() % 12; t > 0; t--) {
            const char *w = toks[rand() % (int)(sizeof toks / sizeof toks[0])];
            size_t l = strlen(w);
            if (n + l >= sizeof buf) break;
            memcpy(buf + n, w, l);
            n += l;
        }
        if (!assign_agrees(buf, n, &matches)) fail();
    }
    assert_true(matches > 1000);                   /* the test did exercise matches */
}

/* object_match against the plain object_re search from every offset of s;
 * and: notice_re matches s only if the notice prefilter lets it through. */
static int object_agrees(const char *s, size_t len, long *matches)
{
    pcre2_match_data *a = pcre2_match_data_create_from_pattern(object_re, NULL);
    pcre2_match_data *b = pcre2_match_data_create_from_pattern(object_re, NULL);
    int ok = a && b;
    script_index ix;
    index_script(&ix, s, len);
    for (size_t from = 0; ok && from <= len; from++) {
        int ra = pcre2_match(object_re, (PCRE2_SPTR)s, len, from, 0, a, match_ctx);
        /* searching, and going by the script's index */
        for (int with_seen = 0; with_seen < 2 && ok; with_seen++) {
            int rb = object_match(s, len, from, b, with_seen ? &ix : NULL);
            if ((ra >= 0) != (rb >= 0)) { ok = 0; break; }
            if (ra < 0) continue;
            (*matches) += with_seen;
            PCRE2_SIZE *oa = pcre2_get_ovector_pointer(a), *ob = pcre2_get_ovector_pointer(b);
            for (int k = 0; k < 4; k++)
                if (oa[k] != ob[k]) ok = 0;
        }
    }
    int notice = pcre2_match(notice_re, (PCRE2_SPTR)s, len, 0, 0, a, match_ctx) >= 0;
    if (notice && !ix.notice_possible) ok = 0;
    /* an index without names: no object match at all */
    if (ix.nobject == 0 && object_match(s, len, 0, b, NULL) >= 0) ok = 0;
    index_free(&ix);
    pcre2_match_data_free(a);
    pcre2_match_data_free(b);
    if (!ok) print_message("object_match or the notice prefilter disagrees on [%.*s]\n", (int)len, s);
    return ok;
}

static void test_object_cases(void **state)
{
    (void)state;
    assert_int_equal(wx_jsvars_compile(), 0);
    static const char *const cases[] = {
        "window.cgiDataNew = {a:1}", "cgiData={}", "var cgiData = [1]", "xcgiData = {}", "$cgiData = {}",
        "a.window.cgiData = {}", "window.picture_page_info_list = [{}]", "picture_page_info_list=[",
        "cgiDataNew == {}", "cgiData = x", "cgiDatacgiData = {}", "ccgiData = {} cgiData\n=\n{",
        "document.write('x')", "document.write  (", "getElementById('js_share_notice').innerHTML = 'a'",
        "getElementById( \"js_share_notice\" ) .innerHTML='a'", "document.writeln('x')", "",
        "0123456789abcdef0123456789abcdef cgiData = {} 0123456789abcdef window.cgiDataNew={",
        "0123456789abcdef0123456789abcdef0123456789abcdef document.write(1)",
        /* more names than the index keeps (OBJECT_SEEN_MAX) */
        "cgiData cgiData cgiData cgiData cgiData cgiData cgiData cgiData cgiData cgiData cgiData cgiData "
        "cgiData cgiData cgiData cgiData cgiData cgiData x=1; cgiData = {} cgiDataNew={a:1} cgiData = [",
    };
    long matches = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_true(object_agrees(cases[i], strlen(cases[i]), &matches));
    assert_true(matches > 10);
}

static void test_object_random(void **state)
{
    (void)state;
    assert_int_equal(wx_jsvars_compile(), 0);
    static const char *const toks[] = {
        "cgiData", "cgiDataNew", "New", "picture_page_info_list", "window", ".", " ", "\n", "=", "==",
        "{", "[", "x", "$", "_", "c", "D", "p", "js_share_notice", "document", "document.write", "write",
        "(", "'", "getElementById(", ").innerHTML", "0123456789abcdef", "\xe4\xb8\xad",
        "cgiData = {", " window.cgiDataNew=[", ";picture_page_info_list =\n[", "= {", "=["};
    srand(20261126);
    long matches = 0;
    for (int it = 0; it < 20000; it++) {
        char buf[200];
        size_t n = 0;
        for (int t = 1 + rand() % 14; t > 0; t--) {
            const char *w = toks[rand() % (int)(sizeof toks / sizeof toks[0])];
            size_t l = strlen(w);
            if (n + l >= sizeof buf) break;
            memcpy(buf + n, w, l);
            n += l;
        }
        if (!object_agrees(buf, n, &matches)) fail();
    }
    assert_true(matches > 1000);
}

/* wx_js_object_each walks an object once and reports where it ended: when
 * it says the object closed, that must be where skip_balanced ends it. */
static void count_member(void *ctx, const char *key, const char *val, const char *raw, size_t rawlen)
{
    (void)key; (void)val; (void)raw; (void)rawlen;
    ++*(long *)ctx;
}

static int object_end_agrees(const char *s, size_t len, long *closed)
{
    long members = 0;
    size_t span = wx_js_object_each(s, len, count_member, &members);
    if (!span) return 1;
    js_lex lx = {s, s + len, 0};
    while (lx.p < lx.end && isspace((unsigned char)*lx.p)) lx.p++;
    const char *open = lx.p;
    skip_balanced(&lx);
    ++*closed;
    if ((size_t)(lx.p - s) == span) return 1;
    print_error("object end: walk %zu, skip_balanced %zu (from %zu) in [%.*s]\n", span, (size_t)(lx.p - s),
                (size_t)(open - s), (int)len, s);
    return 0;
}

static void test_object_end(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{}", "{a:1}", "{a:1,}", "{ a: 'x', b: {c: [1, 2]}, }", "{a: '}', b: \"{\"}", "{a: /}/g}",
        "{a: 1 /* } */, b: 2 // }\n}", "{a: x ? {} : [], b: 1}", "{a: f({}), b: '2'}", "{a: 1) b: 2}",
        "{a: [1}, b: 2}", "{a: 1; b: 2}", "{a: 'x'\n, b: 'y'\n}", "{a:{b:1}||{}}", "{'k': 1, \"q\": 2}",
    };
    long closed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_true(object_end_agrees(cases[i], strlen(cases[i]), &closed));
    assert_true(closed >= 9);
    static const char *const toks[] = {"{", "}", "[", "]", "(", ")", ",", ":", "a", "'s'", "\"}\"", "/x/", "/",
                                       "?", "\n", " ", ";", "1", "f(", "// c\n", "/* } */", "||", "'"};
    srand(20261125);
    for (int it = 0; it < 20000; it++) {
        char buf[160] = "{";
        size_t n = 1;
        for (int t = 1 + rand() % 20; t > 0; t--) {
            const char *w = toks[rand() % (int)(sizeof toks / sizeof toks[0])];
            size_t l = strlen(w);
            if (n + l >= sizeof buf) break;
            memcpy(buf + n, w, l);
            n += l;
        }
        if (!object_end_agrees(buf, n, &closed)) fail();
    }
    assert_true(closed > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assign_cases),
        cmocka_unit_test(test_assign_random),
        cmocka_unit_test(test_object_cases),
        cmocka_unit_test(test_object_random),
        cmocka_unit_test(test_object_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
