/*
 * Inline-script metadata.  WeChat pages carry their data as JS assignments
 * in many syntaxes across template years:
 *
 *   var biz = "" || "MzI…";            window.ct = '1762338600' || '';
 *   var msg_title = '…'.html(false);   d.title = xml ? getXmlValue('…') : '…';
 *   var nickname = htmlDecode("…");    window.cgiDataNew = { nick_name: JsDecode('…'), … };
 *
 * PCRE2 (JIT) finds the assignments we care about; a tiny JS token scanner
 * then evaluates the right-hand side the way the page would for our
 * purposes: the first non-empty string literal of an || chain, the else
 * branch of a ternary, literals inside htmlDecode()/JsDecode() but not
 * inside other calls.  A right-hand side without a literal (library code
 * such as `var biz = opt.biz || window.biz;`) yields nothing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "text.h"
#include "scan.h"
#include "jsvars.h"
#include "../ingest/strmap.h"

#include <stdio.h>
#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---------- the token scanner ---------- */

typedef enum { TOK_EOF, TOK_STR, TOK_NUM, TOK_IDENT, TOK_PUNCT, TOK_NEWLINE, TOK_REGEX } js_tok_type;

typedef struct {
    js_tok_type type;
    const char *s;   /* for TOK_STR the literal's body, without quotes */
    size_t n;
} js_tok;

typedef struct {
    const char *p, *end;
    int after_value;   /* the last token ends an operand: a '/' now divides */
} js_lex;

/* ASCII classes by hand: the same as <ctype.h> in the C locale (we never
 * call setlocale), without a call and a table lookup per byte; the scan
 * below runs these on every '=' of megabytes of script. */
static int js_digit(int c) { return c >= '0' && c <= '9'; }
static int js_alnum(int c) { return js_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int is_ident_char(int c) { return js_alnum(c) || c == '_' || c == '$' || c >= 0x80; }

/* Skip spaces and comments, stopping at a newline so callers can treat it
 * as a possible statement end. */
static void lex_skip(js_lex *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->p++;
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
            while (lx->p < lx->end && *lx->p != '\n') lx->p++;
        } else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
            const char *e = memmem(lx->p + 2, (size_t)(lx->end - lx->p - 2), "*/", 2);
            lx->p = e ? e + 2 : lx->end;
        } else {
            break;
        }
    }
}

/* Where the regex literal starting at p ('/') ends (after its flags), or
 * NULL when the line ends first: then the '/' was not a regex.  Literals
 * are looked for within REGEX_MAX bytes only, so that a line of unclosed
 * '/[' cannot make every '/' scan the rest of the line. */
enum { REGEX_MAX = 512 };

static const char *regex_end(const char *p, const char *end)
{
    int in_class = 0;
    if (end - p > REGEX_MAX) end = p + REGEX_MAX;
    for (const char *q = p + 1; q < end && *q != '\n'; q++) {
        if (*q == '\\') {
            if (++q >= end || *q == '\n') return NULL;
        } else if (*q == '[') {
            in_class = 1;
        } else if (*q == ']') {
            in_class = 0;
        } else if (*q == '/' && !in_class) {
            if (q == p + 1) return NULL;                /* "//" is a comment */
            for (q++; q < end && isalpha((unsigned char)*q); q++) {}
            return q;
        }
    }
    return NULL;
}

static js_tok lex_token(js_lex *lx);

/* The next token; remembers whether it ended an operand, which decides
 * whether a following '/' divides or starts a regex literal. */
static js_tok lex_next(js_lex *lx)
{
    js_tok t = lex_token(lx);
    if (t.type != TOK_NEWLINE)
        lx->after_value = t.type == TOK_STR || t.type == TOK_NUM || t.type == TOK_IDENT ||
                          t.type == TOK_REGEX || (t.type == TOK_PUNCT && (*t.s == ')' || *t.s == ']'));
    return t;
}

static js_tok lex_token(js_lex *lx)
{
    js_tok t = {TOK_EOF, lx->end, 0};
    lex_skip(lx);
    if (lx->p >= lx->end) return t;
    const char *p = lx->p;
    char c = *p;
    t.s = p;
    if (c == '\n') {
        t.type = TOK_NEWLINE;
        t.n = 1;
        lx->p++;
    } else if (c == '"' || c == '\'' || c == '`') {
        const char *q = p + 1;
        /* only the quote, a backslash or a newline can end the plain run
         * (wx_byte3_next: lex_next over the bench pages 42.9 M -> 20.2 M
         * instructions, as cgiDataNew carries the article as a string) */
        while ((q = wx_byte3_next(q, lx->end, c, '\\', '\n')) < lx->end && *q != c) {
            if (*q == '\\' && q + 1 < lx->end) q++;
            else if (*q == '\n' && c != '`') break;   /* unterminated: stop at the line end */
            q++;
        }
        t.type = TOK_STR;
        t.s = p + 1;
        t.n = (size_t)(q - (p + 1));
        lx->p = (q < lx->end && *q == c) ? q + 1 : q;
    } else if (c == '/' && !lx->after_value && regex_end(p, lx->end)) {
        /* a regex literal: its quotes must not start strings (/"/g) */
        t.type = TOK_REGEX;
        t.n = (size_t)(regex_end(p, lx->end) - p);
        lx->p = p + t.n;
    } else if (js_digit((unsigned char)c)) {
        const char *q = p;
        while (q < lx->end && (js_alnum((unsigned char)*q) || *q == '.')) q++;
        t.type = TOK_NUM;
        t.n = (size_t)(q - p);
        lx->p = q;
    } else if (is_ident_char((unsigned char)c)) {
        const char *q = p;
        while (q < lx->end && is_ident_char((unsigned char)*q)) q++;
        t.type = TOK_IDENT;
        t.n = (size_t)(q - p);
        lx->p = q;
    } else {
        t.type = TOK_PUNCT;
        t.n = 1;
        lx->p++;
    }
    return t;
}

