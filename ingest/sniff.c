/*
 * sniff: what a run of bytes is, by content (sniff.h).  Every reader asks
 * here, so the walk picks a file exactly when the reader after it will
 * take it for what the walk thought it was.
 */
#include "sniff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How far the HTML and binary tests look: a page announces itself early. */
#define HTML_WINDOW 4096
#define BINARY_WINDOW 8192
#define MARKUP_WINDOW 65536

static int is_wsp(int c) { return c == ' ' || c == '\t'; }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Whether p[0..len) starts with prefix, ignoring ASCII case. */
static int ci_starts(const unsigned char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp((const char *)p, prefix, n) == 0;
}

/* Case-insensitive search in bytes that may hold NULs (strcasestr cannot). */
static int ci_contains(const unsigned char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if ((hay[i] | 0x20) == (unsigned char)needle[0] && strncasecmp((const char *)hay + i, needle, n) == 0)
            return 1;
    return 0;
}

static size_t skip_bom(const unsigned char *p, size_t len)
{
    return len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF ? 3 : 0;
}

/* ---------- MIME header blocks ---------- */

size_t wx_line_at(const unsigned char *p, size_t len, size_t *next)
{
    const unsigned char *nl = len ? memchr(p, '\n', len) : NULL;
    size_t end = nl ? (size_t)(nl - p) : len;
    *next = nl ? end + 1 : len;
    if (end > 0 && p[end - 1] == '\r') end--;
    return end;
}

size_t wx_header_block(const unsigned char *p, size_t len, int partial)
{
    size_t pos = 0;
    while (pos < len) {
        size_t next, n = wx_line_at(p + pos, len - pos, &next);
        const unsigned char *l = p + pos;
        if (n == 0) return next + pos;               /* the blank line */
        if (is_wsp(l[0])) {
            if (pos == 0) return 0;                  /* folding needs a field before it */
        } else {
            size_t i = 0;
            while (i < n && l[i] > 32 && l[i] < 127 && l[i] != ':') i++;
            if (i == 0 || i == n || l[i] != ':') return 0;
        }
        pos += next;
    }
    return partial ? len : 0;
}

char *wx_header_get(const unsigned char *p, size_t len, const char *name)
{
    size_t nlen = strlen(name), pos = 0;
    while (pos < len) {
        size_t next, n = wx_line_at(p + pos, len - pos, &next);
        const unsigned char *l = p + pos;
        pos += next;
        if (n == 0) break;
        if (n <= nlen || l[nlen] != ':' || strncasecmp((const char *)l, name, nlen) != 0) continue;

        /* Found: gather the value and its continuation lines. */
        size_t cap = n, vlen = 0;
        char *v = malloc(cap + 1);
        if (!v) return NULL;
        memcpy(v, l + nlen + 1, n - nlen - 1);
        vlen = n - nlen - 1;
        while (pos < len && is_wsp(p[pos])) {
            size_t m = wx_line_at(p + pos, len - pos, &next);
            if (vlen + m > cap) {
                cap = (vlen + m) * 2;
                char *g = realloc(v, cap + 1);
                if (!g) { free(v); return NULL; }
                v = g;
            }
            memcpy(v + vlen, p + pos, m);
            vlen += m;
            pos += next;
        }
        size_t a = 0;
        while (a < vlen && is_space((unsigned char)v[a])) a++;
        while (vlen > a && is_space((unsigned char)v[vlen - 1])) vlen--;
        memmove(v, v + a, vlen - a);
        v[vlen - a] = '\0';
        return v;
    }
    return NULL;
}

int wx_media_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    while (is_space((unsigned char)*ct)) ct++;
    if (strncasecmp(ct, want, n) != 0) return 0;
    ct += n;
    while (is_space((unsigned char)*ct)) ct++;
    return *ct == '\0' || *ct == ';';
}

/* MHTML: a header block with MIME-Version and a multipart/related type. */
static int is_mhtml(const unsigned char *p, size_t len, int partial)
{
    size_t hlen = wx_header_block(p, len, partial);
    if (hlen == 0) return 0;
    char *mv = wx_header_get(p, hlen, "MIME-Version");
    char *ct = wx_header_get(p, hlen, "Content-Type");
    int yes = mv && ct && wx_media_type_is(ct, "multipart/related");
    free(mv);
    free(ct);
    return yes;
}

