/*
 * Official notices (通知, 公告, 公文).  Chinese official documents follow one
 * layout (GB/T 9704-2012, 党政机关公文格式), and WeChat reposts keep its
 * order even when they lose the typography:
 *
 *     关于……的通知                     title: 关于 … 的 <kind>
 *     网安秘字〔2024〕35号             document number
 *     各位委员、各工作组：             addressees (主送), ending in a colon
 *     body … 于2024年5月31日前 …       deadlines (from the dates scanner)
 *     附件：1．…  2．…                 attachments
 *     联系人：… 电话 … 邮箱 …          contacts
 *     全国……委员会秘书处               issuer, the line above the date
 *     2024年5月8日                      signing date, alone on its line
 *     （来源：……）                      source
 *
 * We find the title line, then read the rest of the text in that order.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "text.h"
#include "record.h"
#include "notice.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pcre2_code *title_re, *docno_re, *source_re, *phone_re, *email_re, *attach_re, *kind_re;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Bounds on one pcre2_match call (see jsvars.c): the title pattern has a
 * lazy .{1,150}? and lines come from untrusted pages.  Created once in
 * compile_all and only read afterwards, so threads share it. */
#define WX_PCRE2_MATCH_LIMIT 5000000
#define WX_PCRE2_DEPTH_LIMIT 10000
static pcre2_match_context *match_ctx;

static pcre2_code *compile(const char *pattern)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
    if (re) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

#define KINDS "通知|公告|通告|通报|函|决定|意见|办法|规定|批复|决议|命令|公报|报告|请示|通知书|细则|方案|规划|纪要"

static void compile_all(void)
{
    title_re = compile("^(?:关于|印发|转发).{1,150}?的(?:" KINDS ")(?:[（(][^）)]{0,20}[）)])?$");
    kind_re = compile("(" KINDS ")(?:[（(][^）)]{0,20}[）)])?$");
    docno_re = compile("\\p{Han}{1,12}\\s*[〔\\[【（(]\\s*(?:19|20)\\d\\d\\s*[〕\\]】）)]\\s*\\d{1,5}\\s*号");
    source_re = compile("^[（(]\\s*来源\\s*[：:]\\s*([^）)]{1,60})[）)]\\s*$");
    phone_re = compile("(?<![\\d-])(?:\\(?0\\d{2,3}\\)?[-－ ]?\\d{7,8}(?:[-－]\\d{1,5})?|1[3-9]\\d{9})(?![\\d])");
    email_re = compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
    attach_re = compile("^附件\\s*\\d*\\s*[：:]\\s*(.*)$");
    match_ctx = pcre2_match_context_create(NULL);
    if (match_ctx) {
        pcre2_set_match_limit(match_ctx, WX_PCRE2_MATCH_LIMIT);
        pcre2_set_depth_limit(match_ctx, WX_PCRE2_DEPTH_LIMIT);
    }
}

/* Match re against s; on success copy capture group `group` (0 = whole). */
static char *match(pcre2_code *re, const char *s, size_t len, int group, size_t *end)
{
    if (!re) return NULL;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md) return NULL;
    char *out = NULL;
    if (pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, match_ctx) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ov[2 * group] != PCRE2_UNSET) out = strndup(s + ov[2 * group], ov[2 * group + 1] - ov[2 * group]);
        if (end) *end = ov[1];
    }
    pcre2_match_data_free(md);
    return out;
}

static int has_match(pcre2_code *re, const char *s)
{
    char *m = match(re, s, strlen(s), 0, NULL);
    free(m);
    return m != NULL;
}

typedef struct { const char *s; size_t n; } line;

/* Split text into lines (the text is already one paragraph per line). */
static line *split_lines(const char *text, size_t *count)
{
    size_t cap = 64, n = 0;
    line *v = malloc(cap * sizeof *v);
    const char *p = text;
    while (v && *p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == cap) {
            line *g = realloc(v, (cap *= 2) * sizeof *v);
            if (!g) break;
            v = g;
        }
        v[n].s = p;
        v[n].n = len;
        n++;
        p += len + (e ? 1 : 0);
    }
    *count = n;
    return v;
}

