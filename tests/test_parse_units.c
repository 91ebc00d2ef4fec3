/*
 * Unit tests for parse/'s building blocks, as input → expected tables:
 * the JS string decoder, HTML entity decoding, the URL canonicaliser and
 * cleaner, image formats and roles, and the script-variable evaluator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "../parse/text.h"
#include "../parse/url.h"
#include "../parse/images.h"
#include "../parse/jsvars.h"
#include "../parse/dom.h"

static void test_js_unescape(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"plain", "plain"},
        {"a\\x26amp;b", "a&amp;b"},
        {"\\x3csection\\x3e", "<section>"},
        {"line\\x0aline", "line\nline"},
        {"\\u4e2d\\u6587", "中文"},
        {"\\ud83d\\ude00", "\xF0\x9F\x98\x80"},          /* surrogate pair → U+1F600 */
        {"\\u{1F600}", "\xF0\x9F\x98\x80"},
        {"it\\'s \\\"q\\\"", "it's \"q\""},
        {"back\\\\slash", "back\\slash"},
        {"\\n\\r\\t", "\n\n\t"},                          /* \r becomes \n in clean text */
        {"a\\/b", "a/b"},
        {"bad \\xZZ", "bad xZZ"},                           /* broken escape: keep letters */
        {"bad \\u12", "bad u12"},
        {"lone \\udc00", "lone \xEF\xBF\xBD"},              /* lone surrogate → U+FFFD */
        {"cont\\\nline", "contline"},                       /* line continuation */
        {"trailing\\", "trailing"},
        {"\\x00nul", "\xEF\xBF\xBDnul"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = wx_js_unescape(cases[i].in, strlen(cases[i].in));
        assert_non_null(got);
        if (strcmp(got, cases[i].out) != 0) print_error("case %zu: %s\n", i, cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

/* wx_utf8_clean as it was written before its fast paths: a character at a
 * time through utf8proc_iterate.  The reference for the test below. */
static char *utf8_clean_reference(const char *s, size_t len)
{
    char *out = malloc(len * 3 + 1);
    size_t o = 0, i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) { memcpy(out + o, "\xEF\xBF\xBD", 3); o += 3; i++; continue; }
        if (cp == '\n' || cp == '\t' || cp >= 0x20) { memcpy(out + o, s + i, (size_t)n); o += (size_t)n; }
        else if (cp == '\r') out[o++] = '\n';
        i += (size_t)n;
    }
    out[o] = '\0';
    return out;
}

/* wx_utf8_clean and wx_utf8_is_clean (which take 2- and 3-byte sequences
 * and runs of ASCII without utf8proc) agree with the per-character
 * reference on random bytes drawn mostly from the edges: lead bytes
 * C0..F5 (E0 and ED with their narrower second bytes), continuation
 * bytes, controls, NUL, and sequences cut short at the end. */
static void test_utf8_clean_matches_reference(void **state)
{
    (void)state;
    static const unsigned char pool[] = {
        'a', ' ', '~', 0x7F, '\n', '\t', '\r', 0x00, 0x01, 0x1F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
        0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xE3, 0xE9, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    };
    uint32_t seed = 12345;
    char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(round % 40);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            /* one byte in four a run of printable ASCII, so the 16-byte path runs too */
            buf[i] = (char)((r & 3) == 0 ? 'a' + (char)(r % 26) : (char)pool[r % sizeof pool]);
        }
        if (round % 7 == 0 && len >= 20) memset(buf + 1, 'x', 18);
        char *want = utf8_clean_reference(buf, len);
        char *got = wx_utf8_clean(buf, len);
        assert_non_null(got);
        if (strcmp(got, want) != 0) print_error("round %d differs\n", round);
        assert_string_equal(got, want);
        assert_int_equal(wx_utf8_is_clean(buf, len), strlen(want) == len && memcmp(want, buf, len) == 0);
        free(want);
        free(got);
    }
}