static int tok_is(js_tok t, char c) { return t.type == TOK_PUNCT && *t.s == c; }

/* Calls whose string arguments are the value itself rather than a lookup
 * key (getXmlValue('title.DATA') is a key). */
static int call_is_transparent(js_tok callee)
{
    static const char *const names[] = {"htmlDecode", "JsDecode", "decodeURIComponent",
                                        "String", "Number", "parseInt", "unescape", NULL};
    if (callee.type != TOK_IDENT) return 1;        /* plain grouping: ( … ) */
    for (int i = 0; names[i]; i++)
        if (callee.n == strlen(names[i]) && memcmp(callee.s, names[i], callee.n) == 0) return 1;
    return 0;
}

/* The assignment scan's look-ahead: where the next assignment of interest
 * starts.  A right-hand side ends there, so every byte of a script is lexed
 * by one right-hand side at most; re-lexing the rest of the script for each
 * match made `a=a=a=…` or an unterminated right-hand side quadratic. */
struct script_index;

typedef struct {
    const char *script;
    size_t len;
    const struct script_index *ix;   /* where matches may start (NULL: search) */
    pcre2_match_data *md;
    int have;                  /* 0: no assignment at or after the last seek */
    size_t start, end;         /* the match: "var title =" from start to end */
    char key[64];
} assign_cursor;

static void cursor_seek(assign_cursor *c, size_t from);

/* Evaluate one right-hand side up to its end (';', a ',' or closing
 * bracket at depth 0, or a newline after a complete operand).  Sets *val to
 * the decoded value and returns 1 when a literal was found ("" counts).
 * With a cursor, the right-hand side also ends where the next assignment
 * begins; *chained is set when that happens at depth 0 before any literal
 * (`window.msg_title = window.title = '…'`), *empty when a "" was seen. */
static int rhs_value_until(js_lex *lx, char **val, assign_cursor *cur, int *chained, int *empty)
{
    enum { MAXD = 64 };
    unsigned char opaque[MAXD];
    int depth = 0, opaque_open = 0, tokens = 0;
    js_tok prev = {TOK_PUNCT, "=", 1}, found = {TOK_EOF, NULL, 0}, number = {TOK_EOF, NULL, 0};
    int have_empty = 0;
    for (;;) {
        if (cur) {
            lex_skip(lx);
            size_t at = (size_t)(lx->p - cur->script);
            /* a match that began inside a string or comment we consumed is text, not code */
            if (cur->have && at > cur->start) cursor_seek(cur, at);
            if (cur->have && at == cur->start) {
                *chained = depth == 0 && found.type == TOK_EOF;
                *empty = have_empty;
                if (*chained) return 0;
                break;
            }
        }
        js_tok t = lex_next(lx);
        if (t.type == TOK_EOF) break;
        if (t.type == TOK_NEWLINE) {
            if (depth == 0 && (prev.type == TOK_STR || prev.type == TOK_NUM || prev.type == TOK_IDENT ||
                               prev.type == TOK_REGEX || tok_is(prev, ')')))
                break;
            continue;
        }
        if (t.type == TOK_PUNCT && depth == 0 &&
            (tok_is(t, ';') || tok_is(t, ',') || tok_is(t, '}') || tok_is(t, ']') || tok_is(t, ')'))) {
            lx->p = t.s;                             /* leave the terminator to the caller */
            break;
        }
        if (tok_is(t, '(') || tok_is(t, '[') || tok_is(t, '{')) {
            int op = !(tok_is(t, '(') && call_is_transparent(prev));
            if (depth < MAXD) opaque[depth] = (unsigned char)op;
            opaque_open += op;
            depth++;
        } else if (tok_is(t, ')') || tok_is(t, ']') || tok_is(t, '}')) {
            depth--;
            if (depth < MAXD) opaque_open -= opaque[depth];
        } else if (depth == 0 && (tok_is(t, '?') || (tok_is(t, ':')))) {
            found.type = TOK_EOF;                    /* condition / then-branch: discard */
            have_empty = 0;
        } else if (t.type == TOK_STR && opaque_open == 0 && found.type == TOK_EOF) {
            if (t.n > 0) found = t;
            else have_empty = 1;
        } else if (t.type == TOK_NUM && tokens == 0) {
            number = t;
        }
        tokens++;
        prev = t;
    }
    if (found.type == TOK_EOF && number.type == TOK_NUM && tokens == 1) found = number;
    if (found.type != TOK_EOF) {
        *val = wx_js_unescape(found.s, found.n);
        return *val != NULL;
    }
    if (have_empty) {
        *val = strdup("");
        return *val != NULL;
    }
    return 0;
}

