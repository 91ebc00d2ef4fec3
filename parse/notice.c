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
 * The signature anchors a notice: a date alone on its line under issuer
 * lines.  Above it we look for the title line and, under that, the number
 * and the addressee line; with neither, the article's headline must be the
 * document's title.  A notice quoted inside news or followed by an
 * appended guide is read the same way, as its signature bounds its body.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "text.h"
#include "record.h"
#include "notice.h"
#include "../ingest/strmap.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pcre2_code *head_re, *docno_line_re, *batch_re, *source_re, *phone_re, *email_re,
    *attach_re, *kind_re, *month_end_re;
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
    /* a headline that is a document title without 关于 (…结果公告) */
    head_re = compile("^[^。；！？!?|｜：:]{2,150}?(?:" KINDS ")(?:[（(][^）)]{0,20}[）)])?$");
    kind_re = compile("(" KINDS ")(?:[（(][^）)]{0,20}[）)])?$");
    docno_line_re = compile("^\\s*(\\p{Han}{1,12}\\s*[〔\\[【（(]\\s*(?:19|20)\\d\\d\\s*[〕\\]】）)]\\s*\\d{1,5}\\s*号)\\s*$");
    batch_re = compile("^\\s*[（(]((?:19|20)\\d\\d年[^（）()]{0,30}第[^（）()]{1,20}[批号期])[）)]\\s*$");
    source_re = compile("^[（(]?\\s*(?:原文来源|参考及来源|来源)\\s*[：:]\\s*([^（）()。]{1,60}?)\\s*[）)]?\\s*$");
    phone_re = compile("(?<![\\d-])(?:\\(?0\\d{2,3}\\)?[-－ ]?\\d{7,8}(?:[-－]\\d{1,5})?|1[3-9]\\d{9})(?![\\d])");
    email_re = compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
    attach_re = compile("^附件\\s*\\d*\\s*[：:]\\s*(.*)$");
    month_end_re = compile("(?<!每年)(?<!到)((?:19|20)\\d\\d)\\s*年\\s*(\\d{1,2})\\s*月底前");
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

/* Whether re matches anywhere in s. */
static int has_match(pcre2_code *re, const char *s)
{
    char *m = match(re, s, strlen(s), 0, NULL);
    free(m);
    return m != NULL;
}

static size_t chars(const char *s);
static size_t chars_n(const char *s, size_t len);
static int has_any(const char *s, const char *const *words);
static int starts_with(const char *s, const char *prefix);

/* Where the kind word ending s starts (…的通知, …通报（第二批）), or -1. */
static long kind_start(const char *s, size_t len)
{
    pcre2_match_data *md = kind_re ? pcre2_match_data_create_from_pattern(kind_re, NULL) : NULL;
    if (!md) return -1;
    long at = -1;
    if (pcre2_match(kind_re, (PCRE2_SPTR)s, len, 0, 0, md, match_ctx) >= 0)
        at = (long)pcre2_get_ovector_pointer(md)[2];
    pcre2_match_data_free(md);
    return at;
}

/* A document title line: at most 200 characters, no sentence punctuation,
 * ending in a kind word that follows 的 or comes after a 关于 (关于…的通知,
 * …关于…的APP通报, 公开征求对…的意见).  Tested in C rather than with one
 * pattern, whose nested lazy repeats cost 30,000 steps on a long line. */
static int title_like(const char *s)
{
    static const char *const no[] = {"。", "；", "！", "？", "!", "?", NULL};
    size_t len = strlen(s);
    if (len > 800 || chars(s) > 200 || starts_with(s, "附")) return 0;
    for (int i = 0; no[i]; i++) if (strstr(s, no[i])) return 0;
    long k = kind_start(s, len);
    if (k < 3) return 0;
    if (strncmp(s + k - 3, "的", 3) == 0) return 1;
    const char *about = strstr(s, "关于");
    return about && about + 6 < s + k && chars_n(about + 6, (size_t)(s + k - about - 6)) <= 150;
}

typedef wx_span line;

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

/* A line as the document wrote it: markdown emphasis (**) and the spaces
 * around the line dropped, so patterns and comparisons see the words. */
static char *line_copy(line l)
{
    char *s = strndup(l.s, l.n);
    if (!s) return NULL;
    char *w = s;
    for (char *r = s; *r; r++) if (*r != '*') *w++ = *r;
    while (w > s && (w[-1] == ' ' || w[-1] == '\t' || w[-1] == '\r')) w--;
    *w = '\0';
    size_t lead = strspn(s, " \t");
    if (lead) memmove(s, s + lead, strlen(s + lead) + 1);
    return s;
}

