/*
 * Page splitting.  A saved WeChat page is 2-4 MB, nearly all of it inline
 * script; the article DOM is a small part.  We split the page once:
 * script bodies go to the JS scanner (jsvars.c), the markup without them
 * goes to libxml2.  The DOM libxml2 builds is the same as for the whole page
 * minus script text, at a fraction of the cost.
 *
 * Also handled here, before anything looks at the bytes: non-UTF-8 pages
 * that declare their charset (GBK, Big5, …) are converted, and Wayback
 * Machine captures are recognised and their injected toolbar dropped.
 */
#define WX_PARSE_INTERNAL
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Case-insensitive search.  Needles here start with a non-letter ('<',
 * 'c' of charset= aside) so memchr on the first byte, in both cases, does
 * the scanning at memory speed. */
static const char *find_ci(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || n < m) return NULL;
    int lo = tolower((unsigned char)needle[0]), up = toupper((unsigned char)needle[0]);
    const char *p = hay, *end = hay + n - m + 1;
    while (p < end) {
        const char *a = memchr(p, lo, (size_t)(end - p));
        const char *b = lo == up ? NULL : memchr(p, up, (size_t)((a ? a : end) - p));
        const char *hit = b ? b : a;
        if (!hit) return NULL;
        if (strncasecmp(hit, needle, m) == 0) return hit;
        p = hit + 1;
    }
    return NULL;
}

/* Is buf[0..n) valid UTF-8?  (Pages that are, we never re-encode.)
 * Called on every page, whole, and pages are mostly ASCII script, so runs
 * of ASCII are skipped 16 bytes at a time. */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        while (end - p >= 16) {
            uint64_t a, b;
            memcpy(&a, p, 8);
            memcpy(&b, p + 8, 8);
            if ((a | b) & 0x8080808080808080ull) break;
            p += 16;
        }
        if (p >= end) break;
        if (*p < 0x80) { p++; continue; }
        int len = (*p >= 0xF0 && *p <= 0xF4) ? 4 : (*p >= 0xE0) ? 3 : (*p >= 0xC2 && *p < 0xE0) ? 2 : 0;
        if (len == 0 || p + len > end) return 0;
        for (int i = 1; i < len; i++) if ((p[i] & 0xC0) != 0x80) return 0;
        p += len;
    }
    return 1;
}

/* The charset a page declares in its first 4 KiB (<meta charset=…> or
 * http-equiv content="…; charset=…"), copied into out; 0 when none. */
static int declared_charset(const char *buf, size_t len, char *out, size_t outsz)
{
    size_t n = len < 4096 ? len : 4096;
    const char *p = find_ci(buf, n, "charset=");
    if (!p) return 0;
    p += 8;
    while (*p == '"' || *p == '\'' || *p == ' ') p++;
    size_t i = 0;
    while (i + 1 < outsz && (isalnum((unsigned char)p[i]) || p[i] == '-' || p[i] == '_')) {
        out[i] = p[i];
        i++;
    }
    out[i] = '\0';
    return i > 0;
}

/* Convert a page from its declared charset to UTF-8.  GB2312 pages are
 * really GBK/GB18030 in practice, so widen the label. */
static char *to_utf8(const char *buf, size_t len, const char *charset, size_t *outlen)
{
    const char *from = charset;
    if (strcasecmp(charset, "gb2312") == 0 || strcasecmp(charset, "gbk") == 0 ||
        strcasecmp(charset, "x-gbk") == 0)
        from = "GB18030";
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return NULL;
    size_t cap = len * 2 + 16;
    char *out = malloc(cap);
    if (!out) { iconv_close(cd); return NULL; }
    char *in = (char *)buf, *w = out;
    size_t inleft = len, outleft = cap - 1;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &w, &outleft) != (size_t)-1) break;
        if (errno == E2BIG) {
            size_t used = (size_t)(w - out);
            cap *= 2;
            char *grown = realloc(out, cap);
            if (!grown) { free(out); iconv_close(cd); return NULL; }
            out = grown;
            w = out + used;
            outleft = cap - used - 1;
        } else {                                    /* bad byte: skip it */
            in++;
            inleft--;
        }
    }
    iconv_close(cd);
    *w = '\0';
    *outlen = (size_t)(w - out);
    return out;
}