static int rhs_value(js_lex *lx, char **val)
{
    int chained = 0, empty = 0;
    return rhs_value_until(lx, val, NULL, &chained, &empty);
}

/* Skip a balanced {…} or […] starting at lx->p (which points at the opener).
 * Strings and comments inside are honoured. */
static void skip_balanced(js_lex *lx)
{
    int depth = 0;
    for (;;) {
        js_tok t = lex_next(lx);
        if (t.type == TOK_EOF) return;
        if (tok_is(t, '{') || tok_is(t, '[') || tok_is(t, '(')) depth++;
        else if (tok_is(t, '}') || tok_is(t, ']') || tok_is(t, ')')) {
            if (--depth <= 0) return;
        }
    }
}

/* ---------- the variable table ---------- */

void wx_jsvars_init(wx_jsvars *v) { memset(v, 0, sizeof *v); }

void wx_jsvars_free(wx_jsvars *v)
{
    for (size_t i = 0; i < v->count; i++) {
        free(v->items[i].key);
        free(v->items[i].value);
    }
    free(v->items);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

/* A page sets ~140 variables (cgiDataNew alone has ~100 members) and every
 * set looks its key up first: a hash index instead of a scan of the table
 * (FNV-1a, open addressing, at most half full). */
static size_t *find_slot(const wx_jsvars *v, const char *key)
{
    size_t mask = v->nslots - 1;
    for (size_t i = (size_t)wx_hash_str(key) & mask;; i = (i + 1) & mask) {
        size_t *slot = &v->slots[i];
        if (*slot == 0 || strcmp(v->items[*slot - 1].key, key) == 0) return slot;
    }
}

static wx_jsvar *find_var(const wx_jsvars *v, const char *key)
{
    if (!v->nslots) return NULL;
    size_t *slot = find_slot(v, key);
    return *slot ? &v->items[*slot - 1] : NULL;
}

/* Room for one more key in the index: doubled and refilled when it would
 * pass half full.  Returns -1 when out of memory. */
static int index_reserve(wx_jsvars *v)
{
    if ((v->count + 1) * 2 <= v->nslots) return 0;
    size_t n = v->nslots ? v->nslots * 2 : 64;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots) return -1;
    free(v->slots);
    v->slots = slots;
    v->nslots = n;
    for (size_t i = 0; i < v->count; i++) *find_slot(v, v->items[i].key) = i + 1;
    return 0;
}

/* First non-empty value wins: pages assign some variables several times,
 * once empty ("" || "") and once for real. Takes ownership of value. */
static void set_var(wx_jsvars *v, const char *key, char *value)
{
    wx_jsvar *e = find_var(v, key);
    if (e) {
        if (!*e->value && *value) { free(e->value); e->value = value; }
        else free(value);
        return;
    }
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 32;
        wx_jsvar *items = realloc(v->items, cap * sizeof *items);
        if (!items) { free(value); return; }
        v->items = items;
        v->cap = cap;
    }
    char *copy = strdup(key);
    if (!copy || index_reserve(v) != 0) { free(copy); free(value); return; }
    v->items[v->count].key = copy;
    v->items[v->count].value = value;
    v->count++;
    *find_slot(v, copy) = v->count;
}

const char *wx_jsvars_get(const wx_jsvars *v, const char *key)
{
    wx_jsvar *e = find_var(v, key);
    return (e && *e->value) ? e->value : NULL;
}

int wx_jsvars_has(const wx_jsvars *v, const char *key) { return find_var(v, key) != NULL; }

/* ---------- object literals (window.cgiDataNew, picture lists) ---------- */

/* Read an object key: identifier or quoted string.  Returns 0 at the end
 * (*closed set when that end is the object's '}', after a trailing comma). */
static int object_key(js_lex *lx, char *key, size_t keysz, int *closed)
{
    for (;;) {
        js_tok t = lex_next(lx);
        if (t.type == TOK_NEWLINE || tok_is(t, ',')) continue;
        *closed = tok_is(t, '}');
        if (t.type != TOK_IDENT && t.type != TOK_STR && t.type != TOK_NUM) return 0;
        size_t n = t.n < keysz - 1 ? t.n : keysz - 1;
        memcpy(key, t.s, n);
        key[n] = '\0';
        js_tok colon = lex_next(lx);
        while (colon.type == TOK_NEWLINE) colon = lex_next(lx);
        return tok_is(colon, ':');
    }
}