static void test_html_unescape(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"&quot;a&quot; &#39;b&#39;", "\"a\" 'b'"},
        {"&amp;lt;", "&lt;"},                                /* &amp; decoded last, once */
        {"1 &lt; 2 &gt; 0", "1 < 2 > 0"},
        {"&#x4E2D;&#25991;", "中文"},
        {"&yen;5", "\xC2\xA5" "5"},
        {"a&nbsp;b", "a\xC2\xA0" "b"},
        {"AT&T &unknown; &", "AT&T &unknown; &"},
        {"&#0;", "\xEF\xBF\xBD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = wx_html_unescape(cases[i].in, strlen(cases[i].in));
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

static void test_url_canonical(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"http://mp.weixin.qq.com/s?__biz=MjM5NjM4MDAxMg==&amp;mid=2655078412&amp;idx=1&amp;sn=9a0a4d4e1b&amp;chksm=bd5f#rd",
         "https://mp.weixin.qq.com/s?__biz=MjM5NjM4MDAxMg==&mid=2655078412&idx=1&sn=9a0a4d4e1b"},
        {"https://mp.weixin.qq.com/s?__biz=MzA4MjQxNjQzMA==&mid=2768628484&idx=1&sn=93dcc54ce807f7793739ee2fd2377056&chksm=bf77&scene=75#wechat_redirect",
         "https://mp.weixin.qq.com/s?__biz=MzA4MjQxNjQzMA==&mid=2768628484&idx=1&sn=93dcc54ce807f7793739ee2fd2377056"},
        {"http://mp.weixin.qq.com/s?__biz=MzU2NTQzMjQ2NA==\\x26amp;mid=2247489928\\x26amp;idx=1\\x26amp;sn=cb26\\x26amp;chksm=fcba#rd",
         "https://mp.weixin.qq.com/s?__biz=MzU2NTQzMjQ2NA==&mid=2247489928&idx=1&sn=cb26"},
        {"https://mp.weixin.qq.com/s?sn=abc&idx=2&mid=5&__biz=QQ==&scene=1", "https://mp.weixin.qq.com/s?__biz=QQ==&mid=5&idx=2&sn=abc"},
        {"http://mp.weixin.qq.com/s?__biz=MzIxNzE3MjEwNg%3D%3D&amp;mid=2247483687&amp;idx=1&amp;sn=8c05&scene=45#wechat_redirect",
         "https://mp.weixin.qq.com/s?__biz=MzIxNzE3MjEwNg==&mid=2247483687&idx=1&sn=8c05"},
        {"https://mp.weixin.qq.com/s?__biz=QQ==&appmsgid=7&itemidx=3&sign=ff", "https://mp.weixin.qq.com/s?__biz=QQ==&mid=7&idx=3&sn=ff"},
        {"https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw", "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw"},
        {"http://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw?scene=1#rd", "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw"},
        {"https://web.archive.org/web/20240101000000id_/https://mp.weixin.qq.com/s/abcDEF", "https://mp.weixin.qq.com/s/abcDEF"},
        {"//mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=aa", "https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1&sn=aa"},
        {"https://mp.weixin.qq.com/s?__biz=QQ==&mid=1&idx=1", NULL},       /* no sn: not canonical */
        {"https://example.com/s?__biz=QQ==&mid=1&idx=1&sn=aa", NULL},      /* other host */
        {"javascript:void(0)", NULL},
        {"", NULL},
        /* found by fuzz_url: a canonical URL must parse back to itself */
        {"//mp.weixin.qq.com/s/AbC\r?x=1", "https://mp.weixin.qq.com/s/AbC"},
        {"https://mp.weixin.qq.com/s?__biz=QQ%3D%3D%26x&mid=1%20&idx=1&sn=a%23b\v",
         "https://mp.weixin.qq.com/s?__biz=QQ==%26x&mid=1%20&idx=1&sn=a%23b"},
        /* a "+" (raw or %2B) is base64's, never a form-encoded space */
        {"https://mp.weixin.qq.com/s?__biz=Mz+A%2B==&mid=1&idx=1&sn=a%2bb",
         "https://mp.weixin.qq.com/s?__biz=Mz+A+==&mid=1&idx=1&sn=a+b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = wx_url_canonical(cases[i].in);
        if (cases[i].out == NULL) {
            if (got) print_error("case %zu: expected NULL, got %s\n", i, got);
            assert_null(got);
        } else {
            assert_non_null(got);
            assert_string_equal(got, cases[i].out);
        }
        free(got);
    }
}