static void add_script(wx_page *pg, const char *s, size_t n)
{
    if (n == 0) return;
    if (pg->nscripts == pg->capscripts) {
        size_t cap = pg->capscripts ? pg->capscripts * 2 : 64;
        wx_span *sp = realloc(pg->scripts, cap * sizeof *sp);
        if (!sp) return;
        pg->scripts = sp;
        pg->capscripts = cap;
    }
    pg->scripts[pg->nscripts].s = s;
    pg->scripts[pg->nscripts].n = n;
    pg->nscripts++;
}

/* An attribute's value inside one start tag [tag, tag_end), or NULL. */
static int tag_attr_is(const char *tag, size_t n, const char *attr, const char *value)
{
    const char *p = find_ci(tag, n, attr);
    while (p) {
        const char *q = p + strlen(attr);
        if ((p == tag || isspace((unsigned char)p[-1])) && q < tag + n && *q == '=') {
            q++;
            if (*q == '"' || *q == '\'') q++;
            return strncasecmp(q, value, strlen(value)) == 0;
        }
        p = find_ci(q, (size_t)(tag + n - q), attr);
    }
    return 0;
}

/* Recognise a Wayback Machine capture and note its timestamp and the
 * original URL (from the wombat init call or a /web/<ts>/ link). */
/* The first occurrence of each Wayback marker.  memmem over every page,
 * three times, cost as much as all of the DOM walking; instead memchr (SIMD
 * in glibc, several times faster) jumps between the occurrences of a byte
 * that is rare in real pages ('K' of WAYBACK, 'V' of ARCHIVED, '_' of
 * __wm), and only there is the whole marker compared.  Occurrences of that
 * byte come in order, so the first hit is the first occurrence. */
typedef struct { const char *text; size_t len, rare; } wx_marker;
static const wx_marker wm_markers[] = {
    {"__wm.wombat(", 12, 0}, {"BEGIN WAYBACK TOOLBAR INSERT", 28, 12}, {"FILE ARCHIVED ON", 16, 10}};
#define WM_COUNT (sizeof wm_markers / sizeof wm_markers[0])

static const char *find_marker(const char *buf, size_t len, const wx_marker *m)
{
    if (len < m->len) return NULL;
    char rare = m->text[m->rare];
    const char *p = buf + m->rare, *last = buf + len - m->len + m->rare;   /* last place for the rare byte */
    while (p <= last && (p = memchr(p, rare, (size_t)(last - p) + 1)) != NULL) {
        const char *at = p - m->rare;
        if (at[m->len - 1] == m->text[m->len - 1] && at[1] == m->text[1] && memcmp(at, m->text, m->len) == 0)
            return at;
        p++;
    }
    return NULL;
}

static void find_markers(const char *buf, size_t len, const char *found[WM_COUNT])
{
    for (size_t k = 0; k < WM_COUNT; k++) found[k] = find_marker(buf, len, &wm_markers[k]);
}

static void detect_wayback(wx_page *pg, const char *buf, size_t len)
{
    const char *hits[WM_COUNT];
    find_markers(buf, len, hits);
    const char *w = hits[0], *tb = hits[1], *arch = hits[2];
    if (!w && !tb && !(arch && memmem(buf, len, "INTERNET ARCHIVE", 16))) return;
    pg->wayback = 1;
    if (w) {                                        /* __wm.wombat("URL","TS",… */
        const char *q1 = memchr(w, '"', (size_t)(buf + len - w));
        const char *q2 = q1 ? memchr(q1 + 1, '"', (size_t)(buf + len - q1 - 1)) : NULL;
        if (q1 && q2 && q2 - q1 < 4096) {
            pg->wayback_url = strndup(q1 + 1, (size_t)(q2 - q1 - 1));
            const char *t1 = memchr(q2 + 1, '"', (size_t)(buf + len - q2 - 1));
            if (t1) {
                size_t k = 0;
                while (k < 14 && isdigit((unsigned char)t1[1 + k])) { pg->wayback_ts[k] = t1[1 + k]; k++; }
                pg->wayback_ts[k] = '\0';
            }
        }
    }
    if (!pg->wayback_ts[0]) {
        const char *p = memmem(buf, len, "/web/", 5);
        while (p && !pg->wayback_ts[0]) {
            size_t k = 0;
            while (k < 14 && p + 5 + k < buf + len && isdigit((unsigned char)p[5 + k])) k++;
            if (k == 14) memcpy(pg->wayback_ts, p + 5, 14), pg->wayback_ts[14] = '\0';
            p = memmem(p + 5, (size_t)(buf + len - p - 5), "/web/", 5);
        }
    }
}