size_t wx_js_object_each(const char *obj, size_t len, wx_js_member_fn fn, void *ctx)
{
    js_lex lx = {obj, obj + len, 0};
    js_tok open = lex_next(&lx);
    while (open.type == TOK_NEWLINE) open = lex_next(&lx);
    if (!tok_is(open, '{')) return 0;
    char key[128];
    int closed = 0;
    while (object_key(&lx, key, sizeof key, &closed)) {
        lex_skip(&lx);
        while (lx.p < lx.end && (*lx.p == '\n' || isspace((unsigned char)*lx.p))) lx.p++;
        if (lx.p < lx.end && (*lx.p == '{' || *lx.p == '[')) {
            const char *start = lx.p;
            skip_balanced(&lx);
            fn(ctx, key, NULL, start, (size_t)(lx.p - start));
        } else {
            char *val = NULL;
            if (rhs_value(&lx, &val)) { fn(ctx, key, val, NULL, 0); free(val); }
        }
        js_tok sep = lex_next(&lx);
        while (sep.type == TOK_NEWLINE) sep = lex_next(&lx);
        if (tok_is(sep, '}')) return (size_t)(lx.p - obj);
        if (!tok_is(sep, ',')) return 0;
    }
    return closed ? (size_t)(lx.p - obj) : 0;
}

void wx_js_array_each(const char *arr, size_t len, wx_js_member_fn fn, void *ctx)
{
    js_lex lx = {arr, arr + len, 0};
    js_tok open = lex_next(&lx);
    while (open.type == TOK_NEWLINE) open = lex_next(&lx);
    if (!tok_is(open, '[')) return;
    for (;;) {
        lex_skip(&lx);
        while (lx.p < lx.end && isspace((unsigned char)*lx.p)) lx.p++;
        if (lx.p >= lx.end || *lx.p == ']') return;
        if (*lx.p == '{' || *lx.p == '[') {
            const char *start = lx.p;
            skip_balanced(&lx);
            fn(ctx, NULL, NULL, start, (size_t)(lx.p - start));
        } else {
            char *val = NULL;
            if (rhs_value(&lx, &val)) { fn(ctx, NULL, val, NULL, 0); free(val); }
        }
        js_tok sep = lex_next(&lx);
        while (sep.type == TOK_NEWLINE) sep = lex_next(&lx);
        if (!tok_is(sep, ',')) return;
    }
}

/* cgiDataNew members: scalars become "cgi.<key>"; the nested lists we need
 * are kept as raw spans for later walks. */
static void cgi_member(void *ctx, const char *key, const char *val, const char *raw, size_t rawlen)
{
    wx_jsvars *v = ctx;
    if (!key) return;
    if (val) {
        char full[160];
        snprintf(full, sizeof full, "cgi.%s", key);
        char *copy = strdup(val);
        if (copy) set_var(v, full, copy);
    } else if (strcmp(key, "picture_page_info_list") == 0 && !v->pictures && rawlen > 4) {
        v->pictures = raw;
        v->pictures_len = rawlen;
    } else if (strcmp(key, "text_page_info") == 0 && !v->text_page) {
        v->text_page = raw;
        v->text_page_len = rawlen;
    }
}

/* ---------- the assignment scan ---------- */

static pcre2_code *assign_re;
static pcre2_code *object_re;
static pcre2_code *notice_re;
static pcre2_match_context *match_ctx;
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;
static int compile_ok;

/* Bounds on one pcre2_match call, so a hostile script cannot make a match
 * run away (catastrophic backtracking); a match that hits them just fails.
 * The context is created once and only read afterwards, so threads share it. */
#define WX_PCRE2_MATCH_LIMIT 5000000
#define WX_PCRE2_DEPTH_LIMIT 10000

#define VAR_NAMES                                                                         \
    "biz|mid|idx|sn|appmsgid|msg_title|title|nickname|nick_name|user_name|alias|ct|"      \
    "create_time|publish_time|oriCreateTime|createTime|msg_desc|desc|msg_cdn_url|cdn_url|" \
    "msg_link|link|msg_source_url|source_url|author|copyright_stat|_copyright_stat|"       \
    "item_show_type|real_item_show_type|round_head_img|hd_head_img|ori_head_img_url|"       \
    "source_encode_biz|source_mid|source_idx|source_sn|source_username|source_nickname|"   \
    "reprint_type|ct_str|is_user_title|video_title|name|appmsg_type"

static pcre2_code *compile(const char *pattern)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    if (re) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static void index_names(void);

