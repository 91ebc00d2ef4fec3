/*
 * URLs: canonical article URLs, identity parts, and cleaning of image and
 * link URLs as pages carry them (HTML- and JS-escaped, protocol-relative,
 * rewritten by the Wayback Machine).
 */
#include "url.h"

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Pages escape '&' once or several times ("&amp;amp;", "\x26amp;"): undo
 * every layer so query parsing sees plain '&'.  One pass does it: a
 * decoded '&' can only begin another escape, never end one, so a page of
 * deeply nested escapes costs linear time (repeating passes until nothing
 * changed was quadratic: 400 KB of "amp;" ran for minutes). */
static char *unescape_amps(const char *url)
{
    char *s = strdup(url);
    if (!s) return NULL;
    char *w = s;
    const char *r = s;
    while (*r) {
        if (*r == '\\' && strncmp(r, "\\x26", 4) == 0) r += 4;
        else if (*r == '\\' && strncmp(r, "\\u0026", 6) == 0) r += 6;
        else if (*r == '&') r++;
        else { *w++ = *r++; continue; }
        /* an '&' (decoded or not) followed by "amp;" or "#38;" is an
         * escaped '&' again: "&amp;amp;" is one '&' */
        while (strncasecmp(r, "amp;", 4) == 0 || strncmp(r, "#38;", 4) == 0) r += 4;
        *w++ = '&';
    }
    *w = '\0';
    return s;
}

/* Length of a Wayback Machine prefix at the start of s: optional scheme and
 * host web.archive.org, then /web/<1-14 digits><optional xx_ flag>/. */
size_t wx_wayback_prefix_len(const char *s)
{
    const char *p = s;
    if (strncasecmp(p, "https:", 6) == 0) p += 6;
    else if (strncasecmp(p, "http:", 5) == 0) p += 5;
    if (strncmp(p, "//web.archive.org", 17) == 0) p += 17;
    else if (p != s) return 0;                    /* other host */
    if (strncmp(p, "/web/", 5) != 0) return 0;
    p += 5;
    const char *d = p;
    while (isdigit((unsigned char)*p) && p - d < 14) p++;
    if (p == d) return 0;
    if (isalpha((unsigned char)p[0]) && isalnum((unsigned char)p[1]) && p[2] == '_') p += 3;
    if (*p != '/') return 0;
    return (size_t)(p + 1 - s);
}

char *wx_url_clean(const char *url)
{
    if (!url) return NULL;
    while (isspace((unsigned char)*url)) url++;
    char *s = unescape_amps(url);
    if (!s) return NULL;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    size_t wb;
    size_t skip = 0;
    while ((wb = wx_wayback_prefix_len(s + skip)) > 0) skip += wb;     /* one move, however many */
    if (skip) memmove(s, s + skip, n - skip + 1);
    if (!*s || strncasecmp(s, "data:", 5) == 0 || strncasecmp(s, "javascript:", 11) == 0 ||
        strncasecmp(s, "about:", 6) == 0 || s[0] == '#') {
        free(s);
        return NULL;
    }
    if (s[0] == '/' && s[1] == '/') {              /* protocol-relative */
        char *h = malloc(strlen(s) + 7);
        if (h) { strcpy(h, "https:"); strcat(h, s); }
        free(s);
        return h;
    }
    /* Wayback rewrites "http://x" to "/web/…/http://x" but also drops one slash
     * in some captures: "https:/x".  Repair it. */
    if ((strncasecmp(s, "http:/", 6) == 0 && s[6] != '/') ||
        (strncasecmp(s, "https:/", 7) == 0 && s[7] != '/')) {
        size_t at = (s[4] == ':') ? 6 : 7;
        char *h = malloc(strlen(s) + 2);
        if (h) { memcpy(h, s, at); h[at] = '/'; strcpy(h + at + 1, s + at); }
        free(s);
        return h;
    }
    return s;
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Percent-decode a query value (share links carry "MzI…%3D%3D").  A "+"
 * stays a "+": the ids are base64 and hex, not form data, and the
 * canonical URL writes "+" as is (put_param), so it must read back alike. */
static char *percent_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *w = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexv((unsigned char)s[i + 1]) >= 0 &&
            hexv((unsigned char)s[i + 2]) >= 0) {
            *w++ = (char)(hexv((unsigned char)s[i + 1]) * 16 + hexv((unsigned char)s[i + 2]));
            i += 2;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return out;
}

