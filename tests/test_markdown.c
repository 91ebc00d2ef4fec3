/*
 * Unit tests for parse/markdown.c: the YAML front-matter reader and the
 * markdown sniffer.  Whole archives are checked end to end (tests/e2e.py,
 * tests/picker_test.py); here are the YAML forms the real files use and
 * the ways a block can fail to be front matter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/sniff.h"
#include "../parse/markdown.h"

/* What the parser asks of bytes before reading them as a markdown archive:
 * wx_sniff calls them markdown, and their front matter (if any) names an
 * article. */
static int markdown_article(const char *s, size_t n)
{
    wx_doc doc = {.bytes = (unsigned char *)s, .len = n};
    return wx_sniff(doc.bytes, n, 0) == WX_FMT_MARKDOWN && wx_markdown_is_article(&doc);
}

static int parse(wx_frontmatter *fm, const char *s)
{
    return wx_frontmatter_parse(fm, s, strlen(s));
}

/* The picker archive's five keys, with a value holding ": " and a URL. */
static void test_archive_front_matter(void **state)
{
    (void)state;
    const char *s = "---\n"
                    "title: 通知 | 网安标委发布: 需求\n"
                    "url: https://mp.weixin.qq.com/s?__biz=MzA5MzE5MDAzOA==&mid=1&idx=3#rd\n"
                    "source: 中国信息安全\n"
                    "date: 2024-05-11\n"
                    "fetch_date: 2025-10-06T17:17:36.312652\n"
                    "---\n"
                    "# body\n";
    wx_frontmatter fm;
    assert_int_equal(parse(&fm, s), 1);
    assert_int_equal(fm.count, 5);
    assert_string_equal(wx_frontmatter_get(&fm, "title"), "通知 | 网安标委发布: 需求");
    assert_string_equal(wx_frontmatter_get(&fm, "url"), "https://mp.weixin.qq.com/s?__biz=MzA5MzE5MDAzOA==&mid=1&idx=3#rd");
    assert_string_equal(wx_frontmatter_get(&fm, "fetch_date"), "2025-10-06T17:17:36.312652");
    assert_null(wx_frontmatter_get(&fm, "author"));
    assert_string_equal(s + fm.body, "# body\n");
    wx_frontmatter_free(&fm);
}

/* Quoting: whole-value quotes are YAML's; a value that only starts with a
 * quote (picker writes titles unquoted) is plain text. */
static void test_quoting(void **state)
{
    (void)state;
    const char *s = "---\n"
                    "a: \"say \\\"hi\\\" \\u4e2d\"\n"
                    "b: 'it''s'\n"
                    "c: 'Chairmen' of $100 million scam\n"
                    "d: \"\"\n"
                    "---\n";
    wx_frontmatter fm;
    assert_int_equal(parse(&fm, s), 1);
    assert_string_equal(wx_frontmatter_get(&fm, "a"), "say \"hi\" 中");
    assert_string_equal(wx_frontmatter_get(&fm, "b"), "it's");
    assert_string_equal(wx_frontmatter_get(&fm, "c"), "'Chairmen' of $100 million scam");
    assert_string_equal(wx_frontmatter_get(&fm, "d"), "");
    wx_frontmatter_free(&fm);
}

/* Jekyll: blank lines between keys, lists, block scalars, comments, CRLF,
 * a BOM, "..." as the end. */
static void test_jekyll_forms(void **state)
{
    (void)state;
    const char *s = "\xEF\xBB\xBF---\r\n"
                    "\r\n"
                    "layout: post\r\n"
                    "# a comment\r\n"
                    "title:  渣浪你好\r\n"
                    "tags:\r\n"
                    "  - 微博\r\n"
                    "  - 'LGBT'\r\n"
                    "body: |\r\n"
                    "  line 1\r\n"
                    "  line 2\r\n"
                    "folded: >-\r\n"
                    "  one\r\n"
                    "  two\r\n"
                    "title: second wins\r\n"
                    "...\r\n"
                    "text\r\n";
    wx_frontmatter fm;
    assert_int_equal(parse(&fm, s), 1);
    assert_string_equal(wx_frontmatter_get(&fm, "layout"), "post");
    assert_string_equal(wx_frontmatter_get(&fm, "tags"), "微博, LGBT");
    assert_string_equal(wx_frontmatter_get(&fm, "body"), "line 1\nline 2");
    assert_string_equal(wx_frontmatter_get(&fm, "folded"), "one two");
    assert_string_equal(wx_frontmatter_get(&fm, "title"), "second wins");
    assert_string_equal(s + fm.body, "text\r\n");
    wx_frontmatter_free(&fm);
}

/* What is not front matter: no opening line, never closed, a line that is
 * not YAML we read, an empty block, and a closing line past the limit. */
static void test_not_front_matter(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "title: no opening line\n---\n",
        "---\ntitle: never closed\n",
        "---\ntitle: x\nthis is prose, not a key\n---\n",
        "---\n---\nbody\n",
        "----\ntitle: x\n---\n",
        "<html>---\n",
        "",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wx_frontmatter fm;
        assert_int_equal(parse(&fm, cases[i]), 0);
        assert_int_equal(fm.count, 0);
        assert_null(fm.pairs);
    }
    size_t n = WX_FRONTMATTER_MAX + 64;
    char *big = malloc(n + 16);
    assert_non_null(big);
    memcpy(big, "---\nk: ", 7);
    memset(big + 7, 'x', n - 7);
    memcpy(big + n, "\n---\n", 6);
    wx_frontmatter fm;
    assert_int_equal(wx_frontmatter_parse(&fm, big, n + 5), 0);
    free(big);
}

/* The reader looks only inside the bytes it is given (found by the fuzzer:
 * a block-scalar header at the very end of an unterminated buffer). */
static void test_unterminated_buffer(void **state)
{
    (void)state;
    const char src[] = "---\ntitle:  ine 2\nfolded: >-\n  t\ne:  ine 2\nfolded: >-";
    size_t n = sizeof src - 1;
    char *exact = malloc(n);
    assert_non_null(exact);
    memcpy(exact, src, n);
    wx_frontmatter fm;
    assert_int_equal(wx_frontmatter_parse(&fm, exact, n), 0);
    assert_int_equal(markdown_article(exact, n), 0);
    free(exact);
}

static void test_sniff(void **state)
{
    (void)state;
    static const struct { const char *s; int want; } cases[] = {
        {"---\ntitle: t\nurl: https://x\n---\n# t\n", 1},
        {"---\nlayout: post\n---\nbody\n", 1},
        {"---\nfoo: bar\n---\nbody\n", 0},             /* front matter, but not an article's */
        {"\n\n#  【8/9特辑】热点漏洞速递   \n安恒研究院  安恒信息CERT   2024-08-09 18:40  \n", 1},
        {"# 每日安全资讯（2022-08-29）\n\n- item\n", 1},
        {"#hashtag is not a heading\n", 0},
        {"<!DOCTYPE html><html><body># x</body></html>", 0},
        {"plain text\n# later heading\n", 0},
        {"---\n# not closed, so no front matter\n", 0},  /* "---" opens nothing: not a heading either */
        {"\xEF\xBB\xBF---  \ntitle: t\n---\n", 1},     /* BOM, blanks after the opener */
        {"  # indented heading\n", 1},
        {"# \n", 0},                                      /* a heading needs words */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(markdown_article(cases[i].s, strlen(cases[i].s)), cases[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_archive_front_matter),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_jekyll_forms),
        cmocka_unit_test(test_not_front_matter),
        cmocka_unit_test(test_unterminated_buffer),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