static void compile_patterns(void)
{
    index_names();
    assign_re = compile("(?<![\\w$.])(var\\s+|let\\s+|const\\s+|window\\.|_g\\.|d\\.)"
                        "(" VAR_NAMES ")\\s*=(?!=)");
    /* The optional "window." sits in a lookbehind so that every match
     * starts with a literal name: JIT then finds candidates with a SIMD
     * search instead of trying every w/c/p in the script (4x faster). */
    object_re = compile("(?:(?<![\\w$.])|(?<=(?<![\\w$.])window\\.))"
                        "(cgiDataNew|cgiData|picture_page_info_list)\\s*=\\s*(?=[{\\[])");
    /* Old share pages write the sharer's comment from script. */
    notice_re = compile("(?:getElementById\\(\\s*['\"]js_share_notice['\"]\\s*\\)\\.innerHTML\\s*="
                        "|document\\.write\\s*\\()");
    match_ctx = pcre2_match_context_create(NULL);
    if (match_ctx) {
        pcre2_set_match_limit(match_ctx, WX_PCRE2_MATCH_LIMIT);
        pcre2_set_depth_limit(match_ctx, WX_PCRE2_DEPTH_LIMIT);
    }
    compile_ok = assign_re && object_re && notice_re && match_ctx;
}

int wx_jsvars_compile(void)
{
    pthread_once(&compile_once, compile_patterns);
    return compile_ok ? 0 : -1;
}

/* ---------- finding assign_re's matches fast ----------
 *
 * assign_re can start at any v, l, c, w, _ or d, so PCRE2 has no literal to
 * search for and tries most of the script's bytes: on real pages that was a
 * third of all parsing time.  Every match ends with a '=' that is not part
 * of '==', and the text before that '=' decides everything: blanks, then
 * the name (the longest run of [A-Za-z0-9_] before them), then the prefix
 * (var/let/const and blanks, or window./_g./d.), which must not follow
 * [\w$.].  So memchr walks the '=' signs, those checks reject nearly all
 * of them, and assign_re itself, anchored, runs only where a match starts
 * (filling md exactly as the unanchored search would).  Matches cannot
 * nest, so the first '=' that passes gives the leftmost match. */

/* VAR_NAMES split up by length (built once, with the patterns): the
 * names of length n, NULL-terminated, in names_by_len[n]. */
#define NAME_MAX_LEN 32
static char name_store[sizeof VAR_NAMES];
static const char *name_ptrs[sizeof VAR_NAMES + NAME_MAX_LEN + 1];
static const char *const *names_by_len[NAME_MAX_LEN + 1];

static void index_names(void)
{
    memcpy(name_store, VAR_NAMES, sizeof VAR_NAMES);
    size_t k = 0;
    for (size_t len = 1; len <= NAME_MAX_LEN; len++) {
        size_t first = k;
        for (char *w = name_store; *w; ) {
            size_t n = strcspn(w, "|");
            if (n == len) name_ptrs[k++] = w;
            w += n + (w[n] == '|');
        }
        if (k > first) { names_by_len[len] = &name_ptrs[first]; name_ptrs[k++] = NULL; }
    }
}

static int js_blank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
/* \w of PCRE2 without UCP: [A-Za-z0-9_].  A table, as the index reads the
 * name before every '=' of megabytes of script with it. */
#define W1(c) [c] = 1
static const unsigned char word_char[256] = {
    W1('0'), W1('1'), W1('2'), W1('3'), W1('4'), W1('5'), W1('6'), W1('7'), W1('8'), W1('9'), W1('_'),
    W1('A'), W1('B'), W1('C'), W1('D'), W1('E'), W1('F'), W1('G'), W1('H'), W1('I'), W1('J'), W1('K'), W1('L'), W1('M'),
    W1('N'), W1('O'), W1('P'), W1('Q'), W1('R'), W1('S'), W1('T'), W1('U'), W1('V'), W1('W'), W1('X'), W1('Y'), W1('Z'),
    W1('a'), W1('b'), W1('c'), W1('d'), W1('e'), W1('f'), W1('g'), W1('h'), W1('i'), W1('j'), W1('k'), W1('l'), W1('m'),
    W1('n'), W1('o'), W1('p'), W1('q'), W1('r'), W1('s'), W1('t'), W1('u'), W1('v'), W1('w'), W1('x'), W1('y'), W1('z'),
};
#undef W1
static int js_word(unsigned char c) { return word_char[c]; }
static int js_word_or_dot(unsigned char c) { return js_word(c) || c == '$' || c == '.'; }

/* Does the keyword kw end at script[end] and stand alone on its left? */
static int prefix_at(const char *script, size_t end, const char *kw, size_t *start)
{
    size_t n = strlen(kw);
    if (end < n || memcmp(script + end - n, kw, n) != 0) return 0;
    size_t at = end - n;
    if (at > 0 && js_word_or_dot((unsigned char)script[at - 1])) return 0;
    *start = at;
    return 1;
}

/* The name before the '=' at script[eq]: blanks skipped, then the run of
 * word characters, of which at most 33 are read (no name we look for is
 * longer).  Its start goes to *name; returns its length. */
static size_t name_before(const char *script, size_t eq, size_t *name)
{
    size_t q = eq;
    while (q > 0 && js_blank((unsigned char)script[q - 1])) q--;
    size_t name_end = q, stop = q > 33 ? q - 33 : 0;
    while (q > stop && js_word((unsigned char)script[q - 1])) q--;
    *name = q;
    return name_end - q;
}

/* Where a match of assign_re that ends at the '=' at script[eq] starts,
 * or (size_t)-1; q and n: the name before that '=' (name_before). */
