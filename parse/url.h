/*
 * url: article URLs (url.c): canonical form, identity parts, cleaning of
 * image and link URLs, Wayback prefixes.
 */
#ifndef WX_PARSE_URL_H
#define WX_PARSE_URL_H

#include <stddef.h>

/* Canonicalise an article URL: undo &amp; / \x26 escaping (repeatedly), strip
 * Wayback prefixes, force https, keep only __biz, mid, idx, sn (aliases
 * appmsgid, itemidx, sign) for /s? links, drop the query of /s/<id> short
 * links, drop fragments.  Returns malloc'd, or NULL when the URL is not a
 * WeChat article URL. */
char *wx_url_canonical(const char *url);

/* Identity parts of an article URL (percent-decoded), each malloc'd or NULL. */
typedef struct wx_url_ids {
    char *biz, *mid, *idx, *sn;
} wx_url_ids;
void wx_url_ids_parse(const char *url, wx_url_ids *ids);
void wx_url_ids_free(wx_url_ids *ids);

/* Clean an image or link URL found in a page: decode &amp; repeatedly,
 * make protocol-relative URLs https, strip Wayback /web/<ts>xx_/ prefixes.
 * Returns malloc'd, or NULL for empty/data:/javascript: URLs. */
char *wx_url_clean(const char *url);

/* Length of a Wayback Machine prefix (http://web.archive.org/web/<ts>xx_/) at s, or 0. */
size_t wx_wayback_prefix_len(const char *s);
/* The canonical URL of an article from its identity parts (malloc'd). */
char *wx_url_article(const char *biz, const char *mid, const char *idx, const char *sn);

#endif