/* Suffix and prefix tests on UTF-8 strings (whole characters, as the
 * arguments are whole words). */
static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Administrative divisions and provinces: in 各省、自治区、直辖市及新疆生产建设
 * 兵团工业和信息化主管部门 they qualify the body after them, so a piece that
 * is only a division is not an addressee of its own. */
static const char *const divisions[] = {"省", "自治区", "直辖市", "计划单列市", "副省级城市", "市", "州", "盟", "县",
                                        "区", "县（市）", "自治县", "新疆生产建设兵团", NULL};
static const char *const provinces[] = {
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古",
    "广西", "西藏", "宁夏", "新疆", "香港", "澳门", NULL};

/* Whether s[0..n) is only a division (各省, 自治区, 及计划单列市, 青海, 青海省),
 * leading 各/有关/及/和 aside. */
static int is_division(const char *s, size_t n)
{
    while (n && s[0] == ' ') s++, n--;
    while (n && s[n - 1] == ' ') n--;
    static const char *const lead[] = {"各", "有关", "及", "和", NULL};
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; lead[i]; i++) {
            size_t k = strlen(lead[i]);
            if (n > k && strncmp(s, lead[i], k) == 0) s += k, n -= k, again = 1;
        }
    }
    for (int i = 0; divisions[i]; i++)
        if (n == strlen(divisions[i]) && strncmp(s, divisions[i], n) == 0) return 1;
    for (int i = 0; provinces[i]; i++) {
        size_t k = strlen(provinces[i]);
        if (n >= k && strncmp(s, provinces[i], k) == 0 &&
            (n == k || (n == k + 3 && (strncmp(s + k, "省", 3) == 0 || strncmp(s + k, "市", 3) == 0))))
            return 1;
    }
    return 0;
}

/* Bodies end in words like these; 及/和 after one joins two whole addressees
 * (公安厅（局）及…), elsewhere it is inside a name (工业和信息化部). */
static const char *const body_ends[] = {"单位", "部门", "专家", "企业", "公司", "机构", "集团", "局", "厅", "委",
                                         "办", "院", "会", "部", "处", "所", "中心", "队", "）", "组", NULL};

/* Whether s[0..n) ends like a whole body (not a division). */
static int ends_as_body(const char *s, size_t n)
{
    if (is_division(s, n)) return 0;
    for (int i = 0; body_ends[i]; i++) {
        size_t k = strlen(body_ends[i]);
        if (n >= k && strncmp(s + n - k, body_ends[i], k) == 0) return 1;
    }
    return 0;
}

typedef struct { size_t start, end; int soft; } piece;

/* Append the text s[a..b) as one addressee, trimmed, without a leading joiner. */
static void add_addressee(json_t *arr, const char *s, size_t a, size_t b)
{
    char *tok = strndup(s + a, b - a);
    if (!tok) return;
    const char *t = tok;
    while (*t == ' ') t++;
    if (starts_with(t, "以及")) t += 6;
    else if (starts_with(t, "及") || starts_with(t, "和")) t += 3;
    char *one = wx_text_oneline(t);
    if (one && *one) json_array_append_new(arr, wx_json_str(one));
    free(one);
    free(tok);
}

/* The width of the separator at s (，；、,; or a joining 及/和), 0 if none.
 * soft: a 、/及/和 that a division run may bridge. */
static size_t separator_at(const char *s, size_t piece_start, size_t at, int *soft)
{
    const char *p = s + at;
    *soft = 0;
    if (*p == ',' || *p == ';') return 1;
    if (starts_with(p, "，") || starts_with(p, "；")) return 3;
    if (starts_with(p, "、")) { *soft = 1; return 3; }
    size_t w = starts_with(p, "以及") ? 6 : (starts_with(p, "及") || starts_with(p, "和")) ? 3 : 0;
    if (w && (ends_as_body(s + piece_start, at - piece_start) || is_division(s + piece_start, at - piece_start))) {
        *soft = 1;
        return w;
    }
    return 0;
}

/* 主送 line → list.  Split at ，；、 and at 及/和 between whole bodies, never
 * inside brackets; a run of divisions (各省、自治区、直辖市) stays with the
 * body it qualifies. */
