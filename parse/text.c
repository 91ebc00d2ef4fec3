/*
 * Text helpers shared by the parser: JS string literals, the HTML entities
 * WeChat's own decoders handle, UTF-8 repair and whitespace normalisation.
 */
#include "text.h"
#include "scan.h"
#include "../ingest/util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static size_t clean_prefix(const char *s, size_t len);

/* Read exactly n hex digits; -1 when they are not all there. */
static long read_hex(const char *s, size_t avail, size_t n)
{
    if (avail < n) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = wx_hexval((unsigned char)s[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* \uHHHH escapes may come as UTF-16 surrogate pairs; join them. */
static size_t js_unicode_escape(const char *s, size_t avail, wx_buf *out)
{
    if (avail >= 1 && s[0] == '{') {               /* \u{1F600} */
        size_t i = 1;
        uint32_t v = 0;
        while (i < avail && i < 8 && wx_hexval((unsigned char)s[i]) >= 0)
            v = v * 16 + (uint32_t)wx_hexval((unsigned char)s[i++]);
        if (i < avail && s[i] == '}') { wx_buf_put_cp(out, v); return i + 1; }
        wx_buf_putc(out, 'u');
        return 0;
    }
    long hi = read_hex(s, avail, 4);
    if (hi < 0) { wx_buf_putc(out, 'u'); return 0; }
    if (hi >= 0xD800 && hi <= 0xDBFF && avail >= 10 && s[4] == '\\' && s[5] == 'u') {
        long lo = read_hex(s + 6, avail - 6, 4);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            wx_buf_put_cp(out, 0x10000 + (((uint32_t)hi - 0xD800) << 10) + ((uint32_t)lo - 0xDC00));
            return 10;
        }
    }
    wx_buf_put_cp(out, (uint32_t)hi);
    return 4;
}

char *wx_js_unescape(const char *s, size_t len)
{
    wx_buf out;
    wx_buf_init(&out);
    size_t i = 0;
    while (i < len) {
        const char *bs = memchr(s + i, '\\', len - i);
        size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
        wx_buf_put(&out, s + i, run);
        i += run;
        if (i >= len) break;
        i++;                                      /* the backslash */
        if (i >= len) break;
        char c = s[i++];
        switch (c) {
        case 'n': wx_buf_putc(&out, '\n'); break;
        case 'r': wx_buf_putc(&out, '\r'); break;
        case 't': wx_buf_putc(&out, '\t'); break;
        case 'b': wx_buf_putc(&out, '\b'); break;
        case 'f': wx_buf_putc(&out, '\f'); break;
        case 'v': wx_buf_putc(&out, '\v'); break;
        case '0': wx_buf_put_cp(&out, 0xFFFD); break;
        case '\n': break;                          /* line continuation */
        case '\r': if (i < len && s[i] == '\n') i++; break;
        case 'x': {
            long v = read_hex(s + i, len - i, 2);
            if (v < 0) { wx_buf_putc(&out, 'x'); break; }
            wx_buf_put_cp(&out, (uint32_t)v);
            i += 2;
            break;
        }
        case 'u': i += js_unicode_escape(s + i, len - i, &out); break;
        default: wx_buf_putc(&out, c); break;      /* \\ \' \" \/ and unknown */
        }
    }
    char *r = wx_buf_take(&out);
    size_t n = strlen(r);
    if (clean_prefix(r, n) == n) return r;        /* the usual case: no cleaned copy */
    char *clean = wx_utf8_clean(r, n);
    free(r);
    return clean;
}

/* The named entities WeChat's htmlDecode()/.html(false) know, plus the few
 * that show up in titles; everything else numeric is handled generically. */
static const struct { const char *name; const char *text; } entities[] = {
    {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"}, {"gt", ">"},
    {"lt", "<"}, {"yen", "\xC2\xA5"}, {"amp", "&"}, {"mdash", "\xE2\x80\x94"},
    {"ndash", "\xE2\x80\x93"}, {"hellip", "\xE2\x80\xA6"}, {"middot", "\xC2\xB7"},
    {"ldquo", "\xE2\x80\x9C"}, {"rdquo", "\xE2\x80\x9D"}, {"lsquo", "\xE2\x80\x98"},
    {"rsquo", "\xE2\x80\x99"}, {"copy", "\xC2\xA9"}, {"times", "\xC3\x97"},
};

/* Decode one entity starting at s[0] == '&'.  Returns bytes consumed, 0 if
 * it is not an entity we know (the '&' is then literal). */
static size_t html_entity(const char *s, size_t avail, wx_buf *out)
{
    if (avail >= 3 && s[1] == '#') {
        size_t i = 2;
        uint32_t v = 0;
        int hex = (i < avail && (s[i] == 'x' || s[i] == 'X'));
        if (hex) i++;
        size_t start = i;
        while (i < avail && i - start < 8 &&
               (hex ? wx_hexval((unsigned char)s[i]) >= 0 : isdigit((unsigned char)s[i])))
            v = v * (hex ? 16 : 10) + (uint32_t)wx_hexval((unsigned char)s[i++]);
        if (i == start) return 0;
        wx_buf_put_cp(out, v);
        return (i < avail && s[i] == ';') ? i + 1 : i;
    }
    for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
        size_t n = strlen(entities[k].name);
        if (avail >= n + 2 && memcmp(s + 1, entities[k].name, n) == 0 && s[n + 1] == ';') {
            wx_buf_puts(out, entities[k].text);
            return n + 2;
        }
    }
    return 0;
}

char *wx_html_unescape(const char *s, size_t len)
{
    wx_buf out;
    wx_buf_init(&out);
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : len - i;
        wx_buf_put(&out, s + i, run);
        i += run;
        if (i >= len) break;
        size_t used = html_entity(s + i, len - i, &out);
        if (used == 0) { wx_buf_putc(&out, '&'); used = 1; }
        i += used;
    }
    return wx_buf_take(&out);
}

/* How many bytes at the start of s[0..len) wx_utf8_clean keeps as they
 * are: printable ASCII, \n, \t and well-formed UTF-8 sequences (every one
 * of them U+0080 or above).  The common 2- and 3-byte forms (CJK text) are
 * checked here, the rest by utf8proc_iterate, whose rules these follow
 * (no overlongs, no surrogates).  wx_utf8_clean copies such a run in one
 * wx_buf_put instead of one utf8proc_iterate and one wx_buf_put per CJK
 * character (with wx_js_unescape's reuse of a clean result, its
 * instructions over the bench pages went from 54.5 M to 28.2 M). */
static size_t clean_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char b = u[i];
        if ((b >= 0x20 && b < 0x80) || b == '\n' || b == '\t') {
            i++;
            while (len - i >= 16 && wx_printable16(s + i)) i += 16;   /* markup, URLs: long ASCII runs */
        } else if (b < 0x80) {
            break;                                           /* a C0 control */
        } else if (b >= 0xC2 && b <= 0xDF && i + 1 < len && (u[i + 1] & 0xC0) == 0x80) {
            i += 2;
        } else if (b >= 0xE1 && b <= 0xEF && b != 0xED && i + 2 < len && (u[i + 1] & 0xC0) == 0x80 &&
                   (u[i + 2] & 0xC0) == 0x80) {
            i += 3;                                          /* U+1000..U+FFFF, no surrogate */
        } else {
            utf8proc_int32_t cp;
            utf8proc_ssize_t n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
            if (n <= 0) break;
            i += (size_t)n;
        }
    }
    return i;
}

