/*
 * parse: turn one document (page bytes + provenance) into one record.
 *
 * A record is a JSON object following schema "wxingest.record/1" (see
 * output/record.schema.json and README.md).  Every field is always present;
 * unknown values are null and lists are [].  Every string in a record is
 * valid UTF-8, whatever the input bytes were.
 *
 * Metadata comes from the page's inline script variables first (PCRE2, JIT,
 * patterns compiled once), then from the DOM (libxml2's HTML parser), then
 * from the URL.  Parsing never touches the network or the filesystem.
 * The functions here are thread-safe: no state is shared between calls.
 */
#ifndef WX_PARSE_H
#define WX_PARSE_H

#include <jansson.h>
#include <stddef.h>
#include "../ingest/ingest.h"

#define WX_SCHEMA_ID "wxingest.record/1"

/* Parse one document.  Returns a new record (never NULL unless out of
 * memory); the caller owns it (json_decref).  A page that cannot be parsed
 * gives a record with status "error" and an error object. */
json_t *wx_parse(const wx_doc *doc);

/* Compile the patterns.  Called by wx_parse on first use; call it up front
 * from a threaded program to keep the first parse off the clock. */
int wx_parse_init(void);

/* ---- dates (dates.c) ---- */

/* Find every date in the title, then in the text (either may be NULL), in
 * order.  published_date is the page's own date, "YYYY-MM-DD" (anything
 * after the tenth character is ignored), or NULL.  Each date is an object
 * {"text", "date", "time", "end", "role"}:
 *   text  the date as written (always valid UTF-8, whatever the input),
 *   date  "2024-05-31", or "2024-05" / "2024" when only that much is written,
 *   time  "15:00" or null, end the last day of a range or null,
 *   role  "signed", "deadline", "event", "published" or "mentioned".
 * A date written without a year takes the year of the nearest preceding
 * date written in full, else of published_date; a human-readable line is
 * appended to warnings (a JSON array; may be NULL) each time a year is
 * guessed, or a date is skipped because no year can be had.
 * Returns a new array (never NULL unless out of memory); the caller owns it.
 * Time and memory are linear in the input size. */
json_t *wx_dates_find(const char *title, const char *text, const char *published_date,
                      json_t *warnings);

/* The value of a Chinese numeral s[0..len) (UTF-8): written digit by digit
 * (二〇二四 = 2024, with 〇, ○ or 零 as zero; 五 = 5) or with one 十
 * (十 = 10, 十二 = 12, 二十 = 20, 三十一 = 31); 两 counts as 2.  Full-width
 * forms are not numerals here.  Returns 1 and sets *value when the whole of
 * s is one such numeral, else 0. */
int wx_cn_number(const char *s, size_t len, int *value);

/* Whether a written date exists: year 1900–2100; month 0 means "the year
 * alone", day 0 "the month alone"; days are checked against the month,
 * with Gregorian leap years (2024-02-29 exists, 2023-02-29 and 2100-02-29
 * do not). */
int wx_date_is_valid(int year, int month, int day);


/* ---- building blocks, public for the tests ---- */

/* Decode the body of a JS string literal (without its quotes): \xHH, \uHHHH,
 * \u{H..}, \n \r \t \b \f \v \0, \\ \' \", line continuations; an unknown
 * escape yields the character itself.  Returns a malloc'd NUL-terminated
 * string (invalid code points become U+FFFD). */
char *wx_js_unescape(const char *s, size_t len);

/* Decode the HTML entities WeChat's own htmlDecode()/.html(false) decode
 * (&#39; &quot; &nbsp; &gt; &lt; &yen; &amp;, &amp; last) plus numeric
 * entities.  Returns malloc'd. */
char *wx_html_unescape(const char *s, size_t len);

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

/* Image format from wx_fmt= or the mmbiz_xxx path segment: "jpeg", "png",
 * "gif", "webp", "svg" or NULL. */
const char *wx_image_format(const char *url);

/* What an image in an article is for.  Inputs: the cleaned URL, how many
 * times this URL occurs in the article, whether it sits inside a link to
 * another article, its alt text and the text of its enclosing small block
 * (either may be NULL), and its size in pixels (-1 when unknown).  Returns
 * "content", "decoration", "qrcode", "avatar" or "banner". */
