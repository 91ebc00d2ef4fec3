/*
 * Markdown archives: articles saved by other tools as markdown.
 *
 * Three layouts are read, all recognised by content, never by file name:
 *
 *   archive    YAML front matter (title, url, source, date, fetch_date),
 *              then the page as markdown: "# title", ![cover_image](…),
 *              "# title" again, [原创], [author], account, the body, and
 *              WeChat's page chrome at the end (预览时标签不可点 … 听过);
 *   Jekyll     front matter with layout/title/date/…, the body, and often
 *              the WeChat link it was copied from near the top;
 *   exporter   no front matter: "# title", then one line
 *              "[原创]  author  account  2024-08-09 18:40", then the body
 *              (HTML blocks such as tables are kept as HTML).
 *
 * The record is the same as for an HTML page: identity from the article
 * URL, text as plain lines (markdown syntax removed, chrome cut off),
 * images in order with their roles, links.  An archive of a page that is
 * not a WeChat article still gives a record (status ok, kind null, and a
 * warning saying so).
 */
#include "dates.h"
#include "text.h"
#include "url.h"
#include "dom.h"
#include "record.h"
#include "markdown.h"
#include "body.h"
#include "../ingest/sniff.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ================= front matter ================= */

typedef wx_span span;

/* The line starting at p (without its \n or \r\n) and where the next one starts. */
static span line_at(const char *p, size_t avail, size_t *next)
{
    const char *nl = memchr(p, '\n', avail);
    size_t n = nl ? (size_t)(nl - p) : avail;
    *next = nl ? n + 1 : avail;
    if (n && p[n - 1] == '\r') n--;
    return (span){p, n};
}

/* How many times c repeats at the start of s[0..n). */
static size_t run_of(const char *s, size_t n, char c)
{
    size_t k = 0;
    while (k < n && s[k] == c) k++;
    return k;
}

static span trim(span l)
{
    while (l.n && (l.s[0] == ' ' || l.s[0] == '\t')) { l.s++; l.n--; }
    while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t')) l.n--;
    return l;
}

static int span_is(span l, const char *word)
{
    size_t m = strlen(word);
    return l.n == m && memcmp(l.s, word, m) == 0;
}