/* Invalid bytes become U+FFFD, NUL and other C0 controls except \n and \t
 * are dropped (\r becomes \n), so whatever a page contains the record is
 * valid UTF-8 JSON text. */
char *wx_utf8_clean(const char *s, size_t len)
{
    wx_buf out;
    wx_buf_init(&out);
    size_t i = 0;
    while (i < len) {
        size_t run = clean_prefix(s + i, len - i);
        wx_buf_put(&out, s + i, run);
        i += run;
        if (i >= len) break;
        if ((unsigned char)s[i] >= 0x80) wx_buf_put_cp(&out, 0xFFFD);   /* not well-formed */
        else if (s[i] == '\r') wx_buf_putc(&out, '\n');
        i++;
    }
    return wx_buf_take(&out);
}

/* The test wx_utf8_clean's loop makes, without building anything: a page
 * of text is checked in one pass instead of copied. */
int wx_utf8_is_clean(const char *s, size_t len) { return clean_prefix(s, len) == len; }

/* Characters that count as blank inside a line: ASCII space/tab, NBSP,
 * ideographic space and the other Unicode spaces.  Zero-width ones are
 * removed outright. */
static int is_blank_cp(utf8proc_int32_t cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\f' || cp == '\v' || cp == 0xA0 || cp == 0x3000)
        return 1;
    /* No space separator lies below U+1680 (but the two above) or past
     * U+3000: CJK text is most of what we see, and skips the table. */
    if (cp < 0x1680 || cp > 0x3000) return 0;
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

static int is_zero_width(utf8proc_int32_t cp)
{
    return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF ||
           cp == 0x00AD;
}

/* Where normalising a text stands on its current output line. */
typedef struct {
    int has_text;        /* something visible written on this line */
    int pending_space;   /* blanks seen since the last visible character */
    int at_cell_start;   /* a cell tab was the last thing written */
    size_t lead_tabs;    /* cell tabs seen before the line's first text */
} line_state;

/* A tab between two table cells: written once the line has text (a row
 * of empty cells is an empty line and goes), with the blanks around it
 * trimmed as a cell's ends. */
static void put_cell_tab(wx_buf *out, line_state *l)
{
    if (!l->has_text) { l->lead_tabs++; return; }
    wx_buf_putc(out, '\t');
    l->pending_space = 0;
    l->at_cell_start = 1;
}

static void put_visible(wx_buf *out, line_state *l, const char *s, size_t n, int invalid)
{
    for (; l->lead_tabs > 0; l->lead_tabs--) wx_buf_putc(out, '\t');
    if (l->pending_space && !l->at_cell_start) wx_buf_putc(out, ' ');
    l->pending_space = l->at_cell_start = 0;
    l->has_text = 1;
    if (invalid) wx_buf_put_cp(out, 0xFFFD);
    else wx_buf_put(out, s, n);
}

/* The length of the run of plainly visible characters at the start of
 * s[0..len): ASCII above the space, and well-formed 3-byte characters
 * from U+3000 up (lead byte E3..EF; not ED, which holds the surrogates)
 * other than U+3000 (a blank) and U+FEFF (zero-width), which is where the
 * CJK text is; normalize writes such a run as it is.  Taking CJK
 * characters by the run instead of one utf8proc_iterate and one
 * put_visible each: normalize 42.0 M -> 16.5 M instructions over the
 * bench pages.  Every other character goes through normalize's own tests. */
static size_t visible_run(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c > 0x20 && c < 0x80) {
            i++;
        } else if (c >= 0xE3 && c <= 0xEF && c != 0xED && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
                   (s[i + 2] & 0xC0) == 0x80 && !(c == 0xE3 && s[i + 1] == 0x80 && s[i + 2] == 0x80) &&
                   !(c == 0xEF && s[i + 1] == 0xBB && s[i + 2] == 0xBF)) {
            i += 3;
        } else {
            break;
        }
    }
    return i;
}

