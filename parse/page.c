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
#include "text.h"
#include "scan.h"
#include "page.h"
#include "dom.h"

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
 * of ASCII are skipped 32 bytes at a time. */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        while (end - p >= 32) {
            uint64_t a, b, c, d;
            memcpy(&a, p, 8);
            memcpy(&b, p + 8, 8);
            memcpy(&c, p + 16, 8);
            memcpy(&d, p + 24, 8);
            if ((a | b | c | d) & 0x8080808080808080ull) break;
            p += 32;
        }
        while (end - p >= 8) {
            uint64_t a;
            memcpy(&a, p, 8);
            if (a & 0x8080808080808080ull) break;
            p += 8;
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
 * really GBK/GB18030 in practice, so widen the label.  A byte iconv cannot
 * read is skipped (two for UTF-16, whose units are two bytes). */
char *wx_charset_to_utf8(const char *buf, size_t len, const char *charset, size_t *outlen)
{
    size_t unit = strncasecmp(charset, "utf-16", 6) == 0 ? 2 : 1;
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
            size_t skip = inleft < unit ? inleft : unit;
            in += skip;
            inleft -= skip;
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
 * original URL (from the wombat init call or a /web/<ts>/ link).  Of the
 * Wayback's three markers, the toolbar's "BEGIN WAYBACK TOOLBAR INSERT"
 * and the footer's "FILE ARCHIVED ON" live in comments, which
 * split_markup reads anyway (it notes them in wm_toolbar, wm_archived);
 * only the injected script's "__wm.wombat(" call is searched for in the
 * whole page.  memmem for it cost as much as all of the DOM walking: one
 * wx_literal_next pass (parse.h), by a byte pair rare in real pages, finds
 * it.  Most pages have none; a capture has it near its top. */
static const wx_literal wm_wombat[] = {{"__wm.wombat(", 12, 8}};

static const char *find_wombat(const char *buf, size_t len)
{
    size_t which;
    return wx_literal_next(buf, buf + len, wm_wombat, 1, &which);
}

static void detect_wayback(wx_page *pg, const char *buf, size_t len, int toolbar, int archived)
{
    const char *w = find_wombat(buf, len);
    if (!w && !toolbar && !(archived && memmem(buf, len, "INTERNET ARCHIVE", 16))) return;
    pg->wayback = 1;
    if (w) {                                        /* __wm.wombat("URL","TS",… */
        const char *q1 = memchr(w, '"', (size_t)(buf + len - w));
        const char *q2 = q1 ? memchr(q1 + 1, '"', (size_t)(buf + len - q1 - 1)) : NULL;
        if (q1 && q2 && q2 - q1 < 4096) {
            pg->wayback_url = strndup(q1 + 1, (size_t)(q2 - q1 - 1));
            const char *t1 = memchr(q2 + 1, '"', (size_t)(buf + len - q2 - 1));
            /* only a whole 14-digit timestamp: a shorter one would hide
             * the /web/<ts>/ links below */
            size_t k = 0;
            while (t1 && k < 14 && t1 + 1 + k < buf + len && isdigit((unsigned char)t1[1 + k])) k++;
            if (k == 14) memcpy(pg->wayback_ts, t1 + 1, 14), pg->wayback_ts[14] = '\0';
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
 * dropping comments' contents that hide tags; collect the script bodies.
 * Notes whether a comment holds the Wayback toolbar or archive footer. */
/* The toolbar's END marker at or after a position.  Markers only move
 * forward, so the last answer stands until the position passes it (or
 * forever when there was none): one search of the page in all, however
 * many BEGIN markers a page repeats without an END. */
typedef struct toolbar_end_memo { int searched; const char *found; } toolbar_end_memo;

static const char *toolbar_end(toolbar_end_memo *m, const char *buf, size_t len, size_t from)
{
    if (m->searched && (!m->found || m->found >= buf + from)) return m->found;
    m->searched = 1;
    m->found = memmem(buf + from, len - from, "END WAYBACK TOOLBAR INSERT", 26);
    return m->found;
}

static void split_markup(wx_page *pg, const char *buf, size_t len, wx_buf *html, int *toolbar, int *archived)
{
    size_t i = 0;
    toolbar_end_memo tb = {0};
    while (i < len) {
        const char *lt = memchr(buf + i, '<', len - i);
        if (!lt) { wx_buf_put(html, buf + i, len - i); break; }
        size_t at = (size_t)(lt - buf);
        wx_buf_put(html, buf + i, at - i);
        i = at;
        if (len - i >= 4 && memcmp(buf + i, "<!--", 4) == 0) {
            const char *end = memmem(buf + i + 4, len - i - 4, "-->", 3);
            size_t stop = end ? (size_t)(end - buf) + 3 : len;
            if (memmem(buf + i, stop - i, "FILE ARCHIVED ON", 16)) *archived = 1;
            if (memmem(buf + i, stop - i, "BEGIN WAYBACK TOOLBAR INSERT", 28)) *toolbar = 1;
            if (memmem(buf + i, stop - i, "WAYBACK TOOLBAR INSERT", 22) && end) {
                /* toolbar: drop everything up to its END marker */
                const char *tb_end = toolbar_end(&tb, buf, len, stop);
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

/* ---------- lean markup: style values no field reads ----------
 *
 * What libxml2 still parses is mostly the article body, and a third of its
 * bytes are inline style="…" values, which libxml2 reads a character at a
 * time (the costliest bytes of the parse).  Nothing reads a style value
 * except dom.c's body walk, and only for background images and
 * display:none: a value with no "url(" that does not hide its element
 * (wx_style_hides) yields nothing.  So such values are emptied before the
 * parse (style="" parses to the same as style="color:red" for every
 * lookup), and the DOM is otherwise the same node for node.
 *
 * That holds only where this scanner agrees with libxml2 (2.9) on what is
 * a start tag and an attribute, so it follows libxml2's rules exactly:
 * names are [A-Za-z0-9:_.-] (first not a digit or '-'), blanks are space,
 * tab, CR and LF only, a quoted value runs to its closing quote, bytes that
 * start no name are skipped to the next blank, '>' or "/>", end tags skip
 * to the next '>', and script/style content is raw up to "</name".  Where
 * it is unsure (a DOCTYPE other than "<!DOCTYPE html>", other "<!" or "<?"
 * constructs, raw content starting with '<', a name of 100 bytes or more,
 * a quote never closed) it leaves the rest of the
 * markup untouched, and it does nothing to markup that is not strictly
 * UTF-8 or holds a NUL byte (libxml2 re-decodes after a bad sequence).
 * tests/test_lean.c compares the DOMs libxml2 builds from both. */

static int lean_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int lean_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int lean_name_start(unsigned char c) { return lean_letter(c) || c == '_' || c == ':' || c == '.'; }
static int lean_name_char(unsigned char c)
{
    return lean_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* Well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values past
 * U+10FFFF) and no NUL byte. */
static int strict_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        while (end - p >= 8) {
            uint64_t a;
            memcpy(&a, p, 8);
            /* any byte >= 0x80, or any zero byte */
            if ((a & 0x8080808080808080ull) || ((a - 0x0101010101010101ull) & ~a & 0x8080808080808080ull)) break;
            p += 8;
        }
        if (p >= end) break;
        unsigned c = *p;
        if (c == 0) return 0;
        if (c < 0x80) { p++; continue; }
        size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || (size_t)(end - p) < len) return 0;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80) return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
            (c == 0xF4 && p[1] > 0x8F))
            return 0;
        p += len;
    }
    return 1;
}

/* The length of a character reference at v that decodes to a character
 * outside "url(" (the quotes editors write around font names), or 0. */
static size_t lean_harmless_entity(const char *v, size_t n)
{
    static const char *const ents[] = {"&quot;", "&#39;", "&#34;", "&amp;", NULL};
    for (int k = 0; ents[k]; k++) {
        size_t l = strlen(ents[k]);
        if (n >= l && memcmp(v, ents[k], l) == 0) return l;
    }
    return 0;
}

/* May this style value be emptied?  Only plain ones: no "url(" and not
 * hiding the element (wx_style_hides): the two things dom.c reads from
 * styles, background images and display:none.  No character reference
 * that could decode to part of them, nothing that could be markup or a
 * control character.  (The references allowed decode to a quote or '&',
 * which can neither make nor break "url(" or "display: none".) */
static int lean_style_value_droppable(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* runs with none of the bytes tested below, 16 at a time: style
         * values are a third of the markup (lean_start_tag but for
         * wx_style_hides: 52.8 M -> 35.3 M instructions over the bench pages) */
        while (n - i >= 16 && !wx_ctl_or4_lanes(v + i, "&<>(")) i += 16;
        if (i >= n) break;
        unsigned char c = (unsigned char)v[i];
        if (c == '&') {
            size_t l = lean_harmless_entity(v + i, n - i);
            if (!l) return 0;
            i += l - 1;
            continue;
        }
        if (c == '<' || c == '>' || (c < 0x20 && !lean_blank(c))) return 0;
        if (c == '(' && i >= 3 && memcmp(v + i - 3, "url", 3) == 0) return 0;
    }
    return n > 0 && !wx_style_hides(v, n);
}

typedef struct { char *m; size_t n, r, w, dropped; } lean_cursor;   /* read at r, write at w (w <= r) */

static void lean_copy(lean_cursor *c, size_t upto)
{
    if (upto > c->n) upto = c->n;
    if (c->w != c->r) memmove(c->m + c->w, c->m + c->r, upto - c->r);
    c->w += upto - c->r;
    c->r = upto;
}

static size_t lean_skip_blanks(const lean_cursor *c, size_t i)
{
    while (i < c->n && lean_blank((unsigned char)c->m[i])) i++;
    return i;
}

/* A name at i as libxml2's htmlParseHTMLName reads it: its end, or 0 when
 * it reaches 100 bytes (libxml2 would cut it there; we give up). */
static size_t lean_name_end(const lean_cursor *c, size_t i)
{
    size_t s = i;
    while (i < c->n && lean_name_char((unsigned char)c->m[i])) i++;
    return i - s >= 100 ? 0 : i;
}

/* One start tag from c->r (at '<' + letter): copy it with attributes past
 * WX_MAX_ATTRS dropped and, when styles is set, droppable style values
 * emptied.  Returns 1 when the tag opens raw content (script, style) and
 * sets *raw to its name; -1 to give up; else 0. */
static int lean_start_tag(lean_cursor *c, const char **raw, int styles)
{
    size_t nattrs = 0;
    size_t i = c->r + 1, name_end = lean_name_end(c, i);
    if (!name_end) return -1;
    size_t nlen = name_end - i;
    *raw = nlen == 6 && strncasecmp(c->m + i, "script", 6) == 0 ? "</script"
         : nlen == 5 && strncasecmp(c->m + i, "style", 5) == 0  ? "</style" : NULL;
    i = lean_skip_blanks(c, name_end);
    while (i < c->n && c->m[i] != '>' && !(c->m[i] == '/' && i + 1 < c->n && c->m[i + 1] == '>')) {
        if (!lean_name_start((unsigned char)c->m[i])) {          /* bogus bytes: to a blank or the end */
            while (i < c->n && !lean_blank((unsigned char)c->m[i]) && c->m[i] != '>' &&
                   !(c->m[i] == '/' && i + 1 < c->n && c->m[i + 1] == '>'))
                i++;
            i = lean_skip_blanks(c, i);
            continue;
        }
        size_t a = i, a_end = lean_name_end(c, i);
        if (!a_end) return -1;
        int dropped = ++nattrs > WX_MAX_ATTRS;
        int is_style = styles && !dropped && a_end - a == 5 && strncasecmp(c->m + a, "style", 5) == 0;
        i = lean_skip_blanks(c, a_end);
        if (i < c->n && c->m[i] == '=') {
            i = lean_skip_blanks(c, i + 1);
            if (i < c->n && (c->m[i] == '"' || c->m[i] == '\'')) {
                const char *q = memchr(c->m + i + 1, c->m[i], c->n - i - 1);
                if (!q) return -1;                                /* unclosed: libxml2 reads to the end */
                size_t v = i + 1, v_end = (size_t)(q - c->m);
                if (is_style && lean_style_value_droppable(c->m + v, v_end - v)) {
                    lean_copy(c, v);
                    c->r = v_end;                                 /* drop the value */
                }
                i = v_end + 1;
            } else {                                              /* unquoted: to a blank or '>' */
                while (i < c->n && !lean_blank((unsigned char)c->m[i]) && c->m[i] != '>') i++;
            }
        }
        if (dropped) {
            lean_copy(c, a);
            c->r = i;
            c->dropped++;
        }
        i = lean_skip_blanks(c, i);
    }
    if (i >= c->n) { lean_copy(c, c->n); return 0; }
    int self_closed = c->m[i] == '/';
    lean_copy(c, i + (self_closed ? 2 : 1));
    if (self_closed) *raw = NULL;
    return *raw != NULL;
}

/* Raw content from c->r to the element's end tag "</script>" (raw says
 * which), copied whole, end tag included.  libxml2 looks for tags before
 * it reads raw text, so content that starts with '<' could be a tag to it,
 * and an end tag that only begins with the name ("</scriptx>") leaves the
 * element open: there we give up (-1). */
static int lean_raw_text(lean_cursor *c, const char *raw)
{
    const char *close = find_ci(c->m + c->r, c->n - c->r, raw);
    if (!close) return -1;
    size_t at = (size_t)(close - c->m), name_end = at + strlen(raw);
    if (at > c->r && c->m[c->r] == '<') return -1;
    if (name_end < c->n && lean_name_char((unsigned char)c->m[name_end])) return -1;
    const char *gt = memchr(c->m + name_end, '>', c->n - name_end);
    lean_copy(c, gt ? (size_t)(gt - c->m) + 1 : c->n);
    return 0;
}

/* The end of a plain "<!DOCTYPE name>" at i, or 0 for any other form. */
static size_t lean_plain_doctype(const lean_cursor *c, size_t i)
{
    size_t k = lean_skip_blanks(c, i + 9);
    if (k == i + 9 || k >= c->n || !lean_letter((unsigned char)c->m[k])) return 0;
    while (k < c->n && (lean_letter((unsigned char)c->m[k]) || (c->m[k] >= '0' && c->m[k] <= '9'))) k++;
    k = lean_skip_blanks(c, k);
    return k < c->n && c->m[k] == '>' ? k + 1 : 0;
}

/* Empty the droppable style values from c->r on, and drop attributes past
 * WX_MAX_ATTRS; stops where this scanner could disagree with libxml2. */
static void lean_styles(lean_cursor *c)
{
    int prolog = 1;                      /* only blanks and comments so far: a DOCTYPE may come */
    while (c->r < c->n) {
        const char *lt = memchr(c->m + c->r, '<', c->n - c->r);
        if (!lt) break;
        size_t i = (size_t)(lt - c->m);
        if (lean_skip_blanks(c, c->r) < i) prolog = 0;
        lean_copy(c, i);
        unsigned char next = i + 1 < c->n ? (unsigned char)c->m[i + 1] : 0;
        int comment = next == '!' && c->n - i >= 7 && memcmp(c->m + i, "<!---->", 7) == 0;
        int doctype = !comment && next == '!' && c->n - i >= 9 && strncasecmp(c->m + i + 2, "doctype", 7) == 0;
        /* A DOCTYPE later in the document makes libxml2 read the next
         * construct differently ("</x" becomes text): give up there. */
        if (doctype && !prolog) break;
        if (!comment) prolog = 0;
        if (lean_letter(next)) {
            const char *raw = NULL;
            int rc = lean_start_tag(c, &raw, 1);
            if (rc < 0) break;
            if (rc > 0 && lean_raw_text(c, raw) < 0) break;
        } else if (next == '/') {
            if (i + 2 < c->n && lean_name_start((unsigned char)c->m[i + 2])) {   /* end tag: to its '>' */
                const char *gt = memchr(c->m + i, '>', c->n - i);
                lean_copy(c, gt ? (size_t)(gt - c->m) + 1 : c->n);
            } else {
                lean_copy(c, i + 2);
            }
        } else if (comment) {
            lean_copy(c, i + 7);                                 /* split_markup's empty comment */
        } else if (doctype) {
            size_t end = lean_plain_doctype(c, i);
            if (!end) break;
            lean_copy(c, end);
        } else if (next == '!' || next == '?') {
            break;                                                /* other constructs: leave the rest */
        } else {
            lean_copy(c, i + 1);                                 /* a '<' that is text */
        }
    }
}

/* Drop attributes past WX_MAX_ATTRS in every start tag from c->r on,
 * where lean_styles gave up: the scanner may disagree with libxml2 there,
 * but a page with fewer attributes per tag is copied unchanged anyway. */
static void lean_attributes(lean_cursor *c)
{
    while (c->r < c->n) {
        const char *lt = memchr(c->m + c->r, '<', c->n - c->r);
        if (!lt) break;
        size_t i = (size_t)(lt - c->m);
        lean_copy(c, i);
        const char *raw = NULL;
        int rc = i + 1 < c->n && lean_letter((unsigned char)c->m[i + 1]) ? lean_start_tag(c, &raw, 0) : -1;
        if (rc < 0 && c->r == i) lean_copy(c, i + 1);
        if (rc > 0) {
            const char *close = find_ci(c->m + c->r, c->n - c->r, raw);
            lean_copy(c, close ? (size_t)(close - c->m) : c->n);
        }
    }
}

/* Empty the droppable style values of pg->html in place, and drop the
 * attributes past WX_MAX_ATTRS of each start tag. */
static void lean_markup(wx_page *pg)
{
    lean_cursor c = {pg->html, pg->html_len, 0, 0, 0};
    if (strict_utf8(c.m, c.n)) lean_styles(&c);
    lean_attributes(&c);
    lean_copy(&c, c.n);
    pg->attrs_dropped = c.dropped;
    pg->html_len = c.w;
    pg->html[c.w] = '\0';
}

int wx_page_split(wx_page *pg, const char *buf, size_t len)
{
    memset(pg, 0, sizeof *pg);
    char charset[32];
    /* The declaration first: it reads 4 KiB, the validation the whole page,
     * and a page that declares UTF-8 or nothing is never converted. */
    if (declared_charset(buf, len, charset, sizeof charset) && strcasecmp(charset, "utf-8") != 0 &&
        strcasecmp(charset, "utf8") != 0 && !valid_utf8(buf, len)) {
        size_t n = 0;
        pg->converted = wx_charset_to_utf8(buf, len, charset, &n);
        if (pg->converted) { buf = pg->converted; len = n; pg->charset_converted = 1; }
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { buf += 3; len -= 3; }
    pg->src = buf;
    pg->src_len = len;
    wx_buf html;
    wx_buf_init(&html);
    wx_buf_reserve(&html, len + 8);   /* the page less its script bodies (+3 for a cut-off comment) */
    int toolbar = 0, archived = 0;
    split_markup(pg, buf, len, &html, &toolbar, &archived);
    detect_wayback(pg, buf, len, toolbar, archived);
    pg->html_len = html.len;
    pg->html = wx_buf_take(&html);
    if (!pg->html) return -1;
    lean_markup(pg);
    return 0;
}

void wx_page_free(wx_page *pg)
{
    free(pg->html);
    free(pg->scripts);
    free(pg->converted);
    free(pg->wayback_url);
    memset(pg, 0, sizeof *pg);
}