static size_t skip_bom(const char *buf, size_t len)
{
    return (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
}

/* A YAML scalar as written on one line: 'single' ('' is a quote),
 * "double" (backslash escapes), or plain.  Returns malloc'd. */
static char *yaml_scalar(span v)
{
    wx_buf out;
    wx_buf_init(&out);
    if (v.n >= 2 && v.s[0] == '\'' && v.s[v.n - 1] == '\'') {
        for (size_t i = 1; i + 1 < v.n; i++) {
            wx_buf_putc(&out, v.s[i]);
            if (v.s[i] == '\'' && i + 2 < v.n && v.s[i + 1] == '\'') i++;
        }
    } else if (v.n >= 2 && v.s[0] == '"' && v.s[v.n - 1] == '"') {
        for (size_t i = 1; i + 1 < v.n; i++) {
            char c = v.s[i];
            if (c != '\\' || i + 2 >= v.n) { wx_buf_putc(&out, c); continue; }
            c = v.s[++i];
            if (c == 'n') wx_buf_putc(&out, '\n');
            else if (c == 't') wx_buf_putc(&out, '\t');
            else if (c == 'r') wx_buf_putc(&out, '\r');
            else if (c == 'u' && i + 4 < v.n - 1) {
                char hex[5] = {v.s[i + 1], v.s[i + 2], v.s[i + 3], v.s[i + 4], 0};
                char *end;
                unsigned long cp = strtoul(hex, &end, 16);
                if (*end == '\0') { wx_buf_put_cp(&out, (uint32_t)cp); i += 4; }
                else wx_buf_putc(&out, 'u');
            } else wx_buf_putc(&out, c);
        }
    } else {
        wx_buf_put(&out, v.s, v.n);
    }
    return wx_buf_take(&out);
}

static int fm_add(wx_frontmatter *fm, span key, char *value)
{
    if (fm->count == fm->cap) {
        size_t cap = fm->cap ? fm->cap * 2 : 8;
        wx_fm_pair *p = realloc(fm->pairs, cap * sizeof *p);
        if (!p) { free(value); return -1; }
        fm->pairs = p;
        fm->cap = cap;
    }
    char *k = strndup(key.s, key.n);
    if (!k) { free(value); return -1; }
    fm->pairs[fm->count++] = (wx_fm_pair){k, value};
    return 0;
}

/* Append to the last pair's value (continuation lines, list items). */
static void fm_append(wx_frontmatter *fm, const char *sep, char *more)
{
    wx_fm_pair *p = &fm->pairs[fm->count - 1];
    wx_buf b;
    wx_buf_init(&b);
    wx_buf_puts(&b, p->value);
    if (*p->value) wx_buf_puts(&b, sep);
    wx_buf_puts(&b, more);
    free(more);
    free(p->value);
    p->value = wx_buf_take(&b);
}

static int is_key_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* A top-level "key: value" line: the key span and the value (trimmed). */
static int key_value(span l, span *key, span *value)
{
    size_t k = 0;
    while (k < l.n && is_key_char((unsigned char)l.s[k])) k++;
    if (k == 0 || k >= l.n || l.s[k] != ':') return 0;
    if (k + 1 < l.n && l.s[k + 1] != ' ' && l.s[k + 1] != '\t') return 0;
    *key = (span){l.s, k};
    *value = trim((span){l.s + k + 1, l.n - k - 1});
    return 1;
}

/* "|", ">", "|-", ">+2": a block scalar's header.  (The input is not
 * NUL-terminated: look only inside the span.) */
static int block_indicator(span v)
{
    for (size_t i = 1; i < v.n; i++)
        if (!strchr("+-0123456789", v.s[i]) || v.s[i] == '\0') return 0;
    return 1;
}

int wx_frontmatter_parse(wx_frontmatter *fm, const char *buf, size_t len)
{
    memset(fm, 0, sizeof *fm);
    if (!buf) return 0;
    size_t at = skip_bom(buf, len), next;
    if (len - at > WX_FRONTMATTER_MAX + 4) len = at + WX_FRONTMATTER_MAX + 4;
    if (!wx_sniff_front_matter((const unsigned char *)buf, len)) return 0;
    line_at(buf + at, len - at, &next);
    at += next;
    span l;
    int block = 0;                       /* 0, or '|' / '>' while reading a block scalar */
    while (at < len) {
        l = line_at(buf + at, len - at, &next);
        at += next;
        span t = trim(l);
        if (l.n && l.s[0] != ' ' && l.s[0] != '\t' && (span_is(t, "---") || span_is(t, "..."))) {
            if (fm->count == 0) break;
            fm->body = at;
            return 1;
        }
        if (t.n == 0) {
            if (block == '|' && fm->count) fm_append(fm, "", strdup("\n"));
            continue;
        }
        int indented = l.s[0] == ' ' || l.s[0] == '\t';
        if (!indented && t.s[0] == '#') continue;
        span key, value;
        if (!indented && key_value(l, &key, &value)) {
            block = 0;
            if (value.n >= 1 && (value.s[0] == '|' || value.s[0] == '>') && block_indicator(value)) {
                block = value.s[0];
                value.n = 0;
            }
            if (fm_add(fm, key, yaml_scalar(value)) != 0) break;
        } else if (fm->count && (indented || (t.n >= 2 && t.s[0] == '-' && t.s[1] == ' '))) {
            if (t.s[0] == '-' && (t.n == 1 || t.s[1] == ' ') && !block)
                fm_append(fm, ", ", yaml_scalar(trim((span){t.s + 1, t.n - 1})));
            else if (block == '|') {
                wx_fm_pair *p = &fm->pairs[fm->count - 1];
                size_t vl = strlen(p->value);
                fm_append(fm, vl && p->value[vl - 1] != '\n' ? "\n" : "", strndup(t.s, t.n));
            } else fm_append(fm, " ", block ? strndup(t.s, t.n) : yaml_scalar(t));
        } else {
            break;                       /* not the YAML we read: no front matter */
        }
    }
    wx_frontmatter_free(fm);
    return 0;
}

const char *wx_frontmatter_get(const wx_frontmatter *fm, const char *key)
{
    for (size_t i = fm->count; i > 0; i--)
        if (strcmp(fm->pairs[i - 1].key, key) == 0) return fm->pairs[i - 1].value;
    return NULL;
}

void wx_frontmatter_free(wx_frontmatter *fm)
{
    for (size_t i = 0; i < fm->count; i++) { free(fm->pairs[i].key); free(fm->pairs[i].value); }
    free(fm->pairs);
    memset(fm, 0, sizeof *fm);
}

/* ================= sniffing ================= */

/* The keys that make a front matter block an article's: the archive's
 * (title/url/source/date/fetch_date) and Jekyll's (layout/title/date). */
static const char *const article_keys[] = {"title", "url", "layout", "date", "fetch_date", NULL};

static int has_article_keys(const wx_frontmatter *fm)
{
    for (int i = 0; article_keys[i]; i++)
        if (wx_frontmatter_get(fm, article_keys[i])) return 1;
    return 0;
}

/* wx_sniff calls text markdown by its first line: a front matter opener
 * or a "# " heading.  Front matter must also read as such and name an
 * article: a YAML block of something else (a config file, notes) is not
 * an archived page, and "---" that opens nothing is not markdown's. */
int wx_markdown_is_article(const wx_doc *doc)
{
    wx_frontmatter fm;
    if (!wx_frontmatter_parse(&fm, (const char *)doc->bytes, doc->len))
        return !wx_sniff_front_matter(doc->bytes, doc->len);
    int ok = has_article_keys(&fm);
    wx_frontmatter_free(&fm);
    return ok;
}

/* ================= inline markdown ================= */

typedef struct md {
    json_t *rec;
    wx_body body;
    int cover_seen;
    int depth;                  /* nesting of link labels being rendered */
    size_t budget;              /* bytes forward scans may still look at */
} md;

/* Inline constructs (links, code spans, tags) are looked for at most this
 * far ahead, and all the looking ahead in a paragraph is bounded by a
 * budget linear in its size: a page of unclosed brackets costs linear
 * time, and its brackets are then plain text. */
#define LOOKAHEAD 4096
#define MAX_DEPTH 8

static size_t lookahead(md *m, size_t avail)
{
    size_t n = avail < LOOKAHEAD ? avail : LOOKAHEAD;
    if (m->budget < n) return 0;
    m->budget -= n;
    return n;
}

static int is_http(const char *u)
{
    return u && (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0);
}

/* The end of a bracketed span starting at s[0] == open, nesting counted
 * and backslash escapes skipped; n when unclosed. */
static size_t match_close(const char *s, size_t n, char open, char close)
{
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) { i++; continue; }
        if (s[i] == open) depth++;
        else if (s[i] == close && --depth == 0) return i;
    }
    return n;
}

/* The destination of a link "(url "title")": the URL part, without <…>. */
static char *link_destination(const char *s, size_t n)
{
    span d = trim((span){s, n});
    if (d.n && d.s[0] == '<') {
        const char *gt = memchr(d.s, '>', d.n);
        if (gt) return strndup(d.s + 1, (size_t)(gt - d.s - 1));
    }
    size_t k = 0;
    while (k < d.n && d.s[k] != ' ' && d.s[k] != '\t') k++;
    return strndup(d.s, k);
}

