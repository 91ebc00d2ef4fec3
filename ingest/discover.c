/*
 * discover: the formats article URLs are listed in (see discover.h).
 *
 * Everything here reads bytes already fetched or loaded; the JSON is read
 * with jansson and every list walked once, so a hostile answer costs time
 * linear in its size.
 */
#include "discover.h"
#include "util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_LINK_LEN 4096   /* longer runs are not article links */

/* memmem's twin for short needles: the first byte by memchr, then a
 * compare.  (Sanitizer builds check memmem's whole haystack on every call,
 * which makes a scan that calls it once per hit quadratic there.) */
static const char *find(const char *hay, size_t n, const char *needle, size_t nl)
{
    const char *end = hay + n;
    for (const char *p = hay; (size_t)(end - p) >= nl; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - nl + 1);
        if (!p) return NULL;
        if (memcmp(p, needle, nl) == 0) return p;
    }
    return NULL;
}

/* Query values go into a URL of our own: everything but unreserved
 * characters is percent-encoded, so a prefix's '?', '=' and '&' stay its own. */
static char *url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1), *w = out;
    if (!out) return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p)) *w++ = (char)*p;
        else { *w++ = '%'; *w++ = hex[*p >> 4]; *w++ = hex[*p & 15]; }
    }
    *w = '\0';
    return out;
}

/* scheme://host without a trailing slash, as the caller's --base-url may have one. */
static int base_len(const char *base)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') n--;
    return (int)n;
}

char *wx_cdx_query_url(const char *base, const char *prefix, const char *from, const char *to,
                       long limit, const char *resume_key)
{
    char *p = url_encode(prefix), *k = resume_key ? url_encode(resume_key) : NULL;
    char *url = NULL;
    if (p && (!resume_key || k))
        url = wx_strf("%.*s/cdx/search/cdx?url=%s&matchType=prefix&collapse=urlkey&filter=statuscode:200"
                  "&output=json&fl=urlkey,timestamp,original,statuscode&limit=%ld&showResumeKey=true%s%s%s%s%s%s",
                  base_len(base), base, p, limit, from ? "&from=" : "", from ? from : "", to ? "&to=" : "",
                  to ? to : "", k ? "&resumeKey=" : "", k ? k : "");
    free(p);
    free(k);
    return url;
}

char *wx_cdx_closest_url(const char *base, const char *url, const char *closest, int limit)
{
    char *u = url_encode(url), *q = NULL;
    if (u)
        q = wx_strf("%.*s/cdx/search/cdx?url=%s&output=json&fl=timestamp,original,statuscode"
                    "&filter=statuscode:200&closest=%s&sort=closest&limit=%d",
                    base_len(base), base, u, closest, limit);
    free(u);
    return q;
}

/* A CDX timestamp (up to 14 digits, YYYYMMDDhhmmss, the rest zero) as the
 * records write times; NULL when it is not one. */
static char *cdx_time(const char *ts)
{
    char d[15] = "00000000000000";
    size_t n = strspn(ts, "0123456789");
    if (n < 4 || n > 14 || ts[n]) return NULL;
    memcpy(d, ts, n);
    if (n < 6) memcpy(d + 4, "01", 2);
    if (n < 8) memcpy(d + 6, "01", 2);
    return wx_strf("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d, d + 4, d + 6, d + 8, d + 10, d + 12);
}

/* Column of name in the header row, or -1. */
static int column(json_t *header, const char *name)
{
    for (size_t i = 0; i < json_array_size(header); i++) {
        const char *s = json_string_value(json_array_get(header, i));
        if (s && strcmp(s, name) == 0) return (int)i;
    }
    return -1;
}

/* The string in a row's column, or NULL. */
static const char *cell(json_t *row, int col)
{
    return col < 0 ? NULL : json_string_value(json_array_get(row, (size_t)col));
}

long wx_cdx_parse(const char *body, size_t len, wx_found_fn fn, void *ctx, char **resume_key, char **err)
{
    *resume_key = NULL;
    *err = NULL;
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i])) i++;
    if (i == len) return 0;   /* the real server answers nothing at all when nothing matched */
    json_error_t je;
    json_t *rows = json_loadb(body, len, 0, &je);
    if (!json_is_array(rows)) {
        *err = wx_strf("not CDX JSON (%s)", rows ? "not an array" : je.text);
        json_decref(rows);
        return -1;
    }
    json_t *header = json_array_get(rows, 0);
    int c_orig = column(header, "original"), c_ts = column(header, "timestamp"), c_status = column(header, "statuscode");
    if (json_array_size(rows) > 0 && c_orig < 0) {
        *err = strdup("CDX JSON without an \"original\" column");
        json_decref(rows);
        return -1;
    }
    long found = 0;
    for (size_t r = 1; r < json_array_size(rows); r++) {
        json_t *row = json_array_get(rows, r);
        if (json_array_size(row) == 0) {   /* [] then [resume key] */
            const char *k = json_string_value(json_array_get(json_array_get(rows, r + 1), 0));
            if (k && *k) *resume_key = strdup(k);
            break;
        }
        const char *orig = cell(row, c_orig), *ts = cell(row, c_ts), *status = cell(row, c_status);
        if (!orig || (c_status >= 0 && (!status || strcmp(status, "200") != 0))) continue;   /* short rows too */
        char *when = ts ? cdx_time(ts) : NULL;
        fn(ctx, orig, when);
        free(when);
        found++;
    }
    json_decref(rows);
    return found;
}