static json_t *addressees(const char *line_text)
{
    json_t *arr = json_array();
    char *s = strdup(line_text);
    if (!s) return arr;
    size_t n = strlen(s);
    if (ends_with(s, "：")) s[n -= 3] = '\0';
    else if (n && s[n - 1] == ':') s[--n] = '\0';
    piece v[128];
    size_t count = 0, start = 0;
    int depth = 0;
    for (size_t i = 0; i < n && count < 127;) {
        if (starts_with(s + i, "（") || s[i] == '(') depth++;
        if (starts_with(s + i, "）") || s[i] == ')') depth = depth ? depth - 1 : 0;
        int soft = 0;
        size_t w = depth ? 0 : separator_at(s, start, i, &soft);
        if (!w) {
            i++;
            continue;
        }
        v[count++] = (piece){start, i, soft};
        i += w;
        start = i;
    }
    v[count++] = (piece){start, n, 0};
    for (size_t i = 0; i < count; i++) {
        size_t first = v[i].start;
        /* a division joined softly to what follows belongs to it */
        while (i + 1 < count && v[i].soft && is_division(s + v[i].start, v[i].end - v[i].start)) i++;
        if (v[i].end > first) add_addressee(arr, s, first, v[i].end);
    }
    free(s);
    return arr;
}

/* The end of the word at p: up to a space, digit, comma, bracket or a
 * 电话/手机 label, on a character boundary. */
static size_t name_word(const char *p)
{
    size_t k = 0;
    while (p[k] && p[k] != ' ' && p[k] != ',' && !(p[k] >= '0' && p[k] <= '9') && !starts_with(p + k, "，") &&
           !starts_with(p + k, "电话") && !starts_with(p + k, "手机") && !starts_with(p + k, "（") &&
           !starts_with(p + k, "　") && k < 48)
        k++;
    while (k && ((unsigned char)p[k] & 0xC0) == 0x80) k--;    /* never cut a character */
    return k;
}

/* The person of a contact line: after a label ending in a colon near the
 * start (联系人：, 联系人及电话：), else the line's first word; a name
 * padded with spaces (王  姣) is closed up.  NULL when the word is a label
 * (联系电话：010-…) or too long to be a name. */
static char *contact_name(const char *s)
{
    const char *p = s;
    for (const char *c = s; *c && c - s < 30; c++)
        if (starts_with(c, "：") || *c == ':') {
            p = c + (*c == ':' ? 1 : 3);
            break;
        }
    while (*p == ' ' || starts_with(p, "　")) p += *p == ' ' ? 1 : 3;
    size_t k = name_word(p);
    char buf[64];
    if (k == 0 || k >= sizeof buf) return NULL;
    memcpy(buf, p, k);
    buf[k] = '\0';
    /* 王  姣: one-character words after a one-character surname */
    const char *q = p + k;
    while (chars(buf) < 4 && chars_n(p, k) == 1 && *q == ' ') {
        q += strspn(q, " ");
        size_t w = name_word(q);
        if (w == 0 || chars_n(q, w) > 2 || strlen(buf) + w >= sizeof buf) break;
        strncat(buf, q, w);
        q += w;
    }
    static const char *const labels[] = {"联系", "电话", "邮箱", "传真", "手机", "座机", "地址", "@", "邮件", NULL};
    if (has_any(buf, labels) || chars(buf) > 8) return NULL;
    return strdup(buf);
}

/* A contact line: "联系人：王丹丹 18811126578 wangdd@cesi.cn", or a name,
 * phone and email with labels (电话：… 邮箱：…). */
static json_t *contact_from(const char *s)
{
    size_t len = strlen(s);
    char *phone = match(phone_re, s, len, 0, NULL);
    char *email = match(email_re, s, len, 0, NULL);
    if (!phone && !email) return NULL;
    char *name = contact_name(s);
    json_t *c = json_pack("{s:o, s:o, s:o}", "name", wx_json_str(name), "phone", wx_json_str(phone),
                          "email", wx_json_str(email));
    free(name); free(phone); free(email);
    return c;
}

/* The scanner's full dates (YYYY-MM-DD, written with 年…日), sorted by
 * their text, so each line is looked up in log time: a page may hold
 * thousands of dates and lines. */
typedef struct { const char *text, *date; } date_entry;

/* Order of the date index: by the date as written. */
static int by_text(const void *a, const void *b)
{
    return strcmp(((const date_entry *)a)->text, ((const date_entry *)b)->text);
}

/* The index itself: only dates that can sign a notice (a day, 年 and 日). */
static date_entry *day_index(json_t *dates, size_t *count)
{
    size_t n = 0, i;
    json_t *d;
    date_entry *v = malloc((json_array_size(dates) + 1) * sizeof *v);
    json_array_foreach(dates, i, d) {
        const char *t = json_string_value(json_object_get(d, "text"));
        const char *day = json_string_value(json_object_get(d, "date"));
        if (v && t && day && strlen(day) == 10 && strstr(t, "年") && strstr(t, "日")) v[n++] = (date_entry){t, day};
    }
    if (v) qsort(v, n, sizeof *v, by_text);
    *count = v ? n : 0;
    return v;
}