static void render_inline(md *m, const char *s, size_t n, wx_buf *out, const char *link_url);

/* ![alt](url): an image in the body, or the archive's cover. */
static void inline_image(md *m, span alt, const char *dest, const char *link_url)
{
    const char *raw = dest;
    if (!raw) return;
    if (span_is(alt, "cover_image") && !m->cover_seen) {
        char *u = wx_url_clean(raw);
        if (u && is_http(u)) wx_json_set_if_null(m->rec, "cover", u);
        free(u);
        m->cover_seen = 1;
        return;
    }
    wx_image img = {0};
    img.url = wx_url_clean(raw);
    if (!img.url) return;                          /* ![]() placeholders */
    if (!is_http(img.url) && strncmp(img.url, "//", 2) != 0) img.local = wx_utf8_clean(raw, strlen(raw));
    wx_buf a;
    wx_buf_init(&a);
    m->depth++;
    render_inline(m, alt.s, alt.n, &a, NULL);
    m->depth--;
    img.alt = a.data ? wx_text_oneline(a.data) : NULL;
    free(a.data);
    img.width = img.height = img.ratio = -1;
    char *canon = link_url ? wx_url_canonical(link_url) : NULL;
    img.in_article_link = canon != NULL;
    free(canon);
    wx_body_add_image(&m->body, img);
}

/* Emphasis markers (* _ ~) are dropped when they open or close a span:
 * next to text on one side and not on the other, so 2*3*4 and snake_case
 * keep theirs.  *end is where the run holding s[i] ends, measured once per
 * run: a run kept as text is asked again at each of its characters, and
 * measuring it each time was quadratic (a_____…b). */
static size_t emphasis_run(const char *s, size_t n, size_t i, size_t *end)
{
    char c = s[i];
    if (*end <= i) {
        size_t e = i;
        while (e < n && s[e] == c) e++;
        *end = e;
    }
    size_t k = *end;
    size_t run = k - i;
    if (c == '~' && run < 2) return 0;
    int before_space = i == 0 || isspace((unsigned char)s[i - 1]);
    int after_space = k >= n || isspace((unsigned char)s[k]);
    if (before_space && after_space) return 0;
    if (c == '_' && !before_space && !after_space) return 0;    /* intra-word _ */
    if (c == '*' && run == 1 && !before_space && !after_space &&
        isdigit((unsigned char)s[i - 1]) && isdigit((unsigned char)s[k])) return 0;
    return run;
}

/* An inline HTML tag at s: its length, or 0. */
static size_t html_tag(const char *s, size_t n)
{
    size_t k = 1;
    if (k < n && s[k] == '/') k++;
    if (k >= n || !isalpha((unsigned char)s[k])) return 0;
    const char *gt = memchr(s, '>', n);
    return gt ? (size_t)(gt - s) + 1 : 0;
}

static void render_inline(md *m, const char *s, size_t n, wx_buf *out, const char *link_url)
{
    size_t t, run_end = 0;         /* the end of the last * _ ~ run measured */
    if (m->depth == 0) m->budget = 16 * n + 65536;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
            wx_buf_putc(out, s[i + 1]);
            i += 2;
        } else if (c == '`') {
            size_t ticks = run_of(s + i, n - i, '`');
            const char *end = NULL;
            size_t reach = i + ticks + lookahead(m, n - i - ticks);
            if (reach > n) reach = n;
            for (size_t k = i + ticks; k + ticks <= reach; k++)
                if (strncmp(s + k, s + i, ticks) == 0) { end = s + k; break; }
            if (!end) { wx_buf_put(out, s + i, ticks); i += ticks; continue; }
            wx_buf_put(out, s + i + ticks, (size_t)(end - s - i - ticks));
            i = (size_t)(end - s) + ticks;
        } else if (((c == '!' && i + 1 < n && s[i + 1] == '[') || c == '[') && m->depth < MAX_DEPTH) {
            size_t open = c == '!' ? i + 1 : i;
            size_t reach = lookahead(m, n - open);
            size_t close = match_close(s + open, reach, '[', ']') + open;
            if (close == open + reach) close = n;
            if (close >= n || close + 1 >= n || s[close + 1] != '(') { wx_buf_putc(out, c); i++; continue; }
            size_t dreach = lookahead(m, n - close - 1);
            size_t dend = match_close(s + close + 1, dreach, '(', ')') + close + 1;
            if (dend == close + 1 + dreach) dend = n;
            if (dend >= n && dreach < n - close - 1) { wx_buf_putc(out, c); i++; continue; }
            if (dend >= n) {                       /* cut off by a truncated archive */
                m->depth++;
                if (c == '[') render_inline(m, s + open + 1, close - open - 1, out, NULL);
                m->depth--;
                return;
            }
            char *dest = link_destination(s + close + 2, dend - close - 2);
            span label = {s + open + 1, close - open - 1};
            if (c == '!') {
                inline_image(m, label, dest, link_url);
            } else {
                wx_buf text;
                wx_buf_init(&text);
                m->depth++;
                render_inline(m, label.s, label.n, &text, dest);
                m->depth--;
                char *u = dest ? wx_url_clean(dest) : NULL;
                char *t = text.data ? wx_text_oneline(text.data) : NULL;
                if (u && is_http(u)) { wx_body_add_link(&m->body, u, t); u = t = NULL; }
                if (text.data) wx_buf_puts(out, text.data);
                free(text.data);
                free(u);
                free(t);
            }
            free(dest);
            i = dend + 1;
        } else if (c == '<' && i + 1 < n && (strncmp(s + i + 1, "http://", 7) == 0 || strncmp(s + i + 1, "https://", 8) == 0)) {
            const char *gt = memchr(s + i, '>', lookahead(m, n - i));
            if (!gt) { wx_buf_putc(out, c); i++; continue; }
            wx_buf_put(out, s + i + 1, (size_t)(gt - s - i - 1));   /* autolink: the URL as text */
            i = (size_t)(gt - s) + 1;
        } else if (c == '<' && (t = html_tag(s + i, lookahead(m, n - i))) != 0) {
            if (t >= 4 && strncasecmp(s + i + 1, "br", 2) == 0 && !isalpha((unsigned char)s[i + 3]))
                wx_buf_putc(out, '\n');
            i += t;
        } else if ((c == '*' || c == '_' || c == '~') && (t = emphasis_run(s, n, i, &run_end)) != 0) {
            i += t;
        } else {
            wx_buf_putc(out, c);
            i++;
        }
    }
}