/* The raw value of a query parameter of url (malloc'd), or NULL. */
static char *url_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);
    for (const char *p = q; p && *p; p = strpbrk(p + 1, "&")) {
        const char *k = p + 1;
        if (strncmp(k, "amp;", 4) == 0) k += 4;   /* &amp; as pages write it */
        if (strncmp(k, name, n) == 0 && k[n] == '=') return strndup(k + n + 1, strcspn(k + n + 1, "&#"));
    }
    return NULL;
}

char *wx_album_query_url(const char *base, const char *album_url, const char *begin_msgid,
                         const char *begin_itemidx, int count)
{
    char *biz = url_param(album_url, "__biz"), *album = url_param(album_url, "album_id");
    char *url = NULL;
    if (biz && album && *biz && *album)
        url = wx_strf("%.*s/mp/appmsgalbum?action=getalbum&__biz=%s&album_id=%s&count=%d%s%s%s%s&f=json",
                  base_len(base), base, biz, album, count, begin_msgid ? "&begin_msgid=" : "",
                  begin_msgid ? begin_msgid : "", begin_itemidx ? "&begin_itemidx=" : "",
                  begin_itemidx ? begin_itemidx : "");
    free(biz);
    free(album);
    return url;
}

/* WeChat writes numbers as strings or numbers, as it pleases. */
static char *scalar_text(json_t *v)
{
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (json_is_integer(v)) return wx_strf("%lld", (long long)json_integer_value(v));
    return NULL;
}

long wx_album_parse(const char *body, size_t len, wx_found_fn fn, void *ctx, char **next_msgid,
                    char **next_itemidx, char **err)
{
    *next_msgid = *next_itemidx = NULL;
    *err = NULL;
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    json_t *resp = json_object_get(root, "getalbum_resp");
    if (!json_is_object(resp)) {
        json_t *ret = json_object_get(json_object_get(root, "base_resp"), "ret");
        *err = root ? wx_strf("no getalbum_resp in the album JSON (base_resp.ret %lld)", (long long)json_integer_value(ret))
                    : wx_strf("album answer is not JSON (%s)", je.text);
        json_decref(root);
        return -1;
    }
    json_t *list = json_object_get(resp, "article_list");
    if (json_is_object(list)) {   /* a one-article album comes as the object itself */
        json_t *one = json_array();
        json_array_append(one, list);
        list = one;
    } else {
        json_incref(list);
    }
    long found = 0;
    json_t *last = NULL;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *a = json_array_get(list, i);
        const char *u = json_string_value(json_object_get(a, "url"));
        if (!u || !*u) continue;
        fn(ctx, u, NULL);
        found++;
        last = a;
    }
    char *flag = scalar_text(json_object_get(resp, "continue_flag"));
    if (flag && strcmp(flag, "0") != 0 && last) {
        *next_msgid = scalar_text(json_object_get(last, "msgid"));
        *next_itemidx = scalar_text(json_object_get(last, "itemidx"));
        if (!*next_msgid || !*next_itemidx) {
            free(*next_msgid);
            free(*next_itemidx);
            *next_msgid = *next_itemidx = NULL;
        }
    }
    free(flag);
    json_decref(list);
    json_decref(root);
    return found;
}

/* One content_url of a history message, made absolute. */
static void history_url(json_t *info, wx_found_fn fn, void *ctx, long *found)
{
    const char *u = json_string_value(json_object_get(info, "content_url"));
    if (!u || !*u) return;
    char *abs = u[0] == '/' && u[1] != '/' ? wx_strf("https://mp.weixin.qq.com%s", u) : strdup(u);
    if (!abs) return;
    fn(ctx, abs, NULL);
    free(abs);
    (*found)++;
}

/* Every article of a msgList object: each message's main article and the
 * rest of a multi-article message. */