/* Copy markup, lifting out the bodies of <script> and <style> elements and
 * dropping comments' contents that hide tags; collect the script bodies. */
static void split_markup(wx_page *pg, const char *buf, size_t len, wx_buf *html)
{
    size_t i = 0;
    while (i < len) {
        const char *lt = memchr(buf + i, '<', len - i);
        if (!lt) { wx_buf_put(html, buf + i, len - i); break; }
        size_t at = (size_t)(lt - buf);
        wx_buf_put(html, buf + i, at - i);
        i = at;
        if (len - i >= 4 && memcmp(buf + i, "<!--", 4) == 0) {
            const char *end = memmem(buf + i + 4, len - i - 4, "-->", 3);
            size_t stop = end ? (size_t)(end - buf) + 3 : len;
            if (memmem(buf + i, stop - i, "WAYBACK TOOLBAR INSERT", 22) && end) {
                /* toolbar: drop everything up to its END marker */
                const char *tb_end = memmem(buf + stop, len - stop, "END WAYBACK TOOLBAR INSERT", 26);
                if (tb_end) {
                    const char *c = memmem(tb_end, (size_t)(buf + len - tb_end), "-->", 3);
                    stop = c ? (size_t)(c - buf) + 3 : len;
                }
            }
            wx_buf_put(html, "<!---->", 7);
            i = stop;
            continue;
        }
        int is_script = (len - i > 7 && strncasecmp(buf + i, "<script", 7) == 0 &&
                         (isspace((unsigned char)buf[i + 7]) || buf[i + 7] == '>'));
        int is_style = (len - i > 6 && strncasecmp(buf + i, "<style", 6) == 0 &&
                        (isspace((unsigned char)buf[i + 6]) || buf[i + 6] == '>'));
        if (!is_script && !is_style) { wx_buf_putc(html, '<'); i++; continue; }
        const char *gt = memchr(buf + i, '>', len - i);
        if (!gt) { i = len; break; }
        size_t tag_end = (size_t)(gt - buf) + 1;
        const char *close_tag = is_script ? "</script" : "</style";
        const char *close = find_ci(buf + tag_end, len - tag_end, close_tag);
        size_t body_end = close ? (size_t)(close - buf) : len;
        const char *tag = buf + i;
        size_t tagn = tag_end - i;
        if (is_script) {
            int is_tpl = tag_attr_is(tag, tagn, "id", "content_tpl");
            int is_html = tag_attr_is(tag, tagn, "type", "text/html");
            int has_src = find_ci(tag, tagn, " src=") != NULL;
            if (is_tpl && !pg->content_tpl.s) {
                pg->content_tpl.s = buf + tag_end;
                pg->content_tpl.n = body_end - tag_end;
            } else if (!is_html && !has_src) {
                add_script(pg, buf + tag_end, body_end - tag_end);
            }
        }
        wx_buf_put(html, tag, tagn);                /* keep the element, empty */
        i = body_end;
    }
}

int wx_page_split(wx_page *pg, const char *buf, size_t len)
{
    memset(pg, 0, sizeof *pg);
    char charset[32];
    if (!valid_utf8(buf, len) && declared_charset(buf, len, charset, sizeof charset) &&
        strcasecmp(charset, "utf-8") != 0 && strcasecmp(charset, "utf8") != 0) {
        size_t n = 0;
        pg->converted = to_utf8(buf, len, charset, &n);
        if (pg->converted) { buf = pg->converted; len = n; pg->charset_converted = 1; }
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { buf += 3; len -= 3; }
    pg->src = buf;
    pg->src_len = len;
    detect_wayback(pg, buf, len);
    wx_buf html;
    wx_buf_init(&html);
    split_markup(pg, buf, len, &html);
    pg->html_len = html.len;
    pg->html = wx_buf_take(&html);
    return pg->html ? 0 : -1;
}

void wx_page_free(wx_page *pg)
{
    free(pg->html);
    free(pg->scripts);
    free(pg->converted);
    free(pg->wayback_url);
    memset(pg, 0, sizeof *pg);
}