/* ================= blocks ================= */

/* Block-level HTML, kept as HTML by some exporters (tables, sections). */
static int is_html_block_start(span t)
{
    static const char *const tags[] = {"table", "div", "section", "p", "ul", "ol", "tbody", "tr",
                                       "blockquote", "pre", "figure", "h1", "h2", "h3", "h4", "h5",
                                       "h6", "center", "iframe", "img", "dl", NULL};
    if (t.n < 3 || t.s[0] != '<') return 0;
    for (int i = 0; tags[i]; i++) {
        size_t k = strlen(tags[i]);
        if (t.n > k + 1 && strncasecmp(t.s + 1, tags[i], k) == 0 &&
            (t.s[k + 1] == '>' || t.s[k + 1] == ' ' || t.s[k + 1] == '/'))
            return 1;
    }
    return 0;
}

/* A thematic break or setext underline: ---, ***, ___, ===. */
static int is_rule(span t)
{
    if (t.n < 3) return 0;
    char c = t.s[0];
    if (c != '-' && c != '*' && c != '_' && c != '=') return 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.s[i] != c && t.s[i] != ' ') return 0;
    return 1;
}

/* |---|:---:| */
static int is_table_rule(span t)
{
    if (t.n < 3 || !memchr(t.s, '-', t.n)) return 0;
    for (size_t i = 0; i < t.n; i++)
        if (!memchr("|:- \t", t.s[i], 5)) return 0;
    return 1;
}

/* Markers in front of a line's content: heading #s, quotes, list bullets,
 * task boxes. */
static span strip_block_markers(span t)
{
    for (;;) {
        if (t.n && t.s[0] == '>') { t = trim((span){t.s + 1, t.n - 1}); continue; }
        if (t.n >= 2 && (t.s[0] == '-' || t.s[0] == '*' || t.s[0] == '+') && t.s[1] == ' ') {
            t = trim((span){t.s + 2, t.n - 2});
            continue;
        }
        if (t.n >= 3 && t.s[0] == '[' && (t.s[1] == ' ' || t.s[1] == 'x' || t.s[1] == 'X') && t.s[2] == ']') {
            t = trim((span){t.s + 3, t.n - 3});
            continue;
        }
        break;
    }
    size_t h = 0;
    while (h < t.n && h < 6 && t.s[h] == '#') h++;
    if (h && (h == t.n || t.s[h] == ' ')) {
        t = trim((span){t.s + h, t.n - h});
        while (t.n && t.s[t.n - 1] == '#') t.n--;    /* closing #s */
        t = trim(t);
    }
    return t;
}

/* One line of markdown as plain text; images and links go to the body. */
static void render_line(md *m, span t, wx_buf *out)
{
    if (t.n && t.s[0] == '|') {                        /* table row: cells apart */
        wx_buf row;
        wx_buf_init(&row);
        render_inline(m, t.s, t.n, &row, NULL);
        for (char *p = row.data; p && *p; p++) if (*p == '|') *p = ' ';
        if (row.data) wx_buf_puts(out, row.data);
        free(row.data);
        return;
    }
    render_inline(m, t.s, t.n, out, NULL);
}

/* The text of a markdown line, for comparing with titles and names. */
static char *line_text(span t)
{
    md scratch;
    memset(&scratch, 0, sizeof scratch);
    scratch.rec = NULL;
    scratch.cover_seen = 1;                            /* never touch a record */
    wx_buf out;
    wx_buf_init(&out);
    render_line(&scratch, strip_block_markers(trim(t)), &out);
    wx_body_free(&scratch.body);
    char *s = out.data ? wx_text_oneline(out.data) : NULL;
    free(out.data);
    return s;
}

typedef struct { span *v; size_t n, cap; } lines;

static void split_lines(lines *ls, const char *s, size_t len)
{
    size_t at = 0, next;
    while (at < len) {
        span l = line_at(s + at, len - at, &next);
        if (ls->n == ls->cap) {
            size_t cap = ls->cap ? ls->cap * 2 : 256;
            span *v = realloc(ls->v, cap * sizeof *v);
            if (!v) return;
            ls->v = v;
            ls->cap = cap;
        }
        ls->v[ls->n++] = l;
        at += next;
    }
}

static int is_heading(span t)
{
    size_t h = 0;
    while (h < t.n && h < 6 && t.s[h] == '#') h++;
    return h && (h == t.n || t.s[h] == ' ');
}

/* Whether a line carries on the paragraph above it (not blank, not the
 * start of another block). */
static int continues_paragraph(span t)
{
    return t.n && !is_heading(t) && t.s[0] != '|' && !is_rule(t) && !is_html_block_start(t) &&
           strncmp(t.s, "```", 3) != 0 && strncmp(t.s, "~~~", 3) != 0;
}