const char *wx_image_role(const char *url, int occurrences, int links_to_article,
                          const char *alt, const char *near, double width, double height);

#endif

/* ---- internal: shared between the files of parse/, not a public API ---- */
#ifdef WX_PARSE_INTERNAL
#include <stdint.h>
#include <string.h>

typedef struct wx_buf { char *data; size_t len, cap; } wx_buf;
void wx_buf_init(wx_buf *b);
void wx_buf_put(wx_buf *b, const char *s, size_t n);
void wx_buf_puts(wx_buf *b, const char *s);
void wx_buf_putc(wx_buf *b, char c);
void wx_buf_put_cp(wx_buf *b, uint32_t cp);
char *wx_buf_take(wx_buf *b);

char *wx_utf8_clean(const char *s, size_t len);
char *wx_text_normalize(const char *s, size_t len);
char *wx_text_oneline(const char *s);

/* Finding a few literals in megabytes of page or script, 16 bytes at a
 * time: a position is a candidate only when its byte is a literal's first
 * byte and the byte `second` further on is that literal's byte there (pick
 * pairs rare in pages, so candidates are few); only candidates are compared
 * in full.  GCC/Clang vector extensions keep it portable.  Inline, so that
 * with a constant table the compiler unrolls the pairs. */
typedef struct wx_literal { const char *text; size_t len, second; } wx_literal;

/* Which of lits[0..n) begins at p: its index + 1, or 0. */
static inline size_t wx_literal_at(const char *p, const char *end, const wx_literal *lits, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if ((size_t)(end - p) >= lits[k].len && *p == lits[k].text[0] &&
            memcmp(p, lits[k].text, lits[k].len) == 0)
            return k + 1;
    return 0;
}

/* The lanes of a 16-byte compare result that are set, as bits. */
static inline unsigned wx_lane_bits(const void *hit16)
{
#if defined(__SSE2__)
    typedef long long v2di __attribute__((vector_size(16)));
    v2di h;
    memcpy(&h, hit16, 16);
    return (unsigned)__builtin_ia32_pmovmskb128((__attribute__((vector_size(16))) char)h);
#else
    const unsigned char *h = hit16;
    unsigned bits = 0;
    for (int i = 0; i < 16; i++) bits |= (unsigned)(h[i] >> 7) << i;
    return bits;
#endif
}

/* Bit i set where p[i] == c, for the 64 bytes at p (all readable): a
 * frequent byte (the '=' of scripts, one in ~100) is cheaper to walk this
 * way than by restarting memchr after each. */
static inline uint64_t wx_byte_mask64(const char *p, char c)
{
    typedef unsigned char v16 __attribute__((vector_size(16)));
    typedef signed char m16 __attribute__((vector_size(16)));
    v16 want;
    memset(&want, c, 16);
    uint64_t bits = 0;
#pragma GCC unroll 4
    for (int b = 0; b < 4; b++) {
        v16 a;
        memcpy(&a, p + 16 * b, 16);
        m16 hit = (m16)(a == want);
        bits |= (uint64_t)wx_lane_bits(&hit) << (16 * b);
    }
    return bits;
}

/* The first position at or after p where one of lits[0..n) (n <= 4)
 * begins, *which getting its index; or NULL.  Four 16-byte blocks are
 * compared per branch (a hit is rare, the branch per block cost more than
 * the compares), and only the lanes that hit are compared in full. */