static size_t assign_start_named(const char *script, size_t len, size_t eq, size_t q, size_t n)
{
    if (eq + 1 < len && script[eq + 1] == '=') return (size_t)-1;
    if (n == 0 || n > 32 || q == 0) return (size_t)-1;
    /* the name first: it rejects nearly every '=' of library code */
    const char *const *w = names_by_len[n];
    while (w && *w && ((*w)[0] != script[q] || memcmp(*w, script + q, n) != 0)) w++;
    if (!w || !*w) return (size_t)-1;
    size_t start;
    char c = script[q - 1];
    if (c == '.') {
        if (!prefix_at(script, q - 1, "window", &start) && !prefix_at(script, q - 1, "_g", &start) &&
            !prefix_at(script, q - 1, "d", &start))
            return (size_t)-1;
    } else if (js_blank((unsigned char)c)) {
        size_t k = q - 1;
        while (k > 0 && js_blank((unsigned char)script[k - 1])) k--;
        if (!prefix_at(script, k, "var", &start) && !prefix_at(script, k, "let", &start) &&
            !prefix_at(script, k, "const", &start))
            return (size_t)-1;
    } else {
        return (size_t)-1;
    }
    return start;
}

static size_t assign_start(const char *script, size_t len, size_t eq)
{
    size_t q, n = name_before(script, eq, &q);
    return assign_start_named(script, len, eq, q, n);
}

/* ---------- one pass over a script: where matches may start ----------
 *
 * Every match of assign_re and of object_re ends at an '=' (a name, blanks,
 * '='), and so does notice_re's innerHTML form; its other form starts with
 * "document.write".  So one walk over a script's '=' signs (64 bytes at a
 * time, wx_byte_mask64) finds every place where one of them can match: the
 * name before each '=' is read once (name_before), and from it come the
 * start assign_start would give for assign_re, the name's start when it is
 * one of object_re's names (the whole word-character run, as object_re's
 * look-behind wants), and whether the '=' ends a js_share_notice innerHTML
 * assignment; one byte-pair scan looks for
 * "document.write".  The regexes then run anchored at those places only.
 * Before, a scan for object_re's and notice_re's literals (four byte pairs)
 * and a second walk for object_re went over every script byte as well. */
enum { OBJECT_SEEN_MAX = 16 };
typedef struct script_index {
    size_t *assign, nassign, capassign;   /* assign_start of each '=' that has one, in order */
    int assign_ok;                        /* 0: out of memory, search instead */
    size_t object[OBJECT_SEEN_MAX], nobject;   /* starts of object_re's names before an '=' */
    int object_more;                      /* more than OBJECT_SEEN_MAX: search past the last */
    int notice_possible;                  /* notice_re can match */
    int inner_html;                       /* some '=' follows ").innerHTML" and blanks */
} script_index;

/* Is script[q..q+n) one of object_re's names? */
static int is_object_name(const char *script, size_t q, size_t n)
{
    return (n == 7 && memcmp(script + q, "cgiData", 7) == 0) || (n == 10 && memcmp(script + q, "cgiDataNew", 10) == 0) ||
           (n == 22 && memcmp(script + q, "picture_page_info_list", 22) == 0);
}

/* Does the '=' at s[eq] end getElementById('js_share_notice').innerHTML =
 * exactly as notice_re spells it (\s* where it allows blanks)? */
static int ends_notice_assign(const char *s, size_t eq)
{
    size_t q = eq;
    while (q > 0 && js_blank((unsigned char)s[q - 1])) q--;
    if (q < 11 || memcmp(s + q - 11, ").innerHTML", 11) != 0) return 0;
    q -= 11;
    while (q > 0 && js_blank((unsigned char)s[q - 1])) q--;
    if (q < 17 || (s[q - 1] != '\'' && s[q - 1] != '"') || memcmp(s + q - 16, "js_share_notice", 15) != 0 ||
        (s[q - 17] != '\'' && s[q - 17] != '"'))
        return 0;
    q -= 17;
    while (q > 0 && js_blank((unsigned char)s[q - 1])) q--;
    return q >= 15 && memcmp(s + q - 15, "getElementById(", 15) == 0;
}

static const wx_literal document_write[] = {{"document.write", 14, 8}};

/* The '=' signs among the 64 bytes at script[base] (fewer at the end), as
 * bits: both walks over a script's '=' signs go 64 bytes at a time. */
static uint64_t eq_signs(const char *script, size_t len, size_t base)
{
    if (len - base >= 64) return wx_byte_mask64(script + base, '=');
    uint64_t bits = 0;
    for (size_t i = 0; base + i < len; i++)
        if (script[base + i] == '=') bits |= (uint64_t)1 << i;
    return bits;
}