/* Render lines [from, to) into the body: text, images, links. */
static void render_body(md *m, const lines *ls, size_t from, size_t to)
{
    wx_body *b = &m->body;
    char fence = 0;
    size_t fence_len = 0;
    for (size_t i = from; i < to; i++) {
        span l = ls->v[i], t = trim(l);
        if (fence) {
            size_t run = run_of(t.s, t.n, fence);
            if (run >= fence_len && trim((span){t.s + run, t.n - run}).n == 0) {
                fence = 0;
                continue;
            }
            wx_buf_put(&b->text, l.s, l.n);
            wx_buf_putc(&b->text, '\n');
            continue;
        }
        if (t.n >= 3 && (strncmp(t.s, "```", 3) == 0 || strncmp(t.s, "~~~", 3) == 0)) {
            fence = t.s[0];
            fence_len = run_of(t.s, t.n, fence);
            continue;
        }
        if (t.n == 0) { wx_buf_putc(&b->text, '\n'); continue; }
        if (is_rule(t) || is_table_rule(t)) continue;
        if (is_html_block_start(t)) {                  /* up to the next blank line */
            size_t j = i;
            while (j < to && trim(ls->v[j]).n) j++;
            const char *start = ls->v[i].s, *end = ls->v[j - 1].s + ls->v[j - 1].n;
            htmlDocPtr d = wx_dom_parse(start, (size_t)(end - start));
            if (d) { wx_body_walk((xmlNodePtr)d, b); xmlFreeDoc(d); }
            wx_buf_putc(&b->text, '\n');
            i = j - 1;
            continue;
        }
        /* A paragraph: this line and the plain ones after it, so that a
         * link or emphasis may span lines.  Headings and table rows stand
         * alone. */
        size_t j = i + 1;
        if (!is_heading(t) && t.s[0] != '|')
            while (j < to && continues_paragraph(trim(ls->v[j]))) j++;
        wx_buf para;
        wx_buf_init(&para);
        for (size_t k = i; k < j; k++) {
            span pt = strip_block_markers(trim(ls->v[k]));
            if (k > i) wx_buf_putc(&para, '\n');
            wx_buf_put(&para, pt.s, pt.n);
        }
        size_t first_image = b->nimages;
        wx_buf out;
        wx_buf_init(&out);
        if (para.data) render_line(m, (span){para.data, para.len}, &out);
        free(para.data);
        char *plain = out.data ? wx_html_unescape(out.data, out.len) : NULL;
        free(out.data);
        if (plain) wx_buf_puts(&b->text, plain);
        wx_buf_putc(&b->text, '\n');
        size_t plain_len = plain ? strlen(plain) : 0;     /* once: a paragraph may hold 100,000 images */
        for (size_t k = first_image; k < b->nimages; k++)
            if (plain_len > 0 && plain_len < 400 && !b->images[k].near) b->images[k].near = strdup(plain);
        free(plain);
        i = j - 1;
    }
}

/* ================= chrome and header ================= */

/* Lines WeChat puts around an article (share/follow prompts, the mini
 * program dialog, the like/share/comment bar); an archive of the rendered
 * page keeps them after the body. */
static const char *const chrome_lines[] = {
    "预览时标签不可点", "阅读原文", "微信扫一扫", "关注该公众号", "继续滑动看下一个", "轻触阅读原文",
    "向上滑动看下一个", "知道了", "使用小程序", "取消", "允许", "×", "分析", "微信扫一扫可打开此内容，",
    "使用完整服务", "视频", "小程序", "赞", "，轻点两下取消赞", "在看", "，轻点两下取消在看", "分享",
    "留言", "收藏", "听过", "写留言", "暂无留言", "喜欢此内容的人还喜欢", "微信扫一扫关注该公众号",
    "Scan to Follow", "Got It", "Cancel", "Allow", "Like", "Wow", "Share", "Comment", "Favorite", NULL};

/* Only punctuation (the stray ：，。 of the like/comment bar). */
static int punctuation_only(span t)
{
    static const char *const marks[] = {"：", "，", "。", "、", "；", "！", "？", ":", ",", ".", ";", NULL};
    size_t i = 0;
    while (i < t.n) {
        int hit = t.s[i] == ' ' || t.s[i] == '\t';
        if (hit) { i++; continue; }
        for (int k = 0; marks[k] && !hit; k++) {
            size_t ml = strlen(marks[k]);
            if (i + ml <= t.n && memcmp(t.s + i, marks[k], ml) == 0) { i += ml; hit = 1; }
        }
        if (!hit) return 0;
    }
    return t.n > 0;
}

/* ![…]() placeholders and the author-avatar / QR images of the chrome. */
static int chrome_image(span t)
{
    if (t.n < 4 || t.s[0] != '!' || t.s[1] != '[' || t.s[t.n - 1] != ')') return 0;
    return (t.n >= 3 && memcmp(t.s + t.n - 3, "]()", 3) == 0) || strncmp(t.s, "![作者头像]", 14) == 0 ||
           strncmp(t.s, "![跳转二维码]", 17) == 0;
}

static int name_like(span t);

static int is_chrome(span t, const char *account)
{
    if (t.n == 0 || punctuation_only(t) || chrome_image(t)) return 1;
    for (int i = 0; chrome_lines[i]; i++)
        if (span_is(t, chrome_lines[i])) return 1;
    if (t.n > 9 && memcmp(t.s, "修改于", 9) == 0) return 1;
    return account && span_is(t, account);
}

/* Where the article ends: before WeChat's "预览时标签不可点" block, then
 * before any trailing chrome lines (stub archives carry only those). */