/* ---------- text ---------- */

/* Byte by byte: 1 at a NUL, else the control characters counted. */
static int binary_bytes(const unsigned char *p, size_t n, size_t *ctrl)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0) return 1;
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != '\f') (*ctrl)++;
    }
    return 0;
}

/* Every input is sniffed several times on its way in, so the window is
 * read eight bytes at a time: a word with no byte below 0x20 (most of any
 * text) is passed over in a few instructions, and only the others are
 * looked at byte by byte.  (w & 0x7F..) + 0x60.. sets a byte's top bit
 * exactly when its low seven bits are >= 0x20, with no carry into the
 * next byte; or'd with w and inverted, the top bits left mark the bytes
 * below 0x20. */
int wx_sniff_binary(const unsigned char *p, size_t len)
{
    size_t check = len < BINARY_WINDOW ? len : BINARY_WINDOW, ctrl = 0, i = 0;
    for (; i + 8 <= check; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t below = ~(((w & 0x7F7F7F7F7F7F7F7FULL) + 0x6060606060606060ULL) | w) & 0x8080808080808080ULL;
        if (below && binary_bytes(p + i, 8, &ctrl)) return 1;
    }
    if (binary_bytes(p + i, check - i, &ctrl)) return 1;
    return ctrl * 20 > check;
}

int wx_sniff_front_matter(const unsigned char *p, size_t len)
{
    size_t at = skip_bom(p, len), next;
    size_t n = wx_line_at(p + at, len - at, &next);
    if (n < 3 || memcmp(p + at, "---", 3) != 0) return 0;
    for (size_t i = 3; i < n; i++)
        if (!is_wsp(p[at + i])) return 0;
    return 1;
}

/* "# title" as the first line with something on it (blanks around the
 * line aside): the exporters' layout without front matter. */
static int starts_with_heading(const unsigned char *p, size_t len)
{
    size_t at = skip_bom(p, len), next;
    while (at < len) {
        size_t n = wx_line_at(p + at, len - at, &next);
        const unsigned char *l = p + at;
        while (n && is_wsp(l[0])) { l++; n--; }
        while (n && is_wsp(l[n - 1])) n--;
        if (n) return n > 2 && l[0] == '#' && l[1] == ' ';
        at += next;
    }
    return 0;
}

/* A page: one of the tags a page starts with, first (after a BOM and
 * blanks), or "<html" somewhere near the start. */
static int is_html(const unsigned char *p, size_t len)
{
    static const char *const starts[] = {"<!doctype html", "<html", "<head", "<meta", "<!--",
                                         "<body", "<div", "<script", "<title", NULL};
    size_t j = skip_bom(p, len);
    while (j < len && is_space(p[j])) j++;
    for (int k = 0; starts[k]; k++)
        if (ci_starts(p + j, len - j, starts[k])) return 1;
    return ci_contains(p, len < HTML_WINDOW ? len : HTML_WINDOW, "<html");
}

int wx_sniff_markup(const unsigned char *p, size_t len)
{
    static const char *const tags[] = {"<html", "<head", "<body", "<div", "<meta", "<!doctype",
                                       "<script", "<title", "<p>", "<p ", "<section", NULL};
    size_t window = len < MARKUP_WINDOW ? len : MARKUP_WINDOW;
    for (int i = 0; tags[i]; i++)
        if (ci_contains(p, window, tags[i])) return 1;
    return 0;
}

wx_format wx_sniff(const unsigned char *p, size_t len, int partial)
{
    if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b) return WX_FMT_GZIP;
    if (len >= 4 && memcmp(p, "PK\3\4", 4) == 0) return WX_FMT_ZIP;
    if (len >= 7 && memcmp(p, "WARC/1.", 7) == 0) return WX_FMT_WARC;
    if (len >= 11 && memcmp(p, "filedesc://", 11) == 0) return WX_FMT_ARC;
    if (is_mhtml(p, len, partial)) return WX_FMT_MHTML;
    if (wx_sniff_binary(p, len)) return WX_FMT_BINARY;
    if (wx_sniff_front_matter(p, len) || starts_with_heading(p, len)) return WX_FMT_MARKDOWN;
    if (is_html(p, len)) return WX_FMT_HTML;
    return WX_FMT_TEXT;
}