/* The date a line consists of (a signing date: 2024年5月8日, 二〇二四年五月八日),
 * or NULL. */
static const char *date_line(const date_entry *days, size_t count, const char *s)
{
    if (!days || !strstr(s, "年") || !strstr(s, "日")) return NULL;
    date_entry key = {s, NULL};
    const date_entry *hit = bsearch(&key, days, count, sizeof *days, by_text);
    return hit ? hit->date : NULL;
}

/* An attachment or link name: numbering (1. 1、 1．) and 《》 are layout. */
static char *item_name(const char *s)
{
    const char *p = s;
    while (*p >= '0' && *p <= '9') p++;
    if (p != s) {
        if (starts_with(p, "．") || starts_with(p, "、")) p += 3;
        else if (*p == '.') p++;
        else p = s;
        while (*p == ' ') p++;
        if (*p) s = p;
    }
    char *out = strdup(s), *w = out;
    if (!out) return NULL;
    for (const char *r = s; *r;) {
        if (starts_with(r, "《") || starts_with(r, "》")) r += 3;
        else *w++ = *r++;
    }
    *w = '\0';
    return out;
}

/* Lists hold each name once: the same link or attachment is often written
 * twice (in the text and as the link).  seen holds the names arr has, so a
 * long list is not scanned per name (40,000 URLs in a notice took 11 s);
 * NULL scans arr, for a list added to once. */
static void push_unique(json_t *arr, wx_strmap *seen, const char *s)
{
    if (!s || !*s) return;
    if (seen) {
        if (wx_strmap_get(seen, s)) return;
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
    }
    json_t *v = wx_json_str(s);
    if (json_array_append_new(arr, v) != 0 || !seen) return;
    int added;
    wx_strmap_put(seen, json_string_value(v), &added);   /* the array keeps the key alive */
}

/* Whether s contains any of the NULL-terminated words. */
static int has_any(const char *s, const char *const *words)
{
    for (int i = 0; words[i]; i++) if (strstr(s, words[i])) return 1;
    return 0;
}

