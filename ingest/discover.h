/*
 * discover: where article URLs come from (discover.c).
 *
 * The sources' formats, read without the parser: the Wayback Machine's CDX
 * API (query URLs and its JSON rows), WeChat's public album JSON
 * (appmsgalbum?action=getalbum&f=json, paged), saved account history pages
 * (the msgList of a profile page, or profile_ext getmsg JSON), and a raw
 * scan of page bytes for article links (hrefs, script data, text).  Each
 * hands the URLs it finds, as written, to a callback; canonical form,
 * identity and de-duplication are the caller's (parse/url.c's rules).
 * Requests are made through the fetcher (wx_fetch_get), never here.
 */
#ifndef WX_INGEST_DISCOVER_H
#define WX_INGEST_DISCOVER_H

#include <stddef.h>

/* One URL found; captured_at (UTC, 2019-01-02T03:04:05Z) may be NULL. */
typedef void (*wx_found_fn)(void *ctx, const char *url, const char *captured_at);

/* The CDX query for every capture under prefix (no scheme; e.g.
 * "mp.weixin.qq.com/s?__biz=MzA..."), one row per distinct URL, 200s only,
 * JSON, limit rows per page, with a resume key; from/to (1-14 digits) and
 * resume_key may be NULL.  base is scheme://host of the CDX server. */
char *wx_cdx_query_url(const char *base, const char *prefix, const char *from, const char *to,
                       long limit, const char *resume_key);

/* The CDX query for the 200 captures of one URL, nearest to closest (1-14
 * digits) first, at most limit of them: what --fallback wayback asks. */
char *wx_cdx_closest_url(const char *base, const char *url, const char *closest, int limit);

/* Read one page of CDX JSON (a header row naming the columns, capture rows,
 * then with showResumeKey an empty row and [resume key]).  Captures whose
 * statuscode is not 200 are skipped.  *resume_key gets the key (malloc'd)
 * or NULL on the last page.  Returns the captures passed to fn, or -1 when
 * the body is not CDX JSON (*err malloc'd). */
long wx_cdx_parse(const char *body, size_t len, wx_found_fn fn, void *ctx, char **resume_key, char **err);

/* The album JSON URL for an album page URL (its __biz and album_id), from
 * the cursor begin_msgid/begin_itemidx (NULL for the first page).  base is
 * scheme://host ("https://mp.weixin.qq.com").  NULL when the URL has no
 * __biz or album_id. */
char *wx_album_query_url(const char *base, const char *album_url, const char *begin_msgid,
                         const char *begin_itemidx, int count);

/* Read one page of album JSON.  When it says more follow, *next_msgid and
 * *next_itemidx get the last article's cursor (malloc'd), else NULL.
 * Returns the articles passed to fn, or -1 (*err malloc'd). */
long wx_album_parse(const char *body, size_t len, wx_found_fn fn, void *ctx, char **next_msgid,
                    char **next_itemidx, char **err);

/* Read a saved account history page (var msgList = {...} or '...' HTML-
 * escaped) or profile_ext getmsg JSON (general_msg_list): every message's
 * content_url, resolved against https://mp.weixin.qq.com.  Returns the URLs
 * passed to fn, or -1 when no message list is found (*err malloc'd). */
long wx_history_parse(const char *bytes, size_t len, wx_found_fn fn, void *ctx, char **err);

/* Every mp.weixin.qq.com article link (/s?…, /s/…) in page bytes, wherever
 * it is written (href, script string with \/ escapes, text), as an https
 * URL still carrying its &amp; / \x26 escapes.  Linear in len. */
void wx_scan_article_links(const unsigned char *bytes, size_t len, wx_found_fn fn, void *ctx);

#endif /* WX_INGEST_DISCOVER_H */