static inline const char *wx_literal_next(const char *p, const char *end, const wx_literal *lits, size_t n,
                                          size_t *which)
{
    typedef unsigned char v16 __attribute__((vector_size(16)));
    typedef signed char m16 __attribute__((vector_size(16)));
    enum { MAX_LITS = 4, BLOCKS = 4 };
    v16 first[MAX_LITS], other[MAX_LITS];              /* each byte of the pair, in all 16 lanes */
    size_t reach = 0, k;                               /* bytes a 16-byte step reads past p */
    if (n > MAX_LITS) n = MAX_LITS;
    for (k = 0; k < n; k++) {
        memset(&first[k], lits[k].text[0], 16);
        memset(&other[k], lits[k].text[lits[k].second], 16);
        if (lits[k].second + 16 > reach) reach = lits[k].second + 16;
    }
    while ((size_t)(end - p) >= reach + 16 * (BLOCKS - 1)) {
        m16 hit[BLOCKS], any = {0};
#pragma GCC unroll 4
        for (int b = 0; b < BLOCKS; b++) {
            v16 a;
            memcpy(&a, p + 16 * b, 16);
            hit[b] = (m16){0};
#pragma GCC unroll 4
            for (k = 0; k < n; k++) {
                v16 o;
                memcpy(&o, p + 16 * b + lits[k].second, 16);
                hit[b] |= (a == first[k]) & (o == other[k]);
            }
            any |= hit[b];
        }
        uint64_t lo, hi;
        memcpy(&lo, &any, 8);
        memcpy(&hi, (const char *)&any + 8, 8);
        if (lo | hi) {
            for (int b = 0; b < BLOCKS; b++)
                for (unsigned bits = wx_lane_bits(&hit[b]); bits; bits &= bits - 1) {
                    const char *at = p + 16 * b + __builtin_ctz(bits);
                    if ((k = wx_literal_at(at, end, lits, n)) != 0) { *which = k - 1; return at; }
                }
        }
        p += 16 * BLOCKS;
    }
    for (; p < end; p++)
        if ((k = wx_literal_at(p, end, lits, n)) != 0) { *which = k - 1; return p; }
    return NULL;
}
#endif
#ifdef WX_PARSE_INTERNAL
size_t wx_wayback_prefix_len(const char *s);
char *wx_url_article(const char *biz, const char *mid, const char *idx, const char *sn);
#endif
#ifdef WX_PARSE_INTERNAL
/* Script variables: "name" for var/window./_g. assignments, "d.name" for the
 * cgiData IIFE, "cgi.name" for window.cgiDataNew members. */
typedef struct wx_jsvar { char *key, *value; } wx_jsvar;
typedef struct wx_jsvars {
    wx_jsvar *items;
    size_t count, cap;
    size_t *slots, nslots;     /* hash index into items: index + 1, 0 empty; nslots a power of 2 */
    const char *pictures; size_t pictures_len;    /* picture_page_info_list [ … ] */
    const char *text_page; size_t text_page_len;  /* text_page_info { … } */
} wx_jsvars;
int wx_style_hides(const char *style, size_t n);   /* display: none (dom.c) */
int wx_jsvars_compile(void);
void wx_jsvars_init(wx_jsvars *v);
void wx_jsvars_free(wx_jsvars *v);
void wx_jsvars_scan(wx_jsvars *v, const char *script, size_t len);
const char *wx_jsvars_get(const wx_jsvars *v, const char *key);  /* NULL when absent or "" */
int wx_jsvars_has(const wx_jsvars *v, const char *key);

/* Walk a JS object/array literal: fn gets each member's key (NULL in arrays)
 * and either its scalar value (decoded) or the raw span of a nested one. */
typedef void (*wx_js_member_fn)(void *ctx, const char *key, const char *val,
                                const char *raw, size_t rawlen);
size_t wx_js_object_each(const char *obj, size_t len, wx_js_member_fn fn, void *ctx);
void wx_js_array_each(const char *arr, size_t len, wx_js_member_fn fn, void *ctx);
#endif
#ifdef WX_PARSE_INTERNAL
typedef struct wx_span { const char *s; size_t n; } wx_span;
typedef struct wx_page {
    const char *src; size_t src_len;   /* the page as UTF-8 (points into the doc or `converted`) */
    char *html; size_t html_len;       /* markup with script/style bodies lifted out */
    wx_span *scripts; size_t nscripts, capscripts;   /* inline JS bodies, in page order */
    wx_span content_tpl;               /* <script id="content_tpl" type="text/html"> body */
    char *converted;                   /* UTF-8 copy of a page in another charset */
    int charset_converted;
    int wayback;                       /* a Wayback Machine capture */
    char wayback_ts[15];               /* its 14-digit timestamp, or "" */
    char *wayback_url;                 /* the original URL, when the capture names it */
} wx_page;
int wx_page_split(wx_page *pg, const char *buf, size_t len);
char *wx_charset_to_utf8(const char *buf, size_t len, const char *charset, size_t *outlen);
void wx_page_free(wx_page *pg);
#endif
#ifdef WX_PARSE_INTERNAL
#include <libxml/HTMLparser.h>
typedef struct wx_image {
    char *url, *local, *alt, *near;    /* near: text of the enclosing small block */
    double width, height, ratio;       /* -1 when unknown */
    int in_article_link;
    const char *role;
} wx_image;
typedef struct wx_link { char *url, *text; } wx_link;
typedef struct wx_body {
    wx_buf text;                       /* raw text with a newline at block boundaries */
    wx_image *images; size_t nimages, capimages;
    wx_link *links; size_t nlinks, caplinks;
} wx_body;
htmlDocPtr wx_dom_parse(const char *html, size_t len);
/* The same; when a resource limit halted the parser (the rest of the page
 * is lost), stopped gets a message saying so, else "". */