static size_t body_end(const lines *ls, size_t from, const char *account)
{
    size_t end = ls->n;
    for (size_t i = from; i < ls->n; i++)
        if (span_is(trim(ls->v[i]), "预览时标签不可点")) { end = i; break; }
    span after = {"", 0};                        /* the filled line below */
    int name_above_bar = 0;
    while (end > from) {
        span t = trim(ls->v[end - 1]);
        /* the bottom bar: [avatar] account name, then 向上滑动看下一个 */
        int bar_name = name_like(t) && span_is(after, "向上滑动看下一个");
        int avatar = t.n > 6 && memcmp(t.s, "![](", 4) == 0 &&
                     ((account && span_is(after, account)) || name_above_bar);
        if (!is_chrome(t, account) && !avatar && !bar_name) break;
        if (t.n) { after = t; name_above_bar = bar_name; }
        end--;
    }
    return end;
}

/* A short plain line: a name, not a sentence or markup. */
static int name_like(span t)
{
    static const char *const stops[] = {"：", "。", "，", "！", "？", ":", "http", NULL};
    if (t.n == 0 || t.n > 60 || strchr("!#*[<>-|`", t.s[0]) || punctuation_only(t)) return 0;
    for (int i = 0; stops[i]; i++)
        if (memmem(t.s, t.n, stops[i], strlen(stops[i]))) return 0;
    return 1;
}

static size_t next_filled(const lines *ls, size_t i, size_t end)
{
    while (i < end && trim(ls->v[i]).n == 0) i++;
    return i;
}

/* Share pages put the account's avatar and name between the title
 * headings: true (with *at on the heading) when the title comes again
 * within three lines that are only images and names. */
static int title_follows(const lines *ls, size_t i, size_t end, const char *title, size_t *at)
{
    for (int k = 0; k < 3 && title; k++) {
        i = next_filled(ls, i, end);
        if (i >= end) return 0;
        span t = trim(ls->v[i]);
        if (t.n > 2 && t.s[0] == '#' && t.s[1] == ' ') {
            char *txt = line_text(t);
            int same = txt && strcmp(txt, title) == 0;
            free(txt);
            if (same) *at = i;
            return same;
        }
        if (!name_like(t) && !(t.n > 4 && t.s[0] == '!' && t.s[1] == '[')) return 0;
        i++;
    }
    return 0;
}

typedef struct header {
    char *title, *author, *account, *date;
    int original;
    int headings;               /* how many times the body shows the title as a heading */
} header;

/* The exporter's "[原创]  author  account  date" line (fields two or more
 * spaces apart): fills h and returns 1 when the last field is a date. */
static int meta_line(span t, header *h)
{
    char *parts[6];
    int np = 0;
    size_t i = 0;
    while (i < t.n && np < 6) {
        size_t k = i;
        while (k < t.n && !(t.s[k] == ' ' && k + 1 < t.n && (t.s[k + 1] == ' ' || t.s[k + 1] == '\t')) &&
               t.s[k] != '\t')
            k++;
        span f = trim((span){t.s + i, k - i});
        if (f.n) parts[np++] = strndup(f.s, f.n);
        i = k;
        while (i < t.n && (t.s[i] == ' ' || t.s[i] == '\t')) i++;
    }
    int ok = 0;
    if (np >= 2 && np <= 4 && parts[np - 1]) {
        json_t *d = wx_dates_find(NULL, parts[np - 1], NULL, NULL);
        json_t *first = json_array_get(d, 0);
        const char *text = json_string_value(json_object_get(first, "text"));
        ok = text && strlen(text) + 6 >= strlen(parts[np - 1]);
        json_decref(d);
    }
    if (ok) {
        int k = 0;
        if (strcmp(parts[0], "原创") == 0) { h->original = 1; k = 1; }
        int names = np - 1 - k;
        if (names == 2) { h->author = strdup(parts[k]); h->account = strdup(parts[k + 1]); }
        else if (names == 1) h->account = strdup(parts[k]);
        h->date = strdup(parts[np - 1]);
    }
    for (int k = 0; k < np; k++) free(parts[k]);
    return ok;
}

/* Skip the page header: title headings, the cover, and the meta lines of
 * the rendered page ([原创], [author], account).  Returns the first body line. */
static size_t read_header(md *m, const lines *ls, size_t i, size_t end, header *h, const char *source)
{
    int titles = 0;
    for (;;) {
        i = next_filled(ls, i, end);
        if (i >= end) return i;
        span t = trim(ls->v[i]);
        if (t.n > 2 && t.s[0] == '#' && t.s[1] == ' ') {
            char *txt = line_text(t);
            int same = txt && (!h->title || strcmp(txt, h->title) == 0);
            if (same && !h->title) { h->title = txt; txt = NULL; }
            free(txt);
            if (!same) break;
            titles++;
            i++;
        } else if (strncmp(t.s, "![cover_image](", 15) == 0) {
            wx_buf ignore;
            wx_buf_init(&ignore);
            render_inline(m, t.s, t.n, &ignore, NULL);
            free(ignore.data);
            i++;
        } else if (titles == 1 && title_follows(ls, i, end, h->title, &i)) {
            continue;                    /* avatar and account before the title again */
        } else break;
    }
    h->headings = titles;
    if (titles == 0) return i;
    span t = trim(ls->v[i]);
    if (meta_line(t, h)) return i + 1;               /* the exporter's one line */
    if (titles < 2 && !m->cover_seen) {
        /* share pages without a body: the account's avatar and name, then
         * only the chrome */
        size_t n1 = next_filled(ls, i + 1, end), n2 = next_filled(ls, n1 + 1, end);
        if (t.n > 4 && t.s[0] == '!' && t.s[1] == '[' && n1 < end && name_like(trim(ls->v[n1])) &&
            (n2 >= end || is_chrome(trim(ls->v[n2]), NULL))) {
            span name = trim(ls->v[n1]);
            h->account = strndup(name.s, name.n);
            return n1 + 1;
        }
        return i;
    }
    if (span_is(t, "原创")) { h->original = 1; i = next_filled(ls, i + 1, end); }
    size_t l0 = i, l1 = next_filled(ls, l0 + 1, end);
    span a = l0 < end ? trim(ls->v[l0]) : (span){"", 0};
    span b = l1 < end ? trim(ls->v[l1]) : (span){"", 0};
    if (source && span_is(b, source) && name_like(a)) { h->author = strndup(a.s, a.n); return l1 + 1; }
    if (source && span_is(a, source)) return l0 + 1;
    if (name_like(a) && name_like(b) && l1 < end) {
        h->author = strndup(a.s, a.n);
        h->account = strndup(b.s, b.n);
        return l1 + 1;
    }
    if (name_like(a)) { h->account = strndup(a.s, a.n); return l0 + 1; }
    return l0;
}