static void index_script(script_index *ix, const char *script, size_t len)
{
    memset(ix, 0, sizeof *ix);
    ix->assign_ok = 1;
    for (size_t base = 0; base < len; base += 64) {
        uint64_t bits = eq_signs(script, len, base);
        for (; bits; bits &= bits - 1) {
            size_t eq = base + (size_t)__builtin_ctzll(bits), name;
            size_t n = name_before(script, eq, &name);
            if (n == 0 || n > 32) continue;
            size_t start = assign_start_named(script, len, eq, name, n);
            if (start != (size_t)-1 && ix->assign_ok) {
                if (ix->nassign == ix->capassign) {
                    size_t cap = ix->capassign ? ix->capassign * 2 : 64;
                    size_t *grown = realloc(ix->assign, cap * sizeof *grown);
                    if (!grown) { ix->assign_ok = 0; continue; }
                    ix->assign = grown;
                    ix->capassign = cap;
                }
                ix->assign[ix->nassign++] = start;
            }
            if (is_object_name(script, name, n)) {
                if (ix->nobject < OBJECT_SEEN_MAX) ix->object[ix->nobject++] = name;
                else ix->object_more = 1;
            }
            if (n == 9 && !ix->notice_possible && ends_notice_assign(script, eq)) ix->notice_possible = 1;
            if (n == 9 && name >= 2 && script[name - 1] == '.' && script[name - 2] == ')' &&
                memcmp(script + name, "innerHTML", 9) == 0)
                ix->inner_html = 1;
        }
    }
    size_t which;
    if (!ix->notice_possible && wx_literal_next(script, script + len, document_write, 1, &which))
        ix->notice_possible = 1;
}

static void index_free(script_index *ix) { free(ix->assign); }

/* pcre2_match(assign_re, script, len, from, 0, md, …), the fast way: the
 * regex runs anchored where assign_start says a match can start, taken
 * from the index or (ix NULL) found by walking the '=' signs from `from`. */
static int assign_match(const char *script, size_t len, size_t from, pcre2_match_data *md, const script_index *ix)
{
    if (ix && ix->assign_ok) {
        size_t lo = 0, hi = ix->nassign;               /* first start >= from */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ix->assign[mid] < from) lo = mid + 1;
            else hi = mid;
        }
        for (size_t i = lo; i < ix->nassign; i++) {
            int rc = pcre2_match(assign_re, (PCRE2_SPTR)script, len, ix->assign[i], PCRE2_ANCHORED, md, match_ctx);
            if (rc >= 0) return rc;
        }
        return PCRE2_ERROR_NOMATCH;
    }
    for (size_t base = from; base < len; base += 64) {
        uint64_t bits = eq_signs(script, len, base);
        for (; bits; bits &= bits - 1) {
            size_t start = assign_start(script, len, base + (size_t)__builtin_ctzll(bits));
            if (start == (size_t)-1 || start < from) continue;
            int rc = pcre2_match(assign_re, (PCRE2_SPTR)script, len, start, PCRE2_ANCHORED, md, match_ctx);
            if (rc >= 0) return rc;
        }
    }
    return PCRE2_ERROR_NOMATCH;
}

/* Move the cursor to the first assignment starting at or after `from`
 * (the look-behind may still see the bytes before it).  A match that hits
 * the PCRE2 limits ends the scan like no match. */
