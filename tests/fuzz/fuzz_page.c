/*
 * libFuzzer target: the page splitter (parse/page.c), which reads every
 * byte of a page before libxml2 does: comments, Wayback toolbar and footer
 * markers, script and style bodies, the charset declaration, lean markup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../parse/page.h"

/* Whether a span lies inside the page the splitter read. */
static int inside(const wx_page *pg, const char *s, size_t n)
{
    return s >= pg->src && n <= pg->src_len && (size_t)(s - pg->src) <= pg->src_len - n;
}

/* What the rest of parse relies on: scripts and the content template point
 * into the page, the markup is NUL-terminated and bounded by the page
 * (a comment, at least 4 bytes, becomes the 7 bytes "<!---->"), a Wayback
 * timestamp is 14 digits or none, and splitting again gives the same. */
static void check_page(const wx_page *pg)
{
    if (!pg->html || pg->html[pg->html_len] != '\0') abort();
    if (pg->html_len > 2 * pg->src_len + 7) abort();
    for (size_t i = 0; i < pg->nscripts; i++)
        if (!inside(pg, pg->scripts[i].s, pg->scripts[i].n)) abort();
    if (pg->content_tpl.s && !inside(pg, pg->content_tpl.s, pg->content_tpl.n)) abort();
    size_t ts = strlen(pg->wayback_ts);
    if (ts != 0 && ts != 14) abort();
    for (size_t i = 0; i < ts; i++)
        if (pg->wayback_ts[i] < '0' || pg->wayback_ts[i] > '9') abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);                  /* a document's bytes end with a NUL */
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    wx_page a, b;
    if (wx_page_split(&a, buf, size) == 0) {
        check_page(&a);
        if (wx_page_split(&b, buf, size) == 0) {
            if (b.html_len != a.html_len || memcmp(a.html, b.html, a.html_len) != 0 || b.nscripts != a.nscripts)
                abort();
            wx_page_free(&b);
        }
    }
    wx_page_free(&a);
    free(buf);
    return 0;
}