/* Strip a trailing colon and markdown emphasis from a short line. */
static char *line_copy(line l)
{
    char *s = strndup(l.s, l.n);
    if (!s) return NULL;
    char *w = s;
    for (char *r = s; *r; r++) if (*r != '*') *w++ = *r;
    *w = '\0';
    return s;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Whether every piece of a 、-enumeration is an addressee on its own.  In
 * 各位委员、各工作组、各成员单位 each piece starts with 各/有关 and names a
 * body; in 各省、自治区、直辖市、计划单列市财政厅（局） the pieces share the
 * tail (财政厅) and only the whole group names an addressee. */
static int enumeration_splits(const char *group)
{
    for (const char *p = group; p; p = strstr(p, "、")) {
        if (strncmp(p, "、", 3) == 0) p += 3;
        while (*p == ' ') p++;
        if (strncmp(p, "各", 3) != 0 && strncmp(p, "有关", 6) != 0) return 0;
    }
    return 1;
}

/* Append one addressee, without a leading 及/和/以及 joiner. */
static void add_addressee(json_t *arr, const char *tok)
{
    while (*tok == ' ') tok++;
    if (strncmp(tok, "以及", 6) == 0) tok += 6;
    else if (strncmp(tok, "及", 3) == 0 || strncmp(tok, "和", 3) == 0) tok += 3;
    char *t = wx_text_oneline(tok);
    if (t && *t) json_array_append_new(arr, wx_json_str(t));
    free(t);
}

/* 主送 line: "各位委员、各工作组、各成员单位，及有关单位：" → list.  Groups are
 * separated by ，/；/, and ;; a group that is a 、-enumeration is split
 * further only when its pieces stand alone (enumeration_splits). */
static json_t *addressees(const char *s)
{
    json_t *arr = json_array();
    char *copy = strdup(s), *save = NULL;
    if (!copy) return arr;
    size_t n = strlen(copy);
    if (ends_with(copy, "：")) copy[n - 3] = '\0';
    else if (n && copy[n - 1] == ':') copy[n - 1] = '\0';
    /* turn the group separators ， ； into one byte we can split on */
    static const char *const seps[] = {"，", "；", NULL};
    for (int i = 0; seps[i]; i++)
        for (char *p = strstr(copy, seps[i]); p; p = strstr(p, seps[i])) memset(p, '\x1f', 3);
    for (char *grp = strtok_r(copy, "\x1f,;", &save); grp; grp = strtok_r(NULL, "\x1f,;", &save)) {
        while (*grp == ' ' || *grp == '\x1f') grp++;
        if (!enumeration_splits(grp)) {
            add_addressee(arr, grp);
            continue;
        }
        for (char *p = grp, *next; p; p = next) {
            next = strstr(p, "、");
            if (next) {
                *next = '\0';
                next += 3;
            }
            add_addressee(arr, p);
        }
    }
    free(copy);
    return arr;
}

/* A contact line: "联系人：王丹丹 18811126578 wangdd@cesi.cn", or a name,
 * phone and email with labels (电话：… 邮箱：…). */
static json_t *contact_from(const char *s)
{
    size_t len = strlen(s);
    char *phone = match(phone_re, s, len, 0, NULL);
    char *email = match(email_re, s, len, 0, NULL);
    if (!phone && !email) return NULL;
    /* The name: after "联系人：" or at the start, up to a space or digit. */
    const char *p = strstr(s, "联系人");
    if (p) {
        p += strlen("联系人");
        if (strncmp(p, "：", 3) == 0) p += 3;
        else if (*p == ':') p++;
    } else {
        p = s;
    }
    while (*p == ' ') p++;
    size_t k = 0;
    while (p[k] && p[k] != ' ' && !(p[k] >= '0' && p[k] <= '9') && strncmp(p + k, "，", 3) != 0 &&
           strncmp(p + k, "电话", 6) != 0 && strncmp(p + k, "（", 3) != 0 && p[k] != ',' && k < 24)
        k++;
    char *name = k > 0 ? strndup(p, k) : NULL;
    if (name && (strstr(name, "电话") || strstr(name, "邮箱") || strstr(name, "传真") || strchr(name, '@'))) {
        free(name);
        name = NULL;
    }
    json_t *c = json_pack("{s:o, s:o, s:o}", "name", wx_json_str(name), "phone", wx_json_str(phone),
                          "email", wx_json_str(email));
    free(name); free(phone); free(email);
    return c;
}

/* Does the line consist of just one date the scanner found? */
static const char *date_line(json_t *dates, const char *s)
{
    size_t i;
    json_t *d;
    json_array_foreach(dates, i, d) {
        const char *t = json_string_value(json_object_get(d, "text"));
        if (t && strcmp(t, s) == 0) return json_string_value(json_object_get(d, "date"));
    }
    return NULL;
}

static void push_unique(json_t *arr, const char *s)
{
    /* "1．培训日程" → "培训日程": the numbering is layout, not the name */
    const char *p = s;
    while (*p >= '0' && *p <= '9') p++;
    if (p != s) {
        if (strncmp(p, "．", 3) == 0 || strncmp(p, "、", 3) == 0) p += 3;
        else if (*p == '.') p++;
        else p = s;
        while (*p == ' ') p++;
        if (*p) s = p;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
    json_array_append_new(arr, wx_json_str(s));
}

/* Read the notice that starts at lines[start]. */
static json_t *read_notice(line *lines, size_t count, size_t start, const char *title,
                           const char *article_title, json_t *dates)
{
    json_t *n = json_object();
    char *t = line_copy(lines[start]);
    json_object_set_new(n, "title", wx_json_str(t));
    char *kind = t ? match(kind_re, t, strlen(t), 1, NULL) : NULL;
    json_object_set_new(n, "kind", wx_json_str(kind));
    free(kind);
    free(t);
    json_object_set_new(n, "doc_number", json_null());
    json_object_set_new(n, "addressees", json_array());
    json_object_set_new(n, "issuer", json_null());
    json_object_set_new(n, "signed_on", json_null());
    json_t *deadlines = json_array(), *attachments = json_array(), *contacts = json_array(), *links = json_array();
    json_object_set_new(n, "deadlines", deadlines);
    json_object_set_new(n, "attachments", attachments);
    json_object_set_new(n, "contacts", contacts);
    json_object_set_new(n, "links", links);
    json_object_set_new(n, "source", json_null());
    (void)title;

    int in_attachments = 0;
    for (size_t i = start + 1; i < count; i++) {
        char *s = line_copy(lines[i]);
        if (!s) continue;
        size_t len = strlen(s);
        char *v;
        if (i <= start + 3 && json_is_null(json_object_get(n, "doc_number")) &&
            (v = match(docno_re, s, len, 0, NULL))) {
            json_object_set_new(n, "doc_number", wx_json_str(v));
            free(v);
        } else if (i <= start + 4 && json_array_size(json_object_get(n, "addressees")) == 0 && len < 400 &&
                   (ends_with(s, "：") || ends_with(s, ":")) && !strstr(s, "联系人") && !strstr(s, "附件")) {
            json_object_set_new(n, "addressees", addressees(s));
        } else if ((v = match(attach_re, s, len, 1, NULL))) {
            in_attachments = 1;
            char *item = wx_text_oneline(v);
            if (item) push_unique(attachments, item);
            free(item);
            free(v);
        } else if (in_attachments && len < 300 && s[0] >= '0' && s[0] <= '9') {
            push_unique(attachments, s);
        } else {
            in_attachments = 0;
        }
        if ((v = match(source_re, s, len, 1, NULL))) {
            char *src = wx_text_oneline(v);
            json_object_set_new(n, "source", wx_json_str(src));
            free(src);
            free(v);
        }
        const char *signed_on = date_line(dates, s);
        if (signed_on && i > start + 1 && json_is_null(json_object_get(n, "signed_on"))) {
            json_object_set_new(n, "signed_on", json_string(signed_on));
            char *issuer = line_copy(lines[i - 1]);
            if (issuer && strlen(issuer) < 120 && !strstr(issuer, "。") && !has_match(phone_re, issuer))
                json_object_set_new(n, "issuer", wx_json_str(issuer));
            free(issuer);
        }
        json_t *c = (strstr(s, "联系") || strstr(s, "电话") || strstr(s, "邮箱") || strstr(s, "传真") ||
                     strstr(s, "@") || (len < 120 && has_match(phone_re, s)))
                        ? contact_from(s) : NULL;
        if (c) json_array_append_new(contacts, c);
        /* URLs written in the notice text */
        for (const char *p = strstr(s, "http"); p; p = strstr(p, "http")) {
            if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) { p += 4; continue; }
            size_t k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'*+,;=%");
            while (k > 8 && strchr(".,;:!?')", p[k - 1])) k--;
            char *u = strndup(p, k);
            if (u) push_unique(links, u);
            free(u);
            p += k;
        }
        free(s);
        if (!json_is_null(json_object_get(n, "source"))) break;     /* the notice ends here */
    }
    size_t i;
    json_t *d;
    json_array_foreach(dates, i, d) {
        const char *role = json_string_value(json_object_get(d, "role"));
        if (role && strcmp(role, "deadline") == 0)
            json_array_append_new(deadlines, json_pack("{s:O, s:O}", "date", json_object_get(d, "date"),
                                                       "text", json_object_get(d, "text")));
    }
    /* "（附清单）"-style mentions in the article title */
    const char *att = article_title ? strstr(article_title, "附") : NULL;
    if (att) {
        const char *close = strstr(att, "）");
        if (close && close - att > 3 && close - att < 40) {
            char *what = strndup(att + 3, (size_t)(close - att - 3));
            if (what && *what) push_unique(attachments, what);
            free(what);
        }
    }
    return n;
}

json_t *wx_notice_extract(const char *title, const char *text, json_t *dates)
{
    pthread_once(&once, compile_all);
    if (!text) return json_null();
    size_t count = 0;
    line *lines = split_lines(text, &count);
    json_t *out = NULL;
    for (size_t i = 0; lines && i < count && !out; i++) {
        if (lines[i].n > 400) continue;
        char *s = line_copy(lines[i]);
        if (s) {
            char *hit = match(title_re, s, strlen(s), 0, NULL);
            if (hit) out = read_notice(lines, count, i, hit, title, dates);
            free(hit);
        }
        free(s);
    }
    free(lines);
    return out ? out : json_null();
}