htmlDocPtr wx_dom_parse_checked(const char *html, size_t len, char *stopped, size_t stoppedsz);
const char *wx_dom_attr(xmlNodePtr n, const char *name);
int wx_dom_has_class(xmlNodePtr n, const char *cls);
xmlNodePtr wx_dom_by_id(xmlNodePtr root, const char *id);
xmlNodePtr wx_dom_by_class(xmlNodePtr root, const char *cls);
xmlNodePtr wx_dom_by_tag(xmlNodePtr root, const char *tag);
const char *wx_dom_meta(xmlNodePtr root, const char *key);
const char *wx_dom_self_url(xmlNodePtr root);
char *wx_dom_text_line(xmlNodePtr n);
void wx_body_walk(xmlNodePtr root, wx_body *b);
void wx_body_add_image(wx_body *b, wx_image img);   /* takes img's strings */
void wx_body_add_link(wx_body *b, char *url, char *text);   /* takes url and text */
void wx_body_free(wx_body *b);
#endif
#ifdef WX_PARSE_INTERNAL
json_t *wx_record_new(const wx_doc *doc);
json_t *wx_json_str(const char *s);
void wx_json_set_str(json_t *obj, const char *key, const char *value);
int wx_json_set_if_null(json_t *obj, const char *key, const char *value);
void wx_record_warn(json_t *rec, const char *msg);
json_t *wx_record_error(json_t *rec, const char *code, const char *message);
#endif
#ifdef WX_PARSE_INTERNAL
/* Markdown archives (markdown.c): sniff by content, then fill the record
 * (status, kind, identity, fields, text, images, links, warnings). */
int wx_markdown_sniff(const char *buf, size_t len);
void wx_markdown_fill(json_t *rec, const wx_doc *doc);

/* YAML front matter: the block between a first line "---" and the next
 * "---" (or "..."), read as flat key/value pairs.  YAML subset: `key: value`
 * with plain, 'single' or "double" quoted scalars (a value that only starts
 * with a quote is plain), `|` / `>` block scalars, indented continuation
 * lines, and `- item` lists (joined with ", ").  Blank and # comment lines
 * are skipped.  Anything else, or no closing line within
 * WX_FRONTMATTER_MAX bytes, means the text has no front matter.
 * Returns 1 and fills fm (body: offset of the first byte after the block),
 * 0 when there is none (fm left empty).  Free with wx_frontmatter_free. */
#define WX_FRONTMATTER_MAX 65536
typedef struct wx_fm_pair { char *key, *value; } wx_fm_pair;
typedef struct wx_frontmatter {
    wx_fm_pair *pairs;
    size_t count, cap;
    size_t body;
} wx_frontmatter;
int wx_frontmatter_parse(wx_frontmatter *fm, const char *buf, size_t len);
const char *wx_frontmatter_get(const wx_frontmatter *fm, const char *key);  /* last one wins */
void wx_frontmatter_free(wx_frontmatter *fm);

/* Images and links of a body into the record, the way HTML pages get them
 * (parse.c): the record's cover first, roles, links then URLs in text. */
void wx_body_emit(json_t *rec, wx_body *b, const char *text);
/* The status a WeChat error message names (verify, deleted, blocked,
 * unavailable), or NULL (parse.c). */
const char *wx_message_status(const char *text);
#endif
#ifdef WX_PARSE_INTERNAL
/* Official-notice metadata (notice.c): an object, or JSON null when the
 * text carries no notice.  dates: what wx_dates_find returned. */
json_t *wx_notice_extract(const char *title, const char *text, json_t *dates);
#endif