static void cursor_seek(assign_cursor *c, size_t from)
{
    c->have = from < c->len &&
              assign_match(c->script, c->len, from, c->md, c->ix) >= 0;
    if (!c->have) {
        c->start = c->end = c->len;
        return;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    int is_d = (ov[3] - ov[2] == 2 && c->script[ov[2]] == 'd');
    snprintf(c->key, sizeof c->key, "%s%.*s", is_d ? "d." : "", (int)(ov[5] - ov[4]), c->script + ov[4]);
    c->start = ov[0];
    c->end = ov[1];
}

/* Keys of a chain `a = b = … =` waiting for the value at its end.  Keys
 * come from VAR_NAMES (with or without "d."), so a small set holds them. */
typedef struct {
    struct { char key[64]; int empty; } k[128];
    size_t n;
} assign_chain;

static void chain_add(assign_chain *ch, const char *key, int empty)
{
    for (size_t i = 0; i < ch->n; i++)
        if (strcmp(ch->k[i].key, key) == 0) { ch->k[i].empty |= empty; return; }
    if (ch->n == sizeof ch->k / sizeof ch->k[0]) return;
    snprintf(ch->k[ch->n].key, sizeof ch->k[ch->n].key, "%s", key);
    ch->k[ch->n++].empty = empty;
}

/* The chain ends: each waiting key takes the value at its end (val may be
 * NULL: then a key that saw "" on its own gets "", like a lone right-hand side). */
static void chain_resolve(wx_jsvars *v, assign_chain *ch, const char *val)
{
    for (size_t i = 0; i < ch->n; i++) {
        const char *x = val ? val : (ch->k[i].empty ? "" : NULL);
        char *copy = x ? strdup(x) : NULL;
        if (copy) set_var(v, ch->k[i].key, copy);
    }
    ch->n = 0;
}

/* var/window./_g./d. assignments, in order.  Each right-hand side is read
 * up to the next assignment at most (see assign_cursor), so the scan is
 * linear in the script whatever it contains. */
static void scan_assignments(wx_jsvars *v, const char *script, size_t len, const script_index *ix)
{
    assign_cursor cur = {script, len, ix, pcre2_match_data_create_from_pattern(assign_re, NULL), 0, 0, 0, ""};
    if (!cur.md) return;
    /* only the count is set: an initializer zeroed all 128 keys (8.7 KB)
     * for each of a page's ~25 scripts, and chain_add writes each key
     * before it is read (scan_assignments over the bench pages 31.2 M ->
     * 15.8 M instructions) */
    assign_chain chain;
    chain.n = 0;
    cursor_seek(&cur, 0);
    while (cur.have) {
        char key[64];
        memcpy(key, cur.key, sizeof key);
        js_lex lx = {script + cur.end, script + len, 0};
        cursor_seek(&cur, cur.end);
        char *val = NULL;
        int chained = 0, empty = 0;
        if (rhs_value_until(&lx, &val, &cur, &chained, &empty)) {
            chain_resolve(v, &chain, val);
            set_var(v, key, val);
        } else if (chained) {
            chain_add(&chain, key, empty);
        } else {
            chain_resolve(v, &chain, NULL);
        }
        size_t at = (size_t)(lx.p - script);
        if (cur.have && cur.start < at) cursor_seek(&cur, at);
    }
    chain_resolve(v, &chain, NULL);
    pcre2_match_data_free(cur.md);
}

/* Scanning for object_re's names, where the index overflowed. */
enum { OBJECT_LITS = 2 };
static const wx_literal object_lits[] = {{"cgiData", 7, 3}, {"picture_page_info_list", 22, 7}};

/* pcre2_match(object_re, script, len, from, 0, md, …): every match starts
 * at one of the names, so object_re runs anchored at their occurrences
 * only, in order; the first that matches is the leftmost match.  The
 * occurrences come from the index (ix) or, past what it holds or with ix
 * NULL, from a byte-pair scan for the names. */
static int object_match(const char *script, size_t len, size_t from, pcre2_match_data *md, const script_index *ix)
{
    const char *end = script + len, *p = script + from;
    if (ix) {
        for (size_t i = 0; i < ix->nobject; i++) {
            if (ix->object[i] < from) continue;
            int rc = pcre2_match(object_re, (PCRE2_SPTR)script, len, ix->object[i], PCRE2_ANCHORED, md, match_ctx);
            if (rc >= 0) return rc;
        }
        if (!ix->object_more) return PCRE2_ERROR_NOMATCH;
        if (ix->nobject && ix->object[ix->nobject - 1] + 1 > from) p = script + ix->object[ix->nobject - 1] + 1;
    }
    size_t which;
    for (; p < end && (p = wx_literal_next(p, end, object_lits, OBJECT_LITS, &which)); p++) {
        int rc = pcre2_match(object_re, (PCRE2_SPTR)script, len, (PCRE2_SIZE)(p - script), PCRE2_ANCHORED, md,
                             match_ctx);
        if (rc >= 0) return rc;
    }
    return PCRE2_ERROR_NOMATCH;
}

/* Scan one inline script for the assignments of interest. */
int wx_jsvars_scan(wx_jsvars *v, const char *script, size_t len)
{
    if (len == 0) return 0;
    if (wx_jsvars_compile() != 0) return 1;
    script_index ix;
    index_script(&ix, script, len);
    scan_assignments(v, script, len, &ix);

    pcre2_match_data *md = pcre2_match_data_create_from_pattern(notice_re, NULL);
    if (md && ix.notice_possible && pcre2_match(notice_re, (PCRE2_SPTR)script, len, 0, 0, md, match_ctx) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        js_lex lx = {script + ov[1], script + len, 0};
        char *val = NULL;
        /* document.write of markup is page machinery, not the comment */
        if (rhs_value(&lx, &val)) {
            if (val[0] != '<') set_var(v, "share_notice", val);
            else free(val);
        }
    }
    pcre2_match_data_free(md);

    md = ix.nobject ? pcre2_match_data_create_from_pattern(object_re, NULL) : NULL;
    PCRE2_SIZE start = 0;
    while (md && start < len && object_match(script, len, start, md, &ix) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        const char *open = script + ov[1];
        size_t span = 0;
        /* An object is walked once: the walk ends on its closing brace,
         * which is where skip_balanced would end too (test_fastscan checks
         * that).  Only when the walk stops short (a member it cannot read)
         * is the end looked for apart. */
        if (script[ov[2]] != 'p') span = wx_js_object_each(open, len - ov[1], cgi_member, v);
        if (!span) {
            js_lex lx = {open, script + len, 0};
            skip_balanced(&lx);
            span = (size_t)(lx.p - open);
        }
        if (script[ov[2]] == 'p' && !v->pictures && span > 4) {   /* window.picture_page_info_list = [ … ] */
            v->pictures = open;
            v->pictures_len = span;
        }
        start = ov[1] + (span ? span : 1);
    }
    pcre2_match_data_free(md);
    index_free(&ix);
    return ix.inner_html;
}