static void test_url_ids(void **state)
{
    (void)state;
    wx_url_ids ids;
    wx_url_ids_parse("https://mp.weixin.qq.com/s?__biz=MzIxNzE3MjEwNg%3D%3D&amp;mid=22&amp;idx=3&amp;sn=ab#rd", &ids);
    assert_string_equal(ids.biz, "MzIxNzE3MjEwNg==");
    assert_string_equal(ids.mid, "22");
    assert_string_equal(ids.idx, "3");
    assert_string_equal(ids.sn, "ab");
    wx_url_ids_free(&ids);
    wx_url_ids_parse("https://mp.weixin.qq.com/s/short", &ids);
    assert_null(ids.biz);
    assert_null(ids.mid);
    wx_url_ids_free(&ids);
}

static void test_url_clean(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"https://mmbiz.qpic.cn/a/640?wx_fmt=png&amp;amp;from=appmsg", "https://mmbiz.qpic.cn/a/640?wx_fmt=png&from=appmsg"},
        {"//mmbiz.qpic.cn/a/0?wx_fmt=jpeg", "https://mmbiz.qpic.cn/a/0?wx_fmt=jpeg"},
        {"  http://mmbiz.qpic.cn/x  ", "http://mmbiz.qpic.cn/x"},
        {"https://web.archive.org/web/20200101000000im_/https://mmbiz.qpic.cn/x/640", "https://mmbiz.qpic.cn/x/640"},
        {"/web/20200101000000oe_/http://mmbiz.qpic.cn/y", "http://mmbiz.qpic.cn/y"},
        {"https://web.archive.org/web/2/https://mmbiz.qpic.cn/z", "https://mmbiz.qpic.cn/z"},
        {"data:image/gif;base64,R0lGOD", NULL},
        {"javascript:;", NULL},
        {"#", NULL},
        {"页面_files/640.jpeg", "页面_files/640.jpeg"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = wx_url_clean(cases[i].in);
        if (!cases[i].out) assert_null(got);
        else { assert_non_null(got); assert_string_equal(got, cases[i].out); }
        free(got);
    }
}

static void test_image_format(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"https://mmbiz.qpic.cn/mmbiz_png/x/640?wx_fmt=png&from=appmsg", "png"},
        {"https://mmbiz.qpic.cn/mmbiz_jpg/x/0?wx_fmt=jpeg", "jpeg"},
        {"https://mmbiz.qpic.cn/mmbiz/x/0?wx_fmt=jpg", "jpeg"},
        {"https://mmbiz.qpic.cn/sz_mmbiz_gif/x/640", "gif"},
        {"https://mmbiz.qpic.cn/mmbiz_svg/x/640?from=appmsg", "svg"},
        {"https://mmbiz.qpic.cn/mmbiz_jpg/x/640?wx_fmt=jpeg&tp=webp", "jpeg"},
        {"https://mmbiz.qpic.cn/mmbiz/x/640?tp=webp", "webp"},
        {"https://mmbiz.qpic.cn/mmbiz_png/x/640?wx_fmt=other", "png"},
        {"https://example.com/pic.GIF?x=1", "gif"},
        {"https://example.com/pic", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = wx_image_format(cases[i].in);
        if (!cases[i].out) assert_null(got);
        else { assert_non_null(got); assert_string_equal(got, cases[i].out); }
    }
}

