/*
 * page: split a page once (page.c): inline script bodies out to the script
 * scanner, the lean markup for libxml2, charset conversion, Wayback
 * captures recognised.
 */
#ifndef WX_PARSE_PAGE_H
#define WX_PARSE_PAGE_H

#include <stddef.h>
#include "../ingest/util.h"   /* wx_span */

typedef struct wx_page {
    const char *src; size_t src_len;   /* the page as UTF-8 (points into the doc or `converted`) */
    char *html; size_t html_len;       /* markup with script/style bodies lifted out */
    wx_span *scripts; size_t nscripts, capscripts;   /* inline JS bodies, in page order */
    wx_span content_tpl;               /* <script id="content_tpl" type="text/html"> body */
    char *converted;                   /* UTF-8 copy of a page in another charset */
    int charset_converted;
    size_t attrs_dropped;              /* attributes past WX_MAX_ATTRS of a start tag, not parsed */
    int wayback;                       /* a Wayback Machine capture */
    char wayback_ts[15];               /* its 14-digit timestamp, or "" */
    char *wayback_url;                 /* the original URL, when the capture names it */
} wx_page;
/* Attributes a start tag keeps: libxml2 2.9 compares each attribute's name
 * with every one before it in the tag, so 40,000 attributes on one element
 * took 4.7 s (quadratic); no real element has anywhere near this many. */
#define WX_MAX_ATTRS 256
int wx_page_split(wx_page *pg, const char *buf, size_t len);
void wx_page_free(wx_page *pg);
/* Bytes in charset (an iconv name; GB2312/GBK read as GB18030) as UTF-8,
 * unreadable units skipped; malloc'd and NUL-terminated, NULL when iconv
 * does not know the charset. */
char *wx_charset_to_utf8(const char *buf, size_t len, const char *charset, size_t *outlen);

#endif