/* Find query parameter `name` in the query string q (up to '#' or end). */
static char *query_param(const char *q, const char *name)
{
    size_t nl = strlen(name);
    const char *p = q;
    while (p && *p && *p != '#') {
        const char *end = p + strcspn(p, "&#");
        if ((size_t)(end - p) > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            if (end - (p + nl + 1) == 0) return NULL;
            return percent_decode(p + nl + 1, (size_t)(end - (p + nl + 1)));
        }
        p = (*end == '&') ? end + 1 : NULL;
    }
    return NULL;
}

static char *first_param(const char *q, const char *a, const char *b)
{
    char *v = query_param(q, a);
    return v ? v : (b ? query_param(q, b) : NULL);
}

/* Points just past "mp.weixin.qq.com" in an http(s) or scheme-less URL,
 * or NULL when the URL is on another host. */
static const char *after_wechat_host(const char *s)
{
    const char *p = s;
    if (strncasecmp(p, "https://", 8) == 0) p += 8;
    else if (strncasecmp(p, "http://", 7) == 0) p += 7;
    else if (strncmp(p, "//", 2) == 0) p += 2;
    if (strncasecmp(p, "mp.weixin.qq.com", 16) != 0) return NULL;
    p += 16;
    if (*p == ':') while (*p && *p != '/') p++;    /* port */
    return p;
}

void wx_url_ids_parse(const char *url, wx_url_ids *ids)
{
    memset(ids, 0, sizeof *ids);
    char *s = url ? wx_url_clean(url) : NULL;
    if (!s) return;
    const char *q = strchr(s, '?');
    if (q) {
        q++;
        ids->biz = first_param(q, "__biz", "biz");
        ids->mid = first_param(q, "mid", "appmsgid");
        ids->idx = first_param(q, "idx", "itemidx");
        ids->sn = first_param(q, "sn", "sign");
    }
    free(s);
}

void wx_url_ids_free(wx_url_ids *ids)
{
    free(ids->biz); free(ids->mid); free(ids->idx); free(ids->sn);
    memset(ids, 0, sizeof *ids);
}

/* Append v percent-encoded: the ids were percent-decoded from a query, and
 * a decoded "&", "#", space or control must not end or change the URL we
 * build (the canonical URL has to parse back to the same ids).  Base64's
 * "=", "+" and "/" stay as WeChat writes them. */
static char *put_param(char *w, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (isalnum(*p) || strchr("-._~=+/", *p)) {
            *w++ = (char)*p;
        } else {
            *w++ = '%';
            *w++ = hex[*p >> 4];
            *w++ = hex[*p & 15];
        }
    }
    return w;
}

char *wx_url_article(const char *biz, const char *mid, const char *idx, const char *sn)
{
    if (!biz || !mid || !idx || !sn || !*biz || !*mid || !*idx || !*sn) return NULL;
    size_t n = 3 * (strlen(biz) + strlen(mid) + strlen(idx) + strlen(sn)) + 64;
    char *u = malloc(n), *w = u;
    if (!u) return NULL;
    w += sprintf(w, "https://mp.weixin.qq.com/s?__biz=");
    w = put_param(w, biz);
    w += sprintf(w, "&mid=");
    w = put_param(w, mid);
    w += sprintf(w, "&idx=");
    w = put_param(w, idx);
    w += sprintf(w, "&sn=");
    w = put_param(w, sn);
    *w = '\0';
    return u;
}

char *wx_url_canonical(const char *url)
{
    char *s = url ? wx_url_clean(url) : NULL;
    if (!s) return NULL;
    const char *path = after_wechat_host(s);
    char *out = NULL;
    if (path && strncmp(path, "/s/", 3) == 0) {          /* short link */
        size_t n = 0;                                   /* the id ends at ?#/, a space or a control */
        while (path[3 + n] && !strchr("?#/", path[3 + n]) && (unsigned char)path[3 + n] > 0x20 &&
               path[3 + n] != 0x7f)
            n++;
        if (n > 0) {
            out = malloc(n + 32);
            if (out) snprintf(out, n + 32, "https://mp.weixin.qq.com/s/%.*s", (int)n, path + 3);
        }
    } else if (path && (strncmp(path, "/s?", 3) == 0 || strncmp(path, "/mp/appmsg/show?", 16) == 0 ||
                        strncmp(path, "/s/?", 4) == 0)) {
        wx_url_ids ids;
        wx_url_ids_parse(s, &ids);
        out = wx_url_article(ids.biz, ids.mid, ids.idx, ids.sn);
        wx_url_ids_free(&ids);
    }
    free(s);
    return out;
}