/* ================= the record ================= */

#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"
#define DIGITS "0123456789"
#define HEX "0123456789abcdefABCDEF"

static const char *checked(const char *v, const char *charset)
{
    return v && *v && strlen(v) < 128 && strspn(v, charset) == strlen(v) ? v : NULL;
}

/* url, biz, mid, idx, sn and id from an article URL.  Returns 1 when the
 * URL is a WeChat article's. */
static int fill_identity(json_t *rec, const char *raw)
{
    char *canon = raw ? wx_url_canonical(raw) : NULL;
    if (!canon) return 0;
    wx_url_ids ids;
    wx_url_ids_parse(canon, &ids);
    const char *biz = checked(ids.biz, B64), *mid = checked(ids.mid, DIGITS),
               *idx = checked(ids.idx, DIGITS), *sn = checked(ids.sn, HEX);
    wx_json_set_if_null(rec, "biz", biz);
    wx_json_set_if_null(rec, "mid", mid);
    wx_json_set_if_null(rec, "sn", sn);
    if (idx) json_object_set_new(rec, "idx", json_integer(strtoll(idx, NULL, 10)));
    wx_json_set_str(rec, "url", canon);
    if (biz && mid && idx) {
        size_t n = strlen(biz) + strlen(mid) + strlen(idx) + 3;
        char *id = malloc(n);
        if (id) { snprintf(id, n, "%s:%s:%s", biz, mid, idx); wx_json_set_str(rec, "id", id); }
        free(id);
    }
    wx_url_ids_free(&ids);
    free(canon);
    return 1;
}

/* published_at from a written date ("2024-05-11", "2024-08-09 18:40",
 * "2018-04-13 10:00:00 +0800"): the first full date the dates scanner
 * finds, with its time when it has one (China Standard Time, as WeChat). */
static void fill_published(json_t *rec, const char *written)
{
    if (!written || !json_is_null(json_object_get(rec, "published_at"))) return;
    json_t *dates = wx_dates_find(NULL, written, NULL, NULL);
    json_t *d = json_array_get(dates, 0);
    const char *date = json_string_value(json_object_get(d, "date"));
    const char *time = json_string_value(json_object_get(d, "time"));
    if (date && strlen(date) == 10) {
        char iso[40];
        if (time) snprintf(iso, sizeof iso, "%sT%s:00+08:00", date, time);
        else snprintf(iso, sizeof iso, "%s", date);
        wx_json_set_str(rec, "published_at", iso);
    }
    json_decref(dates);
}

/* The account a repost names next to its link: 公众号「name」 (also 订阅号,
 * 服务号).  Returns malloc'd or NULL. */
static char *named_account(const char *line)
{
    static const char *const marks[] = {"公众号「", "订阅号「", "服务号「", NULL};
    for (int i = 0; line && marks[i]; i++) {
        const char *p = strstr(line, marks[i]);
        if (!p) continue;
        p += strlen(marks[i]);
        const char *q = strstr(p, "」");
        if (q && q > p && q - p < 100) return strndup(p, (size_t)(q - p));
    }
    return NULL;
}

/* The WeChat article a Jekyll post was copied from: a link to one among
 * the first lines of the body ("出自微信订阅号「…」：[title](link)"), and
 * the account that line names. */
static char *source_link(const lines *ls, size_t from, size_t end, char **account)
{
    size_t seen = 0;
    char *found = NULL;
    for (size_t i = from; i < end && seen < 8 && !found; i++) {
        span t = trim(ls->v[i]);
        if (!t.n) continue;
        seen++;
        md scratch;
        memset(&scratch, 0, sizeof scratch);
        scratch.cover_seen = 1;                    /* never touch a record */
        wx_buf out;
        wx_buf_init(&out);
        render_line(&scratch, t, &out);
        for (size_t k = 0; k < scratch.body.nlinks && !found; k++) {
            char *c = wx_url_canonical(scratch.body.links[k].url);
            if (c) found = strdup(scratch.body.links[k].url);
            free(c);
        }
        if (found) *account = named_account(out.data);
        free(out.data);
        wx_body_free(&scratch.body);
    }
    return found;
}

static const char *fm_first(const wx_frontmatter *fm, const char *const *keys)
{
    for (int i = 0; keys[i]; i++) {
        const char *v = wx_frontmatter_get(fm, keys[i]);
        if (v && *v) return v;
    }
    return NULL;
}

static void set_oneline(json_t *obj, const char *key, const char *value)
{
    char *one = value ? wx_text_oneline(value) : NULL;
    wx_json_set_if_null(obj, key, one);
    free(one);
}