/* Collapse blanks to one space, trim every line, drop empty lines.  With
 * cell_tabs a tab is a table cell boundary (dom.c's body walk writes
 * nothing else as a tab) and is kept; otherwise it is a blank. */
static char *normalize(const char *s, size_t len, int cell_tabs)
{
    wx_buf out;
    wx_buf_init(&out);
    line_state l = {0, 0, 0, 0};
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t run = visible_run((const unsigned char *)s + i, len - i);
        if (run) {                              /* visible characters: as they are */
            put_visible(&out, &l, s + i, run, 0);
            i += run;
            continue;
        }
        utf8proc_int32_t cp = c;
        utf8proc_ssize_t n = 1;                 /* ASCII blanks and controls need no decoding */
        if (c >= 0x80) {
            n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
            if (n <= 0) { cp = 0xFFFD; n = 1; }
        }
        if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029) {
            if (l.has_text) wx_buf_putc(&out, '\n');
            memset(&l, 0, sizeof l);
        } else if (cp == '\t' && cell_tabs) {
            put_cell_tab(&out, &l);
        } else if (is_blank_cp(cp)) {
            l.pending_space = l.has_text;
        } else if (!is_zero_width(cp) && cp >= 0x20) {
            put_visible(&out, &l, s + i, (size_t)n, cp == 0xFFFD && n == 1);
        }
        i += (size_t)n;
    }
    if (out.len && out.data[out.len - 1] == '\n') out.data[--out.len] = '\0';
    return wx_buf_take(&out);
}

/* The "one paragraph per line" text of the record. */
char *wx_text_normalize(const char *s, size_t len) { return normalize(s, len, 0); }

/* The same for an HTML body walked by wx_body_walk, whose tabs separate
 * the cells of a table row (kept, as a browser's innerText keeps them). */
char *wx_text_normalize_cells(const char *s, size_t len) { return normalize(s, len, 1); }

/* Trimmed, whitespace-collapsed single line (titles, names).  NULL when
 * nothing is left. */
char *wx_text_oneline(const char *s)
{
    if (!s) return NULL;
    char *t = wx_text_normalize(s, strlen(s));
    for (char *p = t; *p; p++) if (*p == '\n') *p = ' ';
    if (!*t) { free(t); return NULL; }
    return t;
}