static long history_list(json_t *msglist, wx_found_fn fn, void *ctx)
{
    json_t *list = json_object_get(msglist, "list");
    long found = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *ext = json_object_get(json_array_get(list, i), "app_msg_ext_info");
        history_url(ext, fn, ctx, &found);
        json_t *more = json_object_get(ext, "multi_app_msg_item_list");
        for (size_t k = 0; k < json_array_size(more); k++) history_url(json_array_get(more, k), fn, ctx, &found);
    }
    return found;
}

/* The profile_ext page writes msgList as an HTML-escaped string: undo the
 * five entities (and &amp; last, so "&amp;quot;" stays "&quot;"). */
static char *html_unescape(const char *s, size_t n)
{
    static const struct { const char *ent; char c; } ents[] = {
        {"&quot;", '"'}, {"&#39;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}};
    char *out = malloc(n + 1), *w = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        while (k < 5 && strncmp(s + i, ents[k].ent, strlen(ents[k].ent)) != 0) k++;
        if (k < 5) { *w++ = ents[k].c; i += strlen(ents[k].ent); }
        else *w++ = s[i++];
    }
    *w = '\0';
    return out;
}

/* The value of the first "msgList =": an object literal, or a quoted
 * string of escaped JSON.  NULL when neither. */
static json_t *msglist_value(const char *bytes, size_t len)
{
    const char *end = bytes + len, *p = bytes;
    while ((p = find(p, (size_t)(end - p), "msgList", 7)) != NULL) {
        const char *v = p + 7;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        if (v < end && *v == '=') {
            v++;
            while (v < end && isspace((unsigned char)*v)) v++;
            if (v < end && *v == '{') return json_loadb(v, (size_t)(end - v), JSON_DISABLE_EOF_CHECK, NULL);
            if (v < end && (*v == '\'' || *v == '"')) {
                const char *close = memchr(v + 1, *v, (size_t)(end - v - 1));
                char *text = close ? html_unescape(v + 1, (size_t)(close - v - 1)) : NULL;
                json_t *j = text ? json_loads(text, 0, NULL) : NULL;
                free(text);
                return j;
            }
            return NULL;   /* the first assignment only: each try may read to the end */
        }
        p += 7;
    }
    return NULL;
}

long wx_history_parse(const char *bytes, size_t len, wx_found_fn fn, void *ctx, char **err)
{
    *err = NULL;
    json_t *root = json_loadb(bytes, len, 0, NULL), *msglist = NULL;
    const char *general = json_string_value(json_object_get(root, "general_msg_list"));
    if (general) msglist = json_loads(general, 0, NULL);   /* getmsg JSON */
    else if (!root) msglist = msglist_value(bytes, len);   /* a saved history page */
    json_decref(root);
    if (!json_is_object(msglist)) {
        json_decref(msglist);
        *err = strdup("no message list (msgList or general_msg_list) found");
        return -1;
    }
    long found = history_list(msglist, fn, ctx);
    json_decref(msglist);
    return found;
}

/* Characters an article link is written with: stops at quotes, markup,
 * whitespace and the backslash of an escaped quote. */
static int link_char(const unsigned char *p, const unsigned char *end)
{
    if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '<' || *p == '>' || *p == 0x7f) return 0;
    if (*p == '\\') return p + 1 < end && (p[1] == '/' || p[1] == 'x' || p[1] == 'u');
    return 1;
}

/* Report one link starting at the path after the host ("/s?…" or "\/s?…"),
 * with \/ undone and a length cap. */
static const unsigned char *emit_link(const unsigned char *path, const unsigned char *end, wx_found_fn fn, void *ctx)
{
    char buf[MAX_LINK_LEN + 32];
    size_t n = (size_t)snprintf(buf, sizeof buf, "https://mp.weixin.qq.com");
    const unsigned char *p = path;
    while (p < end && link_char(p, end) && n < sizeof buf - 1) {
        if (*p == '\\' && p[1] == '/') p++;
        buf[n++] = (char)*p++;
    }
    buf[n] = '\0';
    if (n < sizeof buf - 1) fn(ctx, buf, NULL);
    return p;
}

void wx_scan_article_links(const unsigned char *bytes, size_t len, wx_found_fn fn, void *ctx)
{
    static const char host[] = "mp.weixin.qq.com";
    const size_t hl = sizeof host - 1;
    const unsigned char *p = bytes, *end = bytes + len;
    while (p < end && (p = (const unsigned char *)find((const char *)p, (size_t)(end - p), host, hl)) != NULL) {
        const unsigned char *path = p + hl;
        const unsigned char *s = path + (path + 1 < end && path[0] == '\\' && path[1] == '/');
        if (s + 2 < end && s[0] == '/' && s[1] == 's' && (s[2] == '?' || s[2] == '/' || s[2] == '\\'))
            p = emit_link(path, end, fn, ctx);
        else
            p = path;
    }
}