static void test_image_role(void **state)
{
    (void)state;
    static const struct {
        const char *url; int occ, link; const char *alt, *near; double w, h; const char *role;
    } cases[] = {
        {"https://mmbiz.qpic.cn/mmbiz_jpg/a/640?wx_fmt=jpeg", 1, 0, NULL, NULL, 1080, 720, "content"},
        {"https://mmbiz.qpic.cn/mmbiz_gif/a/640?wx_fmt=gif", 5, 0, NULL, NULL, 640, 40, "decoration"},
        {"https://mmbiz.qpic.cn/mmbiz_gif/a/640?wx_fmt=gif", 3, 0, NULL, NULL, -1, -1, "decoration"},
        {"https://mmbiz.qpic.cn/mmbiz_png/a/640?wx_fmt=png", 2, 0, NULL, NULL, 1080, 900, "content"},
        {"https://mmbiz.qpic.cn/mmbiz_png/a/640?wx_fmt=png", 1, 0, NULL, NULL, 1080, 20, "decoration"},
        {"https://mmbiz.qpic.cn/mmbiz_png/a/640?wx_fmt=png", 1, 0, NULL, NULL, 30, 30, "decoration"},
        {"https://mmbiz.qpic.cn/mmbiz_jpg/a/640?wx_fmt=jpeg", 1, 0, NULL, "长按识别二维码关注我们", 430, 430, "qrcode"},
        {"https://mmbiz.qpic.cn/mmbiz_jpg/a/640?wx_fmt=jpeg", 1, 0, "二维码", NULL, -1, -1, "qrcode"},
        {"https://mmbiz.qpic.cn/mmbiz_jpg/a/640?wx_fmt=jpeg", 1, 0, NULL, "扫码订阅", 1080, 300, "content"},
        {"https://open.weixin.qq.com/qr/code?username=gh_x", 1, 0, NULL, NULL, -1, -1, "qrcode"},
        {"http://wx.qlogo.cn/mmhead/Q3auHgzw/0", 1, 0, NULL, NULL, -1, -1, "avatar"},
        {"https://mmbiz.qlogo.cn/mmbiz_jpg/x/0?wx_fmt=jpeg", 1, 0, NULL, NULL, -1, -1, "avatar"},
        {"https://mmbiz.qpic.cn/mmbiz_jpg/b/640?wx_fmt=jpeg", 1, 1, NULL, NULL, 1080, 400, "banner"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = wx_image_role(cases[i].url, cases[i].occ, cases[i].link, cases[i].alt,
                                        cases[i].near, cases[i].w, cases[i].h);
        if (strcmp(got, cases[i].role) != 0) print_error("case %zu: got %s\n", i, got);
        assert_string_equal(got, cases[i].role);
    }
}

/* The script-variable evaluator on the syntaxes real pages use. */
static void test_jsvars(void **state)
{
    (void)state;
    static const char script[] =
        "var biz = null;\n"
        "var biz = opt.biz || window.biz;\n"
        "var biz = \"\"||\"MzI1\";\n"
        "var mid = start + end >> 1;\n"
        "var mid = \"\" || \"\"|| \"2247\";\n"
        "var idx = \"\" || \"\" || \"\";\n"
        "var sn = \"52c2\" || \"\" || \"\";\n"
        "var msg_title = '标题 &amp; 副题'.html(false);\n"
        "var nickname = htmlDecode(\"轩辕\");\n"
        "var ct = \"1762747210\" * 1;\n"
        "var msg_desc = htmlDecode(\"\");\n"
        "window.alias = \"xuanyuan\" || \"\";\n"
        "window.msg_title = window.title = 'ignored second' || '';\n"
        "d.title = xml ? getXmlValue('title.DATA') : '分享 \\x26 图片';\n"
        "d.ct = xml ? getXmlValue('ori_create_time.DATA') : '1779506986';\n"
        "_g.item_show_type = \"5\";\n"
        "var author = \"作者\"; var copyright_stat = \"1\" * 1;\n"
        "var publish_time = \"2018-06-20\" || \"\";\n"
        "window.cgiDataNew = { base_resp: { ret: '0' * 1 }, nick_name: JsDecode('账号'),\n"
        "  title: JsDecode('cgi \\x3ctitle\\x3e'), mid: '2247504179' * 1, idx: '1' * 1,\n"
        "  picture_page_info_list: [ { cdn_url: JsDecode('https://a/1'), watermark_info: { cdn_url: 'x' } } ],\n"
        "  text_page_info: { content_noencode: JsDecode('hi\\x0athere') }, };\n";
    wx_jsvars v;
    wx_jsvars_init(&v);
    wx_jsvars_scan(&v, script, strlen(script));
    assert_string_equal(wx_jsvars_get(&v, "biz"), "MzI1");
    assert_string_equal(wx_jsvars_get(&v, "mid"), "2247");
    assert_null(wx_jsvars_get(&v, "idx"));             /* only empty literals */
    assert_true(wx_jsvars_has(&v, "idx"));
    assert_string_equal(wx_jsvars_get(&v, "sn"), "52c2");
    assert_string_equal(wx_jsvars_get(&v, "msg_title"), "标题 &amp; 副题");
    assert_string_equal(wx_jsvars_get(&v, "nickname"), "轩辕");
    assert_string_equal(wx_jsvars_get(&v, "ct"), "1762747210");
    assert_string_equal(wx_jsvars_get(&v, "alias"), "xuanyuan");
    assert_string_equal(wx_jsvars_get(&v, "d.title"), "分享 & 图片");
    assert_string_equal(wx_jsvars_get(&v, "d.ct"), "1779506986");
    assert_string_equal(wx_jsvars_get(&v, "item_show_type"), "5");
    assert_string_equal(wx_jsvars_get(&v, "author"), "作者");
    assert_string_equal(wx_jsvars_get(&v, "copyright_stat"), "1");
    assert_string_equal(wx_jsvars_get(&v, "publish_time"), "2018-06-20");
    assert_string_equal(wx_jsvars_get(&v, "cgi.nick_name"), "账号");
    assert_string_equal(wx_jsvars_get(&v, "cgi.title"), "cgi <title>");
    assert_string_equal(wx_jsvars_get(&v, "cgi.mid"), "2247504179");
    assert_null(wx_jsvars_get(&v, "cgi.ret"));          /* nested members are not top-level */
    assert_non_null(v.pictures);
    assert_non_null(v.text_page);
    wx_jsvars_free(&v);
}

/* Chains, assignments inside strings or comments, and scripts with no
 * statement end: each right-hand side ends where the next assignment
 * begins (what keeps the scan linear), and a chain takes its last value. */
static void test_jsvars_chains(void **state)
{
    (void)state;
    static const char script[] =
        "window.msg_title = window.title = '链' || '';\n"
        "var ct = window.ct = d.ct = 12345;\n"
        "var biz = '' ; var mid = window.mid = '';\n"
        "var nickname = 'a var alias = \"inside a string\"';\n"
        "var desc = x /* var author = 'in a comment' */ || 'the desc';\n"
        "var sn = opt.sn var idx = '7'\n"
        "var link = f(window.source_url = 'inner', 'x');\n"
        "var msg_desc = t.replace(/\"/g, ''); var source_nickname = 'after a regex';\n"
        "var appmsgid = a / b || '3'; var x = c / d;\n";
    wx_jsvars v;
    wx_jsvars_init(&v);
    wx_jsvars_scan(&v, script, strlen(script));
    assert_string_equal(wx_jsvars_get(&v, "msg_title"), "链");
    assert_string_equal(wx_jsvars_get(&v, "title"), "链");
    assert_string_equal(wx_jsvars_get(&v, "ct"), "12345");
    assert_string_equal(wx_jsvars_get(&v, "d.ct"), "12345");
    assert_true(wx_jsvars_has(&v, "mid"));
    assert_null(wx_jsvars_get(&v, "mid"));
    assert_string_equal(wx_jsvars_get(&v, "nickname"), "a var alias = \"inside a string\"");
    assert_false(wx_jsvars_has(&v, "alias"));          /* text in a string, not code */
    assert_string_equal(wx_jsvars_get(&v, "desc"), "the desc");
    assert_false(wx_jsvars_has(&v, "author"));         /* text in a comment */
    assert_string_equal(wx_jsvars_get(&v, "sn"), "7");  /* no ';': reads on, like before */
    assert_string_equal(wx_jsvars_get(&v, "idx"), "7");
    assert_string_equal(wx_jsvars_get(&v, "source_url"), "inner");
    assert_false(wx_jsvars_has(&v, "link"));           /* only literals inside an opaque call */
    assert_string_equal(wx_jsvars_get(&v, "source_nickname"), "after a regex");  /* /"/ is no string */
    assert_string_equal(wx_jsvars_get(&v, "appmsgid"), "3");          /* a / b divides */
    wx_jsvars_free(&v);

    /* a megabyte of `var msg_title=` with no value: nothing found, no hang */
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = "var msg_title="[i % 14];
    big[n] = '\0';
    wx_jsvars_init(&v);
    wx_jsvars_scan(&v, big, n);
    assert_null(wx_jsvars_get(&v, "msg_title"));
    wx_jsvars_free(&v);
    free(big);
}

/* wx_jsvars_scan's answer to "may this script set an innerHTML after a
 * call?", which lets parse.c pass by scripts without one: yes wherever
 * getElementById('…').innerHTML = can be, blanks (a newline too) before
 * the '=' and a "==" included; no when ").innerHTML" is not followed by
 * blanks and '=', or the innerHTML does not follow a call. */
static void test_jsvars_inner_html(void **state)
{
    (void)state;
    static const struct { const char *script; int want; } cases[] = {
        {"document.getElementById('js_video_desc').innerHTML = \"text\";", 1},
        {"x(); document.getElementById(\"a\").innerHTML\n\t= 'b'", 1},
        {"if (document.getElementById('a').innerHTML == '') {}", 1},
        {"var a = 1; b.innerHTML = 'c';", 0},
        {"var a = document.getElementById('a').innerHTML;", 0},
        {"e().innerHTMLx = 1; e().xinnerHTML = 2", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wx_jsvars v;
        wx_jsvars_init(&v);
        int got = wx_jsvars_scan(&v, cases[i].script, strlen(cases[i].script));
        if (got != cases[i].want) print_error("case %zu: %s\n", i, cases[i].script);
        assert_int_equal(got, cases[i].want);
        wx_jsvars_free(&v);
    }
}

static void test_text_normalize(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"  a   b  \n\n  c ", "a b\nc"},
        {"x\xC2\xA0\xC2\xA0y", "x y"},                       /* NBSP */
        {"x\xE3\x80\x80y", "x y"},                           /* ideographic space */
        {"z\xE2\x80\x8Bw\xEF\xBB\xBF", "zw"},                /* zero-width chars removed */
        {"\n\n\n", ""},
        {"a\r\nb", "a\nb"},
        /* runs of CJK characters are copied whole, up to the ones that are not plain */
        {"\xE4\xB8\xAD\xE6\x96\x87 \xE4\xB8\xAD", "\xE4\xB8\xAD\xE6\x96\x87 \xE4\xB8\xAD"},
        {"\xE4\xB8\xAD\xE3\x80\x80\xE3\x80\x81", "\xE4\xB8\xAD \xE3\x80\x81"},   /* U+3000 blank, U+3001 kept */
        {"\xE4\xB8\xAD\xEF\xBB\xBF\xEF\xBC\x8C", "\xE4\xB8\xAD\xEF\xBC\x8C"},   /* U+FEFF gone, U+FF0C kept */
        {"\xE4\xB8\xAD\xE2\x80\xA8\xE6\x96\x87", "\xE4\xB8\xAD\n\xE6\x96\x87"}, /* U+2028 ends the line */
        {"\xE4\xB8\xAD\xE2\x80\x83x", "\xE4\xB8\xAD x"},                         /* U+2003 em space */
        {"\xED\x95\x9C\xE4\xB8\xAD", "\xED\x95\x9C\xE4\xB8\xAD"},               /* U+D55C (ED lead) */
        {"\xED\xA0\x80x", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx"},             /* a surrogate: 3 bad bytes */
        {"\xE4\xB8\xAD\xE4\xB8", "\xE4\xB8\xAD\xEF\xBF\xBD\xEF\xBF\xBD"},     /* cut short at the end */
        {"\xE4\xB8\xAD\xE4x", "\xE4\xB8\xAD\xEF\xBF\xBDx"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = wx_text_normalize(cases[i].in, strlen(cases[i].in));
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_js_unescape),   cmocka_unit_test(test_utf8_clean_matches_reference),
        cmocka_unit_test(test_html_unescape),
        cmocka_unit_test(test_url_canonical), cmocka_unit_test(test_url_ids),
        cmocka_unit_test(test_url_clean),     cmocka_unit_test(test_image_format),
        cmocka_unit_test(test_image_role),    cmocka_unit_test(test_jsvars),
        cmocka_unit_test(test_jsvars_chains), cmocka_unit_test(test_jsvars_inner_html),
        cmocka_unit_test(test_text_normalize),
    };
    return cmocka_run_group_tests_name("parse units", tests, NULL, NULL);
}