/* Everything read before the body: the front matter and the page header. */
typedef struct archive {
    wx_frontmatter fm;
    int has_fm;
    lines ls;
    header h;
    const char *account;        /* the front matter's source */
    size_t start, end;          /* the body's lines */
    char *linked;               /* a Jekyll post's WeChat link */
    const char *url;            /* the article URL, from either */
    int wechat;                 /* a WeChat article (or its error page) */
} archive;

static void read_archive(archive *a, md *m, const char *buf, size_t len)
{
    static const char *const title_keys[] = {"title", NULL};
    static const char *const url_keys[] = {"url", "link", "source_url", "original_url", "original", NULL};
    static const char *const account_keys[] = {"source", "account", "nickname", NULL};
    a->has_fm = wx_frontmatter_parse(&a->fm, buf, len);
    size_t body_at = a->has_fm ? a->fm.body : skip_bom(buf, len);
    split_lines(&a->ls, buf + body_at, len - body_at);
    const char *title = fm_first(&a->fm, title_keys);
    a->h.title = title ? wx_text_oneline(title) : NULL;
    a->account = fm_first(&a->fm, account_keys);
    a->start = read_header(m, &a->ls, 0, a->ls.n, &a->h, a->account);
    a->end = body_end(&a->ls, a->start, a->account ? a->account : a->h.account);
    if (a->end < a->start) a->end = a->start;
    a->url = fm_first(&a->fm, url_keys);
    if (!a->url && a->has_fm) {
        char *named = NULL;
        a->url = a->linked = source_link(&a->ls, a->start, a->end, &named);
        if (!a->h.account) a->h.account = named;
        else free(named);
    }
}

static void free_archive(archive *a)
{
    free(a->linked);
    free(a->h.title); free(a->h.author); free(a->h.account); free(a->h.date);
    free(a->ls.v);
    wx_frontmatter_free(&a->fm);
}

/* Identity, provenance and the fields the front matter and header give. */
static void fill_fields(json_t *rec, archive *a)
{
    static const char *const date_keys[] = {"date", "published", "publish_date", "pubDate", NULL};
    static const char *const fetched_keys[] = {"fetch_date", "fetched_at", "fetched", NULL};
    static const char *const desc_keys[] = {"description", "summary", "excerpt", NULL};
    json_t *src = json_object_get(rec, "source");
    json_object_set_new(src, "format", json_string("markdown"));
    if (a->url) {
        char *u = wx_url_clean(a->url);
        if (u && is_http(u)) wx_json_set_if_null(src, "url", u);
        free(u);
    }
    wx_json_set_if_null(src, "fetched_at", fm_first(&a->fm, fetched_keys));
    /* No URL at all: the exporter's meta line says it is a WeChat page. */
    a->wechat = fill_identity(rec, a->url) || (!a->url && !a->has_fm && a->h.date);
    wx_json_set_if_null(rec, "title", a->h.title);
    set_oneline(rec, "description", fm_first(&a->fm, desc_keys));
    set_oneline(rec, "author", wx_frontmatter_get(&a->fm, "author"));
    wx_json_set_if_null(rec, "author", a->h.author);
    fill_published(rec, fm_first(&a->fm, date_keys));
    fill_published(rec, a->h.date);
    if (!a->wechat) return;
    json_object_set_new(rec, "kind", json_string("article"));
    json_t *acct = json_object_get(rec, "account");
    set_oneline(acct, "name", a->account);
    wx_json_set_if_null(acct, "name", a->h.account);
    if (a->h.original) json_object_set_new(rec, "copyright", json_string("original"));
}

/* An archive of WeChat's own message page (verification, deleted…): the
 * status it names, as for the page itself.  Returns 1 when it is one. */
static int message_page(json_t *rec, const char *text)
{
    const char *status = text && strlen(text) < 300 ? wx_message_status(text) : NULL;
    if (!status) return 0;
    json_object_set_new(rec, "status", json_string(status));
    json_object_set_new(rec, "kind", json_null());
    char *one = wx_text_oneline(text);
    wx_buf msg;
    wx_buf_init(&msg);
    wx_buf_puts(&msg, "page says: ");
    wx_buf_puts(&msg, one ? one : "");
    wx_record_warn(rec, msg.data);
    free(msg.data);
    free(one);
    return 1;
}

int wx_markdown_fill(json_t *rec, const wx_doc *doc)
{
    int headings;
    md m;
    memset(&m, 0, sizeof m);
    m.rec = rec;
    archive a;
    memset(&a, 0, sizeof a);
    read_archive(&a, &m, (const char *)doc->bytes, doc->len);
    fill_fields(rec, &a);

    render_body(&m, &a.ls, a.start, a.end);
    char *text = m.body.text.data ? wx_text_normalize(m.body.text.data, m.body.text.len) : NULL;
    int message = a.wechat && message_page(rec, text);
    if (!message) {
        if (text && *text) wx_json_set_str(rec, "text", text);
        else wx_record_warn(rec, "article body is empty");
        wx_body_emit(rec, &m.body, text, NULL);
    }
    free(text);

    if (!a.wechat) {
        wx_record_warn(rec, a.url ? "not a WeChat article: the archive's URL is not an mp.weixin.qq.com article"
                                  : "not a WeChat article: the archive names no WeChat article URL");
    } else if (!message) {
        if (json_is_null(json_object_get(rec, "id")))
            wx_record_warn(rec, "article identity (__biz, mid, idx) not found; id is the content hash");
        if (json_is_null(json_object_get(rec, "published_at"))) wx_record_warn(rec, "no publish time found");
    }
    if (json_is_null(json_object_get(rec, "id"))) {
        char id[80];
        snprintf(id, sizeof id, "sha256:%s", doc->sha256);
        json_object_set_new(rec, "id", json_string(id));
    }
    headings = a.h.headings;
    wx_body_free(&m.body);
    free_archive(&a);
    return headings;
}