/* Count UTF-8 characters (not bytes). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Characters in the first len bytes of s (limits are in characters). */
static size_t chars_n(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* A line of the signature block: a short name of a body, no sentence
 * punctuation, not a list item, attachment or closing formula. */
static int issuer_like(const char *s)
{
    static const char *const no[] = {"。", "，", "；", "：", ":", "！", "？", "“", "《", "http", "@", "特此", NULL};
    size_t n = chars(s);
    if (n < 2 || n > 48 || has_any(s, no)) return 0;
    if ((*s >= '0' && *s <= '9') || starts_with(s, "（") || *s == '(' || starts_with(s, "附") || starts_with(s, "第"))
        return 0;
    /* 八、保障措施: a section heading of the body */
    static const char *const numerals[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", NULL};
    for (int i = 0; numerals[i]; i++)
        if (starts_with(s, numerals[i]) && (starts_with(s + 3, "、") || starts_with(s + 3, "是"))) return 0;
    return 1;
}

/* The line right above a signing date names a body: it ends like one
 * (…部, …局, …秘书处, …协会, …（CNNVD）), unlike a label over a date in
 * the body (报名截止). */
static int ends_like_body(const char *s)
{
    static const char *const ends[] = {"部", "局", "委", "办", "室", "厅", "处", "院", "会", "司", "署", "盟", "心",
                                       "库", "组", "府", "所", "行", "社", "校", "站", "团", "队", "学", "馆", "）",
                                       ")", NULL};
    for (int i = 0; ends[i]; i++)
        if (ends_with(s, ends[i])) return 1;
    return 0;
}

/* The last line of a signature block: an issuer line that names a body. */
static int signer_like(const char *s)
{
    return issuer_like(s) && ends_like_body(s);
}

typedef struct {
    line *lines;
    size_t count;
    json_t *dates, *links;
    const char *headline;
    char **clean;          /* line_copy of each line, made on demand */
} notice_src;

/* The clean copy of line i, made the first time it is needed: most lines
 * of a long page are never looked at. */
static const char *ln(notice_src *src, size_t i)
{
    if (!src->clean[i]) src->clean[i] = line_copy(src->lines[i]);
    return src->clean[i] ? src->clean[i] : "";
}

/* The issuer of lines[top..sig): one body a line; a line of several bodies
 * separated by spaces gives each; a name spaced out letter by letter
 * (国 家 数 据 局) is one body. */
static char *issuer_of(notice_src *src, size_t top, size_t sig)
{
    size_t cap = 64;
    for (size_t i = top; i < sig; i++) cap += 4 * strlen(ln(src, i)) + 8;   /* a 、 per token at most */
    char *out = malloc(cap), *w = out;
    if (!out) return NULL;
    *w = '\0';
    for (size_t i = top; i < sig; i++) {
        const char *s = ln(src, i);
        int single = 1;                 /* every space-separated token one character */
        for (const char *p = s; *p;) {
            size_t k = strcspn(p, " \t");
            if (k && chars_n(p, k) > 1) single = 0;
            p += k;
            p += strspn(p, " \t");
        }
        /* a long name broken over two lines: the first part does not end
         * like a body, so the next line goes on with nothing between */
        int goes_on = i > top && !ends_like_body(ln(src, i - 1)) && chars(ln(src, i - 1)) >= 8;
        for (const char *p = s; *p;) {
            size_t k = strcspn(p, " \t");
            if (k) {
                if (w != out && (single ? p == s : 1) && !(goes_on && p == s)) w = stpcpy(w, "、");
                memcpy(w, p, k);
                w += k;
                *w = '\0';
            }
            p += k;
            p += strspn(p, " \t");
        }
    }
    return out;
}

#define WX_NOTICE_WINDOW 600   /* lines looked back from a signature for its title */
#define WX_ISSUER_LINES 20     /* bodies of a joint signature */
#define WX_SOURCE_LINES 300    /* lines looked ahead from the signature for （来源：…） */
#define WX_NOTICE_DEADLINES 32 /* deadlines kept; each is looked up in the notice's lines */

/* Where a title starts after a post's label (通知｜, 四部门：, 重磅！, 【通知】):
 * after the last of these marks before any 关于 or 《 (a colon inside
 * 《…第7部分：…》 is the title's own). */
static const char *after_label(const char *s)
{
    static const char *const cuts[] = {"|", "｜", "：", ":", "！", "!", "】", NULL};
    static const char *const starts[] = {"关于", "《", NULL};
    const char *limit = s + strlen(s), *p = s, *q;
    for (int i = 0; starts[i]; i++)
        if ((q = strstr(s, starts[i])) && q < limit) limit = q;
    for (int i = 0; cuts[i]; i++)
        for (q = strstr(s, cuts[i]); q && q < limit; q = strstr(q, cuts[i]))
            if ((q += strlen(cuts[i])) > p) p = q;
    while (*p == ' ') p++;
    return p;
}

/* The title of the document the headline names, or NULL: the part after
 * 通知| or 四部门：, or the quoted “关于…的公告”. */
static char *headline_title(const char *headline, const char *text)
{
    if (!headline) return NULL;
    const char *q;
    if ((q = strstr(headline, "“")) && strstr(q, "”")) {
        q += 3;
        char *in = strndup(q, (size_t)(strstr(q, "”") - q));
        if (in && title_like(in)) return in;
        free(in);
    }
    char *t = wx_text_oneline(after_label(headline));
    if (!t) return NULL;
    /* （附全文）, （附下载）: what the post adds, not the title's */
    char *extra = strstr(t, "（附");
    if (extra && ends_with(extra, "）") && chars(extra) <= 12) *extra = '\0';
    if (title_like(t)) return t;
    /* …结果公告 without 关于: only when the body closes with 特此公告 */
    char *kind = has_match(head_re, t) ? match(kind_re, t, strlen(t), 1, NULL) : NULL;
    char closing[32] = "";
    if (kind) snprintf(closing, sizeof closing, "特此%s", kind);
    int ok = kind && text && strstr(text, closing);
    free(kind);
    if (ok) return t;
    free(t);
    return NULL;
}

/* An addressee line: ends in a colon, no sentence inside. strict: it must
 * also start like one (各…, 有关…) because no title line precedes it. */
static int addressee_like(const char *s, int strict)
{
    static const char *const no[] = {"。", "联系", "附件", "如下", "下载", "http", "原文", "全文", NULL};
    if (!(ends_with(s, "：") || ends_with(s, ":")) || strlen(s) > 1200 || has_any(s, no)) return 0;
    if (chars(s) < 3) return 0;
    return !strict || starts_with(s, "各") || starts_with(s, "有关");
}

/* URLs written in s, and the links of the record whose text ends s (附件：<a>…</a>,
 * 点击下载：<a>…</a>); a link inside running text is the page's, not the notice's. */
static void add_links(json_t *out, wx_strmap *seen, const char *s, json_t *record_links)
{
    /* memchr, not strstr: a sanitizer's strstr measures the rest of s on
     * every call (quadratic on a line of URLs) */
    const char *end = s + strlen(s);
    for (const char *p = s; (p = memchr(p, 'h', (size_t)(end - p))) != NULL;) {
        if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) { p++; continue; }
        size_t k = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'*+,;=%");
        while (k > 8 && strchr(".,;:!?')", p[k - 1])) k--;
        char *u = strndup(p, k);
        push_unique(out, seen, u);
        free(u);
        p += k;
    }
    size_t i;
    json_t *l;
    json_array_foreach(record_links, i, l) {
        if (i >= 512) break;
        const char *text = json_string_value(json_object_get(l, "text"));
        const char *url = json_string_value(json_object_get(l, "url"));
        if (!text || !url || strncmp(url, "http", 4) || chars(text) < 4) continue;
        if (!strchr(text, '*')) {
            if (ends_with(s, text)) push_unique(out, seen, url);
            continue;
        }
        char *t = line_copy((line){text, strlen(text)});   /* **bold** link text */
        if (t && *t && ends_with(s, t)) push_unique(out, seen, url);
        free(t);
    }
}

/* Deadlines of the notice: the scanner's deadline dates written in lines
 * [from, to); a date without a year takes the signing year; 2024年7月底前
 * is the last day of that month. */
static void add_deadlines(json_t *out, notice_src *src, size_t from, size_t to, const char *signed_on)
{
    size_t i;
    json_t *d;
    json_array_foreach(src->dates, i, d) {
        const char *role = json_string_value(json_object_get(d, "role"));
        const char *text = json_string_value(json_object_get(d, "text"));
        const char *date = json_string_value(json_object_get(d, "date"));
        if (!role || strcmp(role, "deadline") || !text || !date || strlen(date) != 10) continue;
        if (json_array_size(out) >= WX_NOTICE_DEADLINES) break;
        /* where it is written; an occurrence with 前 attached is the due date */
        const char *in = NULL;
        size_t tl = strlen(text);
        for (size_t k = from; k < to && !(in && starts_with(in + tl, "前")); k++)
            for (const char *p = strstr(ln(src, k), text); p; p = strstr(p + tl, text))
                if (!in || starts_with(p + tl, "前")) in = p;
        if (!in) continue;
        char ymd[11];
        memcpy(ymd, date, 11);
        if (!strstr(text, "年") && signed_on) memcpy(ymd, signed_on, 4);
        int dup = 0;
        size_t j;
        json_t *e;
        json_array_foreach(out, j, e) dup |= strcmp(json_string_value(json_object_get(e, "date")), ymd) == 0;
        if (dup) continue;
        char *written = strndup(in, tl + (starts_with(in + tl, "前") ? 3 : 0));
        json_array_append_new(out, json_pack("{s:s, s:o}", "date", ymd, "text", wx_json_str(written)));
        free(written);
    }
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (size_t k = from; k < to; k++) {
        const char *s = ln(src, k);
        char *y = match(month_end_re, s, strlen(s), 1, NULL), *m = y ? match(month_end_re, s, strlen(s), 2, NULL) : NULL;
        char *all = m ? match(month_end_re, s, strlen(s), 0, NULL) : NULL;
        int yy = y ? atoi(y) : 0, mm = m ? atoi(m) : 0;
        if (all && mm >= 1 && mm <= 12) {
            int dd = days[mm - 1] + (mm == 2 && yy % 4 == 0 && (yy % 100 || yy % 400 == 0));
            char ymd[16];
            snprintf(ymd, sizeof ymd, "%04d-%02d-%02d", yy, mm, dd);
            json_array_append_new(out, json_pack("{s:s, s:o}", "date", ymd, "text", wx_json_str(all)));
        }
        free(y); free(m); free(all);
    }
}

/* Attachments (附件：X, then numbered lines), contacts and links in the
 * notice's lines [from, to); the two maps hold the names each list has. */
static void read_body(json_t *n, notice_src *src, size_t from, size_t to, wx_strmap *seen_attachments,
                      wx_strmap *seen_links)
{
    json_t *attachments = json_object_get(n, "attachments"), *contacts = json_object_get(n, "contacts");
    json_t *links = json_object_get(n, "links");
    static const char *const not_contact[] = {"发送至", "发至", "投稿", "合作", "报送至", NULL};
    int in_attachments = 0;
    for (size_t i = from; i < to; i++) {
        const char *s = ln(src, i);
        size_t len = strlen(s);
        char *v = match(attach_re, s, len, 1, NULL);
        if (v) {
            in_attachments = 1;
            char *item = item_name(v);
            push_unique(attachments, seen_attachments, item);
            free(item);
            free(v);
        } else if (in_attachments && len < 300 && ((s[0] >= '0' && s[0] <= '9') || starts_with(s, "《"))) {
            char *item = item_name(s);
            push_unique(attachments, seen_attachments, item);
            free(item);
        } else {
            in_attachments = 0;
        }
        int contactish = strstr(s, "联系") || strstr(s, "电话") || strstr(s, "邮箱") || strstr(s, "传真") ||
                         strchr(s, '@') || (len < 120 && has_match(phone_re, s));
        if (contactish && !has_any(s, not_contact) && (len < 200 || starts_with(s, "联系"))) {
            json_t *c = contact_from(s);
            if (c) json_array_append_new(contacts, c);
        }
        add_links(links, seen_links, s, src->links);
    }
}

/* Every field present, null or empty, whatever the notice shows. */
static json_t *empty_notice(void)
{
    return json_pack("{s:n, s:n, s:n, s:[], s:n, s:n, s:[], s:[], s:[], s:[], s:n}", "title", "kind", "doc_number",
                     "addressees", "issuer", "signed_on", "deadlines", "attachments", "contacts", "links", "source");
}

/* A string field, or null when v is NULL. */
static void set_str(json_t *n, const char *key, const char *v)
{
    json_object_set_new(n, key, wx_json_str(v));
}

/* The title line: lines[t], joined to the line above when the title was
 * broken after its 关于 (…办公厅关于 / 开展…的通知). */
static char *title_at(notice_src *src, size_t t, size_t lo)
{
    const char *s = ln(src, t);
    if (strstr(s, "|") || strstr(s, "｜")) return strdup(after_label(s));   /* the headline repeated */
    if (t > lo && !strstr(s, "关于")) {
        const char *above = ln(src, t - 1);
        if (strstr(above, "关于") && chars(above) < 80 && !has_any(above, (const char *const[]){"。", "，", "：", NULL}) &&
            !title_like(above)) {
            char *j = malloc(strlen(above) + strlen(s) + 1);
            if (j) stpcpy(stpcpy(j, above), s);
            return j;
        }
    }
    return strdup(s);
}

/* Where the text of a notice known only from the headline starts: after
 * the last line that repeats the headline (page headers do), at the first
 * line that is a sentence; the page's menus and banners come before it. */
static size_t body_start(notice_src *src, size_t lo, size_t top, const char *headline)
{
    size_t from = lo;
    for (size_t i = lo; headline && i < top; i++)
        if (strstr(ln(src, i), headline)) from = i + 1;
    for (size_t i = from; i < top; i++)
        if (strstr(ln(src, i), "。") || strstr(ln(src, i), "，")) return i;
    return from;
}

/* Build the notice whose signature date is lines[sig] and issuer block
 * starts at lines[top]; lo is where looking back for its title stops. */
static json_t *notice_at(notice_src *src, size_t lo, size_t top, size_t sig, const char *signed_on,
                         const char *headline)
{
    ssize_t t = -1, a = -1;
    for (size_t i = top; i > lo && t < 0; i--)
        if (chars(ln(src, i - 1)) <= 200 && title_like(ln(src, i - 1))) t = (ssize_t)i - 1;
    if (t >= 0) {
        for (size_t i = (size_t)t + 1; i < top && i <= (size_t)t + 4 && a < 0; i++)
            if (addressee_like(ln(src, i), 0)) a = (ssize_t)i;
    } else {
        for (size_t i = lo; i < top && a < 0; i++)
            if (addressee_like(ln(src, i), 1)) a = (ssize_t)i;
    }
    if (t < 0 && a < 0 && !headline) return NULL;
    json_t *n = empty_notice();
    char *title = t >= 0 ? title_at(src, (size_t)t, lo) : headline ? strdup(headline) : NULL;
    set_str(n, "title", title);
    char *kind = title ? match(kind_re, title, strlen(title), 1, NULL) : NULL;
    set_str(n, "kind", kind);
    free(kind);
    free(title);
    /* the document number: a line of its own just under the title, or
     * before the addressee line */
    size_t from = t >= 0 ? (size_t)t + 1 : a >= 0 ? ((size_t)a > lo + 3 ? (size_t)a - 3 : lo) : lo;
    size_t upto = a >= 0 ? (size_t)a : top;
    if (t >= 0 && upto > (size_t)t + 10) upto = (size_t)t + 10;
    char *docno = NULL;
    for (size_t i = from; i < upto && !docno; i++) {
        const char *s = ln(src, i);
        docno = match(docno_line_re, s, strlen(s), 1, NULL);
        if (!docno && t >= 0 && i == (size_t)t + 1) docno = match(batch_re, s, strlen(s), 1, NULL);
    }
    set_str(n, "doc_number", docno);
    free(docno);
    if (a >= 0) json_object_set_new(n, "addressees", addressees(ln(src, (size_t)a)));
    char *issuer = issuer_of(src, top, sig);
    set_str(n, "issuer", issuer && *issuer ? issuer : NULL);
    free(issuer);
    set_str(n, "signed_on", signed_on);
    /* where the notice's own text starts */
    size_t body = t >= 0 ? (size_t)t : a >= 0 ? (size_t)a : body_start(src, lo, top, headline);
    wx_strmap seen_attachments = {0}, seen_links = {0};
    read_body(n, src, a >= 0 ? (size_t)a : body, sig, &seen_attachments, &seen_links);
    add_deadlines(json_object_get(n, "deadlines"), src, body, sig, signed_on);
    for (size_t i = sig + 1; i < src->count && i <= sig + WX_SOURCE_LINES; i++) {
        const char *s = ln(src, i);
        char *v = match(source_re, s, strlen(s), 1, NULL);
        if (!v) continue;
        char *one = wx_text_oneline(v);
        set_str(n, "source", one);
        free(one);
        free(v);
        /* download links placed between the signature and the source line */
        if (i <= sig + 12)
            for (size_t k = sig + 1; k < i; k++) add_links(json_object_get(n, "links"), &seen_links, ln(src, k), src->links);
        break;
    }
    wx_strmap_free(&seen_attachments);
    wx_strmap_free(&seen_links);
    return n;
}

/* "（附清单）"-style mentions in the article title name an attachment; a
 * download or the full text is not one. */
static void title_attachment(json_t *n, const char *article_title)
{
    const char *att = article_title ? strstr(article_title, "（附") : NULL;
    if (!att) return;
    att += 3;
    const char *close = strstr(att, "）");
    if (!close || close - att <= 3 || close - att >= 40) return;
    char *what = strndup(att + 3, (size_t)(close - att - 3));
    static const char *const not_named[] = {"下载", "全文", "原文", "解读", "链接", NULL};
    if (what && *what && !has_any(what, not_named)) push_unique(json_object_get(n, "attachments"), NULL, what);
    free(what);
}

/* The first signature (a date alone on its line under one or more issuer
 * lines) that closes a document: a title line or an addressee line above
 * it, or a headline that is the document's title. */
json_t *wx_notice_extract(const char *title, const char *text, json_t *dates, json_t *links)
{
    pthread_once(&once, compile_all);
    if (!text) return json_null();
    notice_src src = {0};
    src.lines = split_lines(text, &src.count);
    src.clean = src.lines ? calloc(src.count ? src.count : 1, sizeof *src.clean) : NULL;
    src.dates = dates;
    src.links = json_is_array(links) ? links : NULL;
    size_t ndays = 0;
    date_entry *days = day_index(dates, &ndays);
    json_t *out = NULL;
    char *headline = NULL;
    int headline_done = 0;
    size_t lo = 0;
    for (size_t i = 1; src.clean && i < src.count && !out; i++) {
        if (src.lines[i].n > 80) continue;
        const char *signed_on = date_line(days, ndays, ln(&src, i));
        if (!signed_on || !signer_like(ln(&src, i - 1))) continue;
        size_t top = i - 1;
        while (top > lo && i - top < WX_ISSUER_LINES && issuer_like(ln(&src, top - 1))) top--;
        if (!headline_done) headline = headline_title(title, text), headline_done = 1;
        size_t from = i > WX_NOTICE_WINDOW && i - WX_NOTICE_WINDOW > lo ? i - WX_NOTICE_WINDOW : lo;
        out = notice_at(&src, from, top, i, signed_on, headline);
        lo = i + 1;
    }
    if (out) title_attachment(out, title);
    free(headline);
    free(days);
    for (size_t i = 0; src.clean && i < src.count; i++) free(src.clean[i]);
    free(src.clean);
    free(src.lines);
    return out ? out : json_null();
}
