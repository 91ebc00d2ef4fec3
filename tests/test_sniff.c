/*
 * Unit tests for ingest/sniff.c: each format from its first bytes, the
 * order in which they are tried, a prefix cut short (the walk reads
 * 4 KiB), and the MIME header reading MHTML shares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/sniff.h"

static wx_format sniff(const char *s, int partial)
{
    return wx_sniff((const unsigned char *)s, strlen(s), partial);
}

static void test_formats(void **state)
{
    (void)state;
    static const struct { const char *s; wx_format want; } cases[] = {
        {"\x1f\x8b\x08\x00", WX_FMT_GZIP},
        {"PK\x03\x04\x14", WX_FMT_ZIP},
        {"WARC/1.1\r\nWARC-Type: warcinfo\r\n", WX_FMT_WARC},
        {"filedesc://x.arc 0.0.0.0 20240101000000 text/plain 76\n", WX_FMT_ARC},
        {"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
         "\ttype=\"text/html\"; boundary=\"b\"\r\n\r\n--b\r\n", WX_FMT_MHTML},
        {"MIME-Version: 1.0\nContent-Type: text/html\n\n<html>", WX_FMT_HTML},   /* one part: not MHTML */
        {"---\ntitle: t\n---\n", WX_FMT_MARKDOWN},
        {"\xEF\xBB\xBF---\t\r\nlayout: post\r\n---\r\n", WX_FMT_MARKDOWN},
        {"\n\n  # 标题  \n正文\n", WX_FMT_MARKDOWN},
        {"#hashtag\n", WX_FMT_TEXT},
        {"----\nx\n", WX_FMT_TEXT},
        {"  <!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">", WX_FMT_HTML},
        {"\xEF\xBB\xBF<div id=\"js_content\">", WX_FMT_HTML},
        {"<!-- saved from url=(0046)https://mp.weixin.qq.com/ -->\n", WX_FMT_HTML},
        {"<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">", WX_FMT_HTML},
        {"notes about <p> tags\n", WX_FMT_TEXT},
        {"plain words\n", WX_FMT_TEXT},
        {"", WX_FMT_TEXT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(sniff(cases[i].s, 0), cases[i].want);
        assert_int_equal(sniff(cases[i].s, 1), cases[i].want);
    }
}

/* Binary: a NUL, or over 5% control bytes, in the first 8 KiB; but the
 * header formats come first, since their records and parts may be binary. */
static void test_binary(void **state)
{
    (void)state;
    const unsigned char nul[] = "<html>\0<body>";
    assert_int_equal(wx_sniff(nul, sizeof nul - 1, 0), WX_FMT_BINARY);
    const unsigned char warc[] = "WARC/1.0\r\n\0\0\0";
    assert_int_equal(wx_sniff(warc, sizeof warc - 1, 0), WX_FMT_WARC);

    unsigned char text[1000];
    memset(text, 'a', sizeof text);
    memset(text, '\x01', 50);                                /* exactly 5%: still text */
    assert_int_equal(wx_sniff_binary(text, sizeof text), 0);
    text[60] = '\x02';
    assert_int_equal(wx_sniff_binary(text, sizeof text), 1);

    /* Read a word at a time: every byte value at every position of a word
     * and of the tail counts as the byte-by-byte rule says (NUL: binary;
     * controls but \n \r \t \f: counted; 0x20 and up, 0x80 and up: text). */
    for (int c = 0; c < 256; c++)
        for (size_t at = 0; at < 19; at++) {
            unsigned char t[19];
            memset(t, 'a', sizeof t);
            t[at] = (unsigned char)c;
            int ctl = c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f';
            assert_int_equal(wx_sniff_binary(t, sizeof t), c == 0 || ctl);   /* 1 in 19 is over 5% */
            unsigned char u[40];
            memset(u, 'a', sizeof u);
            u[at] = (unsigned char)c;
            u[at + 1] = 0x7f;
            assert_int_equal(wx_sniff_binary(u, sizeof u), c == 0);            /* 1 in 40 is not */
        }

    unsigned char *late = calloc(1, 9000);                   /* a NUL past 8 KiB is not looked at */
    assert_non_null(late);
    memset(late, 'a', 9000);
    late[8500] = '\0';
    assert_int_equal(wx_sniff_binary(late, 9000), 0);
    free(late);
}

/* "<html" counts anywhere in the first 4 KiB, not later. */
static void test_html_window(void **state)
{
    (void)state;
    size_t n = 5000;
    unsigned char *p = malloc(n);
    assert_non_null(p);
    memset(p, 'x', n);
    memcpy(p + 4000, "<html>", 6);
    assert_int_equal(wx_sniff(p, n, 0), WX_FMT_HTML);
    memset(p + 4000, 'x', 6);
    memcpy(p + 4500, "<html>", 6);
    assert_int_equal(wx_sniff(p, n, 0), WX_FMT_TEXT);
    assert_int_equal(wx_sniff_markup(p, n), 1);             /* the parser's looser test sees it */
    free(p);
}

/* A MIME header block cut off by the end of a sniffed prefix counts only
 * when the caller says the bytes are a prefix. */
static void test_partial_mhtml(void **state)
{
    (void)state;
    const char *cut = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\nSubject: a";
    assert_int_equal(sniff(cut, 1), WX_FMT_MHTML);
    assert_int_equal(sniff(cut, 0), WX_FMT_TEXT);
}

static void test_headers(void **state)
{
    (void)state;
    const unsigned char h[] = "Content-Type: text/html;\r\n  charset=utf-8\r\nX: 1\r\n\r\nbody";
    size_t hlen = wx_header_block(h, sizeof h - 1, 0);
    assert_int_equal(hlen, sizeof h - 1 - 4);
    char *ct = wx_header_get(h, hlen, "content-type");
    assert_string_equal(ct, "text/html;  charset=utf-8");
    assert_int_equal(wx_media_type_is(ct, "text/html"), 1);
    assert_int_equal(wx_media_type_is(ct, "text/htm"), 0);
    free(ct);
    assert_null(wx_header_get(h, hlen, "Subject"));
    const unsigned char fold_first[] = " folded: first\r\n\r\n";
    assert_int_equal(wx_header_block(fold_first, sizeof fold_first - 1, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_html_window),
        cmocka_unit_test(test_partial_mhtml),
        cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
