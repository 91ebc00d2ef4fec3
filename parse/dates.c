/*
 * Dates in an article's title and text: the record's `dates` field.
 *
 * Official notices write dates in many ways: 2024年5月8日, 2024 年 5 月 8 日,
 * 二〇二四年五月八日, ２０２４年５月８日, 2024-05-08, 2024/5/8, 2024.5.8, 5月31日
 * (the year implied), ranges (5月8日至31日, 2021—2025年) and times (下午3点,
 * 15:00).  Many numbers look like dates and are not: phone numbers
 * (010-82341063), standard numbers (GB/T 9704-2012), document numbers
 * (〔2024〕35号), versions (1.2.3), addresses (192.168.1.1).
 *
 * A hand-written scanner does the work rather than regular expressions: the
 * forms share their parts (a number, then a unit or a separator), telling a
 * date from a look-alike needs the characters on both sides of it, and a
 * scanner that only moves forward is linear in the input by construction.
 * It keeps no state outside a call, so it is thread-safe with no set-up.
 *
 * The input is decoded once into an array of letters folded for matching
 * (full-width forms take their NFKC form, which for these is one ASCII
 * character; every kind of space becomes ' '), four bytes a letter.  One
 * written letter gives one folded letter, so a match's position is also its
 * position in the text as written, which a date's text is decoded from
 * again (an invalid UTF-8 byte becomes U+FFFD, so the text we hand back is
 * always valid UTF-8).
 *
 * At each place where a number starts we try an ISO-like form
 * (2024-05-08, 2024-9), a year-less dotted range (3.23-3.29) or a lone
 * dotted day inside Chinese text (相约4.18云), then a "unit chain":
 * numbers each followed by 年, 月 or 日/号 (2024年5月8日, 5月8日, 11月,
 * 22日).  A chain shaped like a date whose values are impossible (2月30日,
 * 2023年2月29日) is skipped whole, so no piece of it is read as a shorter
 * date.  同年 and 元旦 are dates too.  After a date may come a weekday, a
 * time and the other end of a range.  Last, each date gets a role from
 * the words around it.
 *
 * The scan carries a context, the running year and month:
 *  - year: the latest year written, at any precision (2016年秋天, 2024-9,
 *    2023年度) or bare (2021双11, EISS-2022, 2022羊城杯: four digits
 *    1900-2100 standing alone, never a date themselves), not counting
 *    years in URLs and identifiers (CVE-2023-…, 2024年第1号, 2025年第1期).
 *    A date without a year takes it, else published_date's year, else it
 *    is dropped; a warning says which.  今年/去年/明年 just before it name
 *    published_date's year (-1, +1) instead.  The title is scanned first, so its
 *    years count for the text.
 *  - month: the latest month written; a day-only date (22日, 28号) takes
 *    it and is dropped when there is none.
 *  - a range's end without a year that falls in an earlier month than its
 *    start is in the next year (12月30日至1月3日, 12.30-1.5); an end with
 *    its year written (2024年12月30日-2025年1月5日) moves the context on.
 *
 * Choices a reader may want to know:
 *  - "2024年度" gives text "2024年", date "2024": 度 is not part of the
 *    date; so does 2024年第四季度.  A bare four-digit number is never a
 *    date: a year needs 年 (or the 2024-05-08 / 2024-9 shape), so 〔2024〕
 *    and 9704-2012 give nothing.  Two-digit years only in the pair 14/15年
 *    (20年经验 is a span).
 *  - Day-only and month-only dates refuse what counts or numbers (第22号,
 *    每月, 含6日三餐, 12号字, 3号楼) and lunar days (二月二).
 *  - "signed" is a layout guess: the date alone on its line, the nearest
 *    non-empty line above it at most SIGNER_MAX_LEN letters and not ending
 *    in punctuation, and either at most SIGNED_MAX_LINES_AFTER non-empty
 *    lines below or, above the signer lines, a sentence that ends (a
 *    quoted notice or a decree followed by its articles).
 *  - "published" is a dateline (1月2日消息, 7月26日SEC官网，…) or a single
 *    day equal to published_date with no other role.
 *  - A weekday (（星期三）) belongs to the text only when a time or a range
 *    follows it; a range's end may carry a time, which is dropped.
 */
#include "dates.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---------- limits ---------- */

enum {
    MAX_GAP = 3,                 /* spaces allowed between the parts of a date */
    DATELINE_SOURCE_MAX = 24,    /* 7月24日中国人民银行官网消息: the source's length */
    ROLE_REACH = 60,             /* letters looked at on each side for the sentence */
    DEADLINE_LEAD = 20,          /* 截止日期为…: how far before the date the word may be */
    DEADLINE_VERB_REACH = 12,
    DEADLINE_TAIL = 3,           /* 四月末的截止日期: letters between the date and 截止 */
    ASIDE_MAX = 12,              /* 3月31日（含当日）之前: an aside's length */    /* …前 提交: how far after 前 the verb may be */
    SIGNER_MAX_LEN = 40,         /* the line above a signature date: an organisation */
    SIGNED_MAX_LINES_AFTER = 12, /* a signature date is among the last lines */
    SIGNER_MAX_LINES = 5,        /* issuers or signatories above a signature date */
    URL_LOOKBACK = 256,          /* how far back a date may find the :// of its URL */
    YEAR_MIN = 1800,             /* 一八七〇年 */
    BARE_YEAR_MIN = 1900,        /* a year without 年 (2022羊城杯) */
    YEAR_MAX = 2100
};

/* Letters the scanner looks for, after folding. */
enum {
    CH_YEAR = 0x5E74,      /* 年 */
    CH_MONTH = 0x6708,     /* 月 */
    CH_DAY = 0x65E5,       /* 日 */
    CH_DAY_HAO = 0x53F7,   /* 号 */
    CH_HOUR_SHI = 0x65F6,  /* 时 */
    CH_HOUR_DIAN = 0x70B9, /* 点 */
    CH_MINUTE = 0x5206,    /* 分 */
    CH_HALF = 0x534A,      /* 半 */
    CH_TEN = 0x5341,       /* 十 */
    CH_ZHI = 0x81F3,       /* 至 */
    CH_DAO = 0x5230,       /* 到 */
    CH_YU = 0x4E8E,        /* 于 */
    CH_ZAI = 0x5728,       /* 在 */
    CH_HOU = 0x540E,       /* 后 */
    CH_FULL_STOP = 0x3002, /* 。 */
    CH_LIST_COMMA = 0x3001 /* 、 */
};

/* ---------- letters: the input, decoded once ---------- */

/* Every MARK_EVERY letters the byte offset in the input is kept, so a
 * date's text is found again without a second array as long as the first. */
enum { MARK_EVERY = 64 };

typedef struct {
    uint32_t *v;      /* the folded letters: what the scanner matches */
    size_t n;
    const char *src;  /* the UTF-8 they were decoded from (borrowed) */
    size_t srclen;
    size_t *marks;    /* marks[k]: the byte offset of letter k * MARK_EVERY */
} letters;

/* The folded letter at i, or 0 past the end, so look-ahead needs no
 * bounds checks of its own. */
static uint32_t at(const letters *t, size_t i)
{
    return i < t->n ? t->v[i] : 0;
}

/* The folded letter just before i, or 0 at the start. */
static uint32_t before(const letters *t, size_t i)
{
    return i > 0 && i <= t->n ? t->v[i - 1] : 0;
}

/* Fold one character for matching.  Full-width forms (２０２４，：－～)
 * take their compatibility mapping when it is a single character; spaces
 * of every kind, tabs, CR and zero-width characters become ' ', line and
 * paragraph separators '\n'.  Nothing else changes: folding ① to 1, say,
 * would glue list numbers onto the dates after them. */
static uint32_t fold(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFFEE) {
        utf8proc_int32_t out[4];
        int boundclass = 0;
        utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)c, out, 4,
                                                     UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, &boundclass);
        return k == 1 ? (uint32_t)out[0] : c;
    }
    if (c == '\t' || c == '\r' || c == 0x200B || c == 0x200C || c == 0x200D ||
        c == 0x2060 || c == 0xFEFF)
        return ' ';
    if (c == 0x2028 || c == 0x2029) return '\n';
    if (c != '\n' && utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ZS) return ' ';
    return c;
}

/* One letter of s[i..len): its code point in *c (U+FFFD for a byte that
 * is not UTF-8) and its length in bytes. */
static inline size_t next_letter(const char *s, size_t i, size_t len, uint32_t *c)
{
    /* ASCII and the well-formed 3-byte characters of CJK text (lead E1..EF
     * but ED, which holds the surrogates) are decoded here, the rest by
     * utf8proc_iterate, a call per letter of every text searched for
     * dates (letters_decode over the bench pages 31.8 M -> 21.9 M
     * instructions, wx_dates_find 54.9 M -> 44.6 M) */
    const unsigned char *u = (const unsigned char *)s + i;
    if (u[0] < 0x80) {
        *c = u[0];
        return 1;
    }
    if (u[0] >= 0xE1 && u[0] <= 0xEF && u[0] != 0xED && len - i >= 3 && (u[1] & 0xC0) == 0x80 &&
        (u[2] & 0xC0) == 0x80) {
        *c = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (uint32_t)(u[2] & 0x3F);
        return 3;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
    if (k <= 0) {
        *c = 0xFFFD;
        return 1;
    }
    *c = (uint32_t)cp;
    return (size_t)k;
}

/* Decode s[0..len) into t (free with letters_free); s must outlive t.
 * Counted first, so the array holds the letters and no more (four bytes
 * a letter, not a byte of input).  Returns 0, or -1 when out of memory. */
static int letters_decode(letters *t, const char *s, size_t len)
{
    uint32_t c;
    size_t count = 0;
    for (size_t i = 0; i < len; count++) i += next_letter(s, i, len, &c);
    t->n = 0;
    t->src = s;
    t->srclen = len;
    t->v = malloc((count + 1) * sizeof *t->v);
    t->marks = malloc((count / MARK_EVERY + 1) * sizeof *t->marks);
    if (!t->v || !t->marks) {
        free(t->v);
        free(t->marks);
        return -1;
    }
    t->marks[0] = 0;
    for (size_t i = 0; i < len; t->n++) {
        if (t->n % MARK_EVERY == 0) t->marks[t->n / MARK_EVERY] = i;
        i += next_letter(s, i, len, &c);
        t->v[t->n] = fold(c);
    }
    return 0;
}

static void letters_free(letters *t)
{
    free(t->v);
    free(t->marks);
}

/* The byte offset of letter i in the input (i <= t->n). */
static size_t letter_offset(const letters *t, size_t i)
{
    size_t k = i / MARK_EVERY, b = t->marks[k];
    uint32_t c;
    for (size_t j = k * MARK_EVERY; j < i; j++) b += next_letter(t->src, b, t->srclen, &c);
    return b;
}

/* The letters [start, end) as written, as a malloc'd UTF-8 string (an
 * invalid byte becomes U+FFFD, so the result is valid UTF-8). */
static char *letters_text(const letters *t, size_t start, size_t end)
{
    char *s = malloc((end - start) * 4 + 1);
    if (!s) return NULL;
    size_t n = 0, b = letter_offset(t, start);
    for (size_t i = start; i < end; i++) {
        uint32_t c;
        b += next_letter(t->src, b, t->srclen, &c);
        n += (size_t)utf8proc_encode_char((utf8proc_int32_t)c, (utf8proc_uint8_t *)s + n);
    }
    s[n] = '\0';
    return s;
}

/* How many letters of t from i spell word (UTF-8), or 0 when they do not. */
static size_t letters_match(const letters *t, size_t i, const char *word)
{
    size_t k = 0;
    const utf8proc_uint8_t *w = (const utf8proc_uint8_t *)word;
    while (*w) {
        utf8proc_int32_t c;
        utf8proc_ssize_t len = utf8proc_iterate(w, -1, &c);
        if (len <= 0 || at(t, i + k) != (uint32_t)c) return 0;
        w += len;
        k++;
    }
    return k;
}

/* Whether one of words (NULL-terminated) lies wholly within [from, to). */
static int contains_any(const letters *t, size_t from, size_t to, const char *const *words)
{
    for (size_t i = from; i < to; i++)
        for (size_t w = 0; words[w]; w++) {
            size_t k = letters_match(t, i, words[w]);
            if (k && i + k <= to) return 1;
        }
    return 0;
}

/* ---------- kinds of letters ---------- */

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

static int is_ascii_alpha(uint32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

/* The value of a Chinese digit, or -1.  〇 (U+3007), ○ (U+25CB) and 零 all
 * write zero. */
static int cn_digit(uint32_t c)
{
    switch (c) {
    case 0x3007: case 0x25CB: case 0x96F6: return 0;   /* 〇 ○ 零 */
    case 0x4E00: return 1;                             /* 一 */
    case 0x4E8C: case 0x4E24: return 2;                /* 二 两 */
    case 0x4E09: return 3;                             /* 三 */
    case 0x56DB: return 4;                             /* 四 */
    case 0x4E94: return 5;                             /* 五 */
    case 0x516D: return 6;                             /* 六 */
    case 0x4E03: return 7;                             /* 七 */
    case 0x516B: return 8;                             /* 八 */
    case 0x4E5D: return 9;                             /* 九 */
    default: return -1;
    }
}

static int is_cn_numeral(uint32_t c) { return cn_digit(c) >= 0 || c == CH_TEN; }

/* Marks between the two ends of a range: 至 到 - ~ – — ― − 〜 (full-width
 * －～ are folded to - and ~). */
static int is_range_mark(uint32_t c)
{
    return c == CH_ZHI || c == CH_DAO || c == '-' || c == '~' || c == 0x2013 || c == 0x2014 ||
           c == 0x2015 || c == 0x2212 || c == 0x301C;
}

/* Letters that end a sentence, for the role's context. */
static int ends_sentence(uint32_t c)
{
    return c == '\n' || c == CH_FULL_STOP || c == '!' || c == '?' || c == ';';
}

/* Letters that end a clause: a line ending in one is prose, not a name. */
static int ends_clause(uint32_t c)
{
    return ends_sentence(c) || c == ',' || c == ':' || c == CH_LIST_COMMA;
}

/* Skip at most MAX_GAP spaces: "2024 年 5 月" is one date, but a date's parts
 * are not strewn across a line. */
static size_t skip_gap(const letters *t, size_t i)
{
    for (int k = 0; k < MAX_GAP && at(t, i) == ' '; k++) i++;
    return i;
}

/* ---------- numbers ---------- */

typedef struct {
    size_t start, end; /* letters [start, end); start == end when there is none */
    int value;         /* -1 when not a well-formed number */
    int chinese;       /* written in Chinese numerals */
    int digitwise;     /* digit by digit (2024, 05, 二〇二四), not 二十一 */
} number;

/* The value of the Chinese numeral in letters [i, i + n) (all numerals):
 * digit by digit, or with one 十 as tens.  Returns -1 when malformed. */
static int cn_value(const letters *t, size_t i, size_t n, int *digitwise)
{
    size_t ten = n;
    for (size_t k = 0; k < n; k++) {
        if (at(t, i + k) != CH_TEN) continue;
        if (ten != n) return -1;   /* two 十 */
        ten = k;
    }
    *digitwise = ten == n;
    if (ten == n) {
        if (n == 0 || n > 9) return -1;
        int v = 0;
        for (size_t k = 0; k < n; k++) v = v * 10 + cn_digit(at(t, i + k));
        return v;
    }
    if (ten > 1 || n - ten > 2) return -1;
    int tens = ten == 1 ? cn_digit(at(t, i)) : 1;
    int units = n - ten == 2 ? cn_digit(at(t, i + ten + 1)) : 0;
    if (tens < 1 || units < 0 || (n - ten == 2 && units == 0)) return -1;
    return tens * 10 + units;
}

/* Read the number at i: a run of ASCII digits or one of Chinese numerals.
 * The whole run is read, so that a year is never taken from the middle of
 * a longer number. */
static number read_number(const letters *t, size_t i)
{
    number num = {i, i, -1, 0, 0};
    size_t j = i;
    if (is_digit(at(t, i))) {
        int v = 0;
        for (; is_digit(at(t, j)); j++)
            if (j - i < 9) v = v * 10 + (int)(at(t, j) - '0');
        num.value = j - i <= 9 ? v : -1;
        num.digitwise = 1;
    } else if (is_cn_numeral(at(t, i))) {
        while (is_cn_numeral(at(t, j))) j++;
        num.chinese = 1;
        num.value = cn_value(t, i, j - i, &num.digitwise);
    }
    num.end = j;
    return num;
}

int wx_cn_number(const char *s, size_t len, int *value)
{
    letters t;
    if (!s || letters_decode(&t, s, len) != 0) return 0;
    int ok = 0, digitwise;
    if (t.n > 0 && read_number(&t, 0).end == t.n && !is_digit(at(&t, 0))) {
        int v = cn_value(&t, 0, t.n, &digitwise);
        if (v >= 0) {
            *value = v;
            ok = 1;
        }
    }
    letters_free(&t);
    return ok;
}

/* ---------- calendar ---------- */

/* Units of a date, also its grain: how much of it is written. */
typedef enum { UNIT_NONE = 0, UNIT_YEAR = 1, UNIT_MONTH = 2, UNIT_DAY = 3 } unit;

typedef struct {
    int y, m, d; /* m and d are 0 below the grain */
} ymd;

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int wx_date_is_valid(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < YEAR_MIN || year > YEAR_MAX || month < 0 || month > 12 || day < 0) return 0;
    if (month == 0) return day == 0;
    int last = days[month - 1] + (month == 2 && is_leap(year));
    return day <= last;
}

/* Whether v, written to the given grain, is a real date. */
static int ymd_valid(ymd v, unit grain)
{
    if (grain == UNIT_YEAR) return wx_date_is_valid(v.y, 0, 0);
    if (grain == UNIT_MONTH) return v.m >= 1 && wx_date_is_valid(v.y, v.m, 0);
    return v.m >= 1 && v.d >= 1 && wx_date_is_valid(v.y, v.m, v.d);
}

/* Set the field of v at the given unit. */
static void ymd_set(ymd *v, unit u, int value)
{
    if (u == UNIT_YEAR) v->y = value;
    else if (u == UNIT_MONTH) v->m = value;
    else v->d = value;
}

/* -1, 0 or 1 as a is before, the same as or after b. */
static int ymd_compare(ymd a, ymd b)
{
    if (a.y != b.y) return a.y < b.y ? -1 : 1;
    if (a.m != b.m) return a.m < b.m ? -1 : 1;
    return a.d < b.d ? -1 : a.d > b.d;
}

/* Write v as ISO 8601 to the grain: "2024", "2024-05" or "2024-05-08". */
static void ymd_format(char out[16], ymd v, unit grain)
{
    if (grain == UNIT_YEAR)
        snprintf(out, 16, "%04d", v.y);
    else if (grain == UNIT_MONTH)
        snprintf(out, 16, "%04d-%02d", v.y, v.m);
    else
        snprintf(out, 16, "%04d-%02d-%02d", v.y, v.m, v.d);
}

/* ---------- a date found ---------- */

typedef struct {
    size_t start, end;   /* the letters it is written in, time and range included */
    unit grain;
    ymd from, to;        /* to.y == 0 when it is not a range */
    int year_written;    /* 0: the year was guessed (or is missing) */
    int hour, minute;    /* hour < 0 when no time is written */
} found_date;

typedef enum { NO_DATE, DATE_FOUND, DATE_REJECTED } match_result;

/* An empty date starting at i, with no time. */
static void found_date_reset(found_date *fd, size_t i)
{
    memset(fd, 0, sizeof *fd);
    fd->start = fd->end = i;
    fd->hour = -1;
}

/* ---------- times ---------- */

/* Words before a time that say which part of the day it is in.  "pm" hours
 * before noon move 12 hours on (下午3点 = 15:00); "noon" hours before 11
 * (中午1点 = 13:00).  晚 comes after 晚上 so the longer word wins. */
typedef enum { DAY_AM, DAY_PM, DAY_NOON } day_part;

static const struct {
    const char *word;
    day_part part;
} day_parts[] = {
    {"上午", DAY_AM}, {"早上", DAY_AM}, {"早晨", DAY_AM}, {"清晨", DAY_AM},
    {"凌晨", DAY_AM}, {"中午", DAY_NOON}, {"下午", DAY_PM}, {"傍晚", DAY_PM},
    {"晚上", DAY_PM}, {"夜间", DAY_PM}, {"夜里", DAY_PM}, {"晚", DAY_PM},
};

/* Whether a number can be an hour or a minute: one or two digits, or a
 * short Chinese numeral. */
static int fits_clock(const number *num)
{
    return num->end > num->start && num->value >= 0 &&
           num->end - num->start <= (num->chinese ? 3u : 2u);
}

/* Minutes after an hour written with 时 or 点: 半, "30分", or none. */
static size_t read_minutes_after_unit(const letters *t, size_t i, int *minute)
{
    *minute = 0;
    if (at(t, i) == CH_HALF) {
        *minute = 30;
        return i + 1;
    }
    number mm = read_number(t, i);
    if (fits_clock(&mm) && at(t, mm.end) == CH_MINUTE) {
        *minute = mm.value;
        return mm.end + 1;
    }
    return i;
}

/* Minutes after "15:": exactly two digits, then optional ":SS" seconds.
 * Returns the index after them, or i when there are none. */
static size_t read_minutes_after_colon(const letters *t, size_t i, int *minute)
{
    number mm = read_number(t, i);
    if (mm.chinese || mm.end - mm.start != 2) return i;
    *minute = mm.value;
    number ss = read_number(t, mm.end + 1);
    if (at(t, mm.end) == ':' && !ss.chinese && ss.end - ss.start == 2) return ss.end;
    return mm.end;
}

/* Read a time of day at i: 15:00, 15:30:00, 15时30分, 15时, 3点半,
 * optionally after 上午/下午/晚上…  Returns the index after it, or i when
 * there is none or it is impossible (25:00). */
static size_t read_time(const letters *t, size_t i, int *hour, int *minute)
{
    size_t p = i;
    day_part part = DAY_AM;
    for (size_t k = 0; k < sizeof day_parts / sizeof day_parts[0]; k++) {
        size_t len = letters_match(t, p, day_parts[k].word);
        if (len) {
            part = day_parts[k].part;
            p = skip_gap(t, p + len);
            break;
        }
    }
    number h = read_number(t, p);
    if (!fits_clock(&h)) return i;
    int m = 0;
    size_t e;
    uint32_t u = at(t, h.end);
    if (u == ':' && !h.chinese) {
        e = read_minutes_after_colon(t, h.end + 1, &m);
        if (e == h.end + 1) return i;   /* "15:" with no minutes */
    } else if (u == CH_HOUR_SHI || u == CH_HOUR_DIAN) {
        e = read_minutes_after_unit(t, h.end + 1, &m);
    } else {
        return i;
    }
    int hh = h.value;
    if (part == DAY_PM && hh < 12) hh += 12;
    if (part == DAY_NOON && hh < 11) hh += 12;
    if (hh > 24 || m > 59 || (hh == 24 && m != 0)) return i;
    *hour = hh;
    *minute = m;
    return e;
}

/* Skip the end of a time range (14:30-16:00): only its start is kept. */
static size_t skip_time_range_end(const letters *t, size_t i)
{
    size_t p = skip_gap(t, i);
    if (!is_range_mark(at(t, p))) return i;
    p = skip_gap(t, p + 1);
    int h, m;
    size_t e = read_time(t, p, &h, &m);
    return e > p ? e : i;
}

/* 一 to 六, 日 or 天: the letter after 星期 or 周. */
static int is_weekday_name(uint32_t c)
{
    return c == 0x4E00 || c == 0x4E8C || c == 0x4E09 || c == 0x56DB || c == 0x4E94 ||
           c == 0x516D || c == CH_DAY || c == 0x5929;
}

/* Skip a weekday at i: 星期三, 周三, 礼拜三, in ASCII or full-width
 * brackets or none.  Returns i when there is none. */
static size_t skip_weekday(const letters *t, size_t i)
{
    size_t p = i;
    int bracket = at(t, p) == '(';
    if (bracket) p++;
    size_t word = letters_match(t, p, "星期");
    if (!word) word = letters_match(t, p, "礼拜");
    if (!word) word = letters_match(t, p, "周");
    if (!word) return i;
    p += word;
    if (!is_weekday_name(at(t, p))) return i;
    p++;
    if (bracket) {
        if (at(t, p) != ')') return i;
        p++;
    }
    return p;
}

/* ---------- unit chains: 2024年5月8日 ---------- */

/* Numbers each followed by a unit, in the order 年 月 日: "2024年5月8日",
 * "5月8日", "31日", "2024 年".  The last number may instead be a range
 * sharing its unit: "8-10日", "2021—2025年". */
typedef struct {
    number part[4];   /* indexed by unit; written when .end > .start */
    unit first, last; /* UNIT_NONE when the chain is empty */
    number range_to;  /* the second number of a shared-unit range */
    size_t end;       /* just after the last unit */
} unit_chain;

/* The unit written at i: 年, 月, 日 or 号 (a day too), or UNIT_NONE. */
static unit unit_at(const letters *t, size_t i)
{
    switch (at(t, i)) {
    case CH_YEAR: return UNIT_YEAR;
    case CH_MONTH: return UNIT_MONTH;
    case CH_DAY: case CH_DAY_HAO: return UNIT_DAY;
    default: return UNIT_NONE;
    }
}

/* Whether the chain has a number for unit u. */
static int chain_has(const unit_chain *c, unit u) { return c->part[u].end > c->part[u].start; }

/* Add a part to the chain, or return 0 when it would break the order
 * 年 月 日 or skip a unit (2024年8日 is not one date). */
static int chain_add(unit_chain *c, unit u, number num, size_t end)
{
    if (u == UNIT_NONE || (c->last != UNIT_NONE && u != c->last + 1)) return 0;
    c->part[u] = num;
    if (c->first == UNIT_NONE) c->first = u;
    c->last = u;
    c->end = end;
    return 1;
}

/* After a number with no unit: "-10日", the rest of a shared-unit range.
 * Returns 1 when it was one and has been added to the chain. */
static int chain_add_shared_range(const letters *t, unit_chain *c, number from, size_t i)
{
    if (!is_range_mark(at(t, i))) return 0;
    size_t p = skip_gap(t, i + 1);
    number to = read_number(t, p);
    if (to.end == to.start) return 0;
    size_t u_at = skip_gap(t, to.end);
    if (!chain_add(c, unit_at(t, u_at), from, u_at + 1)) return 0;
    c->range_to = to;
    return 1;
}

/* Read the unit chain at i.  Returns 1 when it has at least one part. */
static int read_chain(const letters *t, size_t i, unit_chain *c)
{
    memset(c, 0, sizeof *c);
    size_t pos = i;
    for (;;) {
        number num = read_number(t, pos);
        if (num.end == num.start) break;
        size_t u_at = skip_gap(t, num.end);
        unit u = unit_at(t, u_at);
        if (u == UNIT_NONE) {
            chain_add_shared_range(t, c, num, u_at);
            break;
        }
        if (!chain_add(c, u, num, u_at + 1) || u == UNIT_DAY) break;
        pos = skip_gap(t, c->end);
    }
    return c->last != UNIT_NONE;
}

/* Whether a number can stand before a unit: a year is four digits (2024,
 * 二〇二四), never part of a longer run; a month or a day one or two digits
 * or a Chinese numeral of up to three letters (三十一). */
static int fits_unit(const number *num, unit u)
{
    if (num->value < 0) return 0;
    size_t len = num->end - num->start;
    if (u == UNIT_YEAR) return num->digitwise && len == 4;
    return len <= (num->chinese ? 3u : 2u);
}

/* Copy the written parts of a chain into v; parts not written keep
 * their value.  Returns 0 when a number does not fit its unit. */
static int chain_values(const unit_chain *c, ymd *v)
{
    for (unit u = UNIT_YEAR; u <= UNIT_DAY; u++) {
        if (!chain_has(c, u)) continue;
        if (!fits_unit(&c->part[u], u)) return 0;
        ymd_set(v, u, c->part[u].value);
    }
    return 1;
}

/* ---------- ISO-like dates: 2024-05-08, 2024/5/8, 2024.5.8 ---------- */

static int is_iso_separator(uint32_t c) { return c == '-' || c == '/' || c == '.'; }

/* Whether i is a clean end for a date written with separators: not
 * followed by more of a number (2024.5.8.1, 2024-05-08-1234) or a word. */
static int iso_ends_cleanly(const letters *t, size_t i)
{
    uint32_t c = at(t, i);
    if (is_digit(c) || is_ascii_alpha(c) || c == '_') return 0;
    return !((is_iso_separator(c) || c == ':') && is_digit(at(t, i + 1)));
}

/* Whether the letters before i sit inside a URL: a run of printable ASCII
 * going back to "://". */
static int inside_url(const letters *t, size_t i)
{
    size_t lo = i > URL_LOOKBACK ? i - URL_LOOKBACK : 0;
    for (size_t p = i; p > lo + 2; p--) {
        uint32_t c = before(t, p);
        if (c <= ' ' || c >= 0x7F) return 0;
        if (c == '/' && before(t, p - 1) == '/' && before(t, p - 2) == ':') return 1;
    }
    return 0;
}

/* Whether a date with separators may start at i: not the tail of a word,
 * number, path or version (GB/T 9704-2012, v2024.5.8, 10.2024.5.8). */
static int iso_starts_cleanly(const letters *t, size_t i)
{
    uint32_t p = before(t, i);
    if (is_digit(p) || is_ascii_alpha(p) || is_iso_separator(p) || p == '_' || p == '\\')
        return 0;
    return !inside_url(t, i);
}

/* Read four digits, one or two, one or two, with the same separator twice.
 * Returns the index after them, or i when there is no such shape. */
static size_t read_iso(const letters *t, size_t i, ymd *v, uint32_t *sep)
{
    number y = read_number(t, i);
    if (y.chinese || y.end - y.start != 4) return i;
    *sep = at(t, y.end);
    if (!is_iso_separator(*sep)) return i;
    number m = read_number(t, y.end + 1);
    if (m.chinese || m.end == m.start || m.end - m.start > 2 || at(t, m.end) != *sep) return i;
    number d = read_number(t, m.end + 1);
    if (d.chinese || d.end == d.start || d.end - d.start > 2) return i;
    v->y = y.value;
    v->m = m.value;
    v->d = d.value;
    return d.end;
}

/* Read "5.31" (month, separator, day) as the end of a range that began
 * "2024.5.8-".  Returns the index after it, or i. */
static size_t read_month_day(const letters *t, size_t i, uint32_t sep, ymd *v)
{
    number m = read_number(t, i);
    if (m.chinese || m.end == m.start || m.end - m.start > 2 || at(t, m.end) != sep) return i;
    number d = read_number(t, m.end + 1);
    if (d.chinese || d.end == d.start || d.end - d.start > 2) return i;
    v->m = m.value;
    v->d = d.value;
    return d.end;
}

/* ---------- ranges ---------- */

/* Read the end of a range written as a unit chain of the start's grain:
 * "31日", "5月31日", "2024年5月31日", "2025年".  Returns the index after
 * it, or i. */
static size_t read_range_chain(const letters *t, size_t i, unit grain, ymd *to, int *year_written)
{
    unit_chain c;
    if (!read_chain(t, i, &c) || c.last != grain || c.range_to.end > c.range_to.start) return i;
    if (!chain_values(&c, to)) return i;
    *year_written = chain_has(&c, UNIT_YEAR);
    return c.end;
}

/* Read the other end of a range after a date: a range mark (至 到 - ~ – —,
 * doubled dashes too), then a date of the same grain, which takes what it
 * leaves out from the start and may carry a time (dropped: only the
 * start's time is kept).  iso_sep is the separator of an ISO-like start,
 * which also allows "2024.5.8-5.10", or 0.  Returns the index after the
 * end and sets fd->to, or returns i. */
static size_t read_range(const letters *t, size_t i, found_date *fd, uint32_t iso_sep)
{
    size_t p = skip_gap(t, i);
    if (!is_range_mark(at(t, p))) return i;
    p++;
    if (is_range_mark(at(t, p)) && at(t, p) == before(t, p)) p++;   /* —— */
    p = skip_gap(t, p);
    ymd to = fd->from;
    int year_written = 0;
    uint32_t sep;
    size_t e = p;
    if (fd->grain == UNIT_DAY) {
        e = read_iso(t, p, &to, &sep);
        year_written = e > p;
        if (e == p && iso_sep) e = read_month_day(t, p, iso_sep, &to);
    }
    if (e == p) e = read_range_chain(t, p, fd->grain, &to, &year_written);
    if (e == p) return i;
    if (!year_written && to.m < fd->from.m) to.y++;   /* 12月30日至1月3日 */
    if (!ymd_valid(to, fd->grain) || ymd_compare(to, fd->from) <= 0) return i;
    fd->to = to;
    int h, m;
    size_t q = skip_gap(t, e);
    size_t time_end = read_time(t, q, &h, &m);
    return time_end > q ? time_end : e;
}

/* After a whole date: an optional weekday, time (with the end of a time
 * range) and range, moving fd->end past what is there.  A weekday is only
 * taken when a time or a range follows it. */
static void read_day_tail(const letters *t, found_date *fd, uint32_t iso_sep)
{
    size_t p = skip_gap(t, fd->end);
    if (iso_sep && at(t, fd->end) == 'T') p = fd->end + 1;
    size_t weekday_end = skip_weekday(t, p);
    size_t q = weekday_end > p ? skip_gap(t, weekday_end) : p;
    int h, m;
    size_t time_end = read_time(t, q, &h, &m);
    size_t after = weekday_end > p ? weekday_end : fd->end;
    if (time_end > q) {
        fd->hour = h;
        fd->minute = m;
        after = skip_time_range_end(t, time_end);
    }
    size_t range_end = read_range(t, after, fd, iso_sep);
    if (range_end > after) fd->end = range_end;
    else if (time_end > q) fd->end = after;
}

/* ---------- matching a date at one place ---------- */

/* What the text said before a place: the year and month a date written
 * without them takes.  year is the nearest preceding year written in the
 * text (any precision, bare 2022羊城杯 too), else the page's year, else 0;
 * month the nearest preceding month written, else 0. */
typedef struct {
    int year;
    int month;
    int year_in_text; /* year was written in the text, not taken from the page */
} date_context;

/* The year a year-less date takes: the context's, or 2000 (a leap year)
 * standing in when none is known (the caller drops the date). */
static int context_year(const date_context *ctx) { return ctx->year ? ctx->year : 2000; }

/* Match "2024-05-08" and its kin at i, with tail.  Rejects the shape when
 * it is glued to other numbers or words, or is no real date. */
static match_result match_iso(const letters *t, size_t i, found_date *fd)
{
    uint32_t sep;
    size_t e = read_iso(t, i, &fd->from, &sep);
    if (e == i) return NO_DATE;
    fd->end = e;
    fd->grain = UNIT_DAY;
    fd->year_written = 1;
    if (!iso_starts_cleanly(t, i) || !ymd_valid(fd->from, UNIT_DAY)) return DATE_REJECTED;
    read_day_tail(t, fd, sep);
    if (!iso_ends_cleanly(t, fd->end)) return DATE_REJECTED;
    return DATE_FOUND;
}

/* Match an ISO year-month, "2024-9" or "2024-09": four digits, a hyphen
 * and a month, standing alone (2020-23 is a span of years, 2024-5678 no
 * date at all). */
static match_result match_iso_month(const letters *t, size_t i, found_date *fd)
{
    number y = read_number(t, i);
    if (y.chinese || y.end - y.start != 4 || at(t, y.end) != '-') return NO_DATE;
    number m = read_number(t, y.end + 1);
    if (m.chinese || m.end == m.start || m.end - m.start > 2) return NO_DATE;
    if (!iso_starts_cleanly(t, i) || !iso_ends_cleanly(t, m.end)) return NO_DATE;
    if (at(t, skip_gap(t, m.end)) == CH_YEAR) return NO_DATE;   /* 2005-06 年: a span of years */
    fd->from = (ymd){y.value, m.value, 0};
    if (!ymd_valid(fd->from, UNIT_MONTH)) return NO_DATE;
    fd->end = m.end;
    fd->grain = UNIT_MONTH;
    fd->year_written = 1;
    return DATE_FOUND;
}

/* Read "5.09" (month, dot, day; one or two digits each) at i.  Returns the
 * index after it, or i. */
static size_t read_dotted_month_day(const letters *t, size_t i, ymd *v)
{
    number m = read_number(t, i);
    if (m.chinese || m.end == m.start || m.end - m.start > 2 || at(t, m.end) != '.') return i;
    number d = read_number(t, m.end + 1);
    if (d.chinese || d.end == d.start || d.end - d.start > 2) return i;
    v->m = m.value;
    v->d = d.value;
    return d.end;
}

/* Match a year-less dotted range, "3.23-3.29" or "12.30-1.5": one month.day
 * alone could be a version or a decimal, two joined by a range mark are a
 * span of days.  The year comes from the context; an end in an earlier
 * month is in the next year. */
static match_result match_dotted_range(const letters *t, size_t i, const date_context *ctx,
                                       found_date *fd)
{
    ymd from = {context_year(ctx), 0, 0};
    size_t e = read_dotted_month_day(t, i, &from);
    if (e == i || !iso_starts_cleanly(t, i)) return NO_DATE;
    if (before(t, i) == ':' && is_digit(before(t, i - 1))) return NO_DATE;   /* a ratio, 1:3.5-6.3 */
    size_t p = skip_gap(t, e);
    if (!is_range_mark(at(t, p))) return NO_DATE;
    p = skip_gap(t, p + 1);
    ymd to = from;
    size_t e2 = read_dotted_month_day(t, p, &to);
    if (e2 == p || !iso_ends_cleanly(t, e2)) return NO_DATE;
    if (to.m < from.m) to.y++;
    if (!ymd_valid(from, UNIT_DAY) || !ymd_valid(to, UNIT_DAY) || ymd_compare(to, from) <= 0)
        return NO_DATE;
    fd->from = from;
    fd->to = to;
    fd->end = e2;
    fd->grain = UNIT_DAY;
    return DATE_FOUND;
}

/* Whether c is a CJK ideograph: what stands around a dotted date in
 * running Chinese text (相约4.18云安全高峰论坛). */
static int is_ideograph(uint32_t c) { return c >= 0x4E00 && c <= 0x9FFF; }

/* Letters after a decimal number that make it a quantity or a version:
 * 1.25倍, 3.5万, 9.8分, 3.10版, 2.15的. */
static int is_decimal_unit(uint32_t c)
{
    static const uint32_t units[] = {0x500D, 0x4E07, 0x4EBF, 0x5143, 0x5206, 0x4E2A, 0x7248,
                                     0x7684, 0x7BC7, 0x7C73, 0x5EA6, 0x5C0F, 0x5929, 0x5E74,
                                     0x6708, 0x65E5, 0x53F7, 0x7EA7, 0x5BF8, 0x514B, 0x6B21,
                                     0x671F};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (c == units[k]) return 1;
    return 0;
}

/* Letters before a number that make it a version or a serial: 版本3.01,
 * 第1.5, 号2.10. */
static int names_version(uint32_t c) { return c == 0x672C || c == 0x7248 || c == 0x7B2C || c == 0x53F7; }

/* Match a lone year-less dotted date inside Chinese text, "4.18" in
 * 相约4.18云安全高峰论坛: month, dot, a two-digit day, with ideographs (or
 * a line start, space or bracket) on both sides.  A decimal (1.5倍, 8.7篇),
 * a version (3.10版, 版本3.01, 8.14至17.1.7), an issue (10.26期) or an
 * outline number (1.1 情报) is not one. */
static match_result match_dotted_day(const letters *t, size_t i, const date_context *ctx,
                                     found_date *fd)
{
    ymd v = {context_year(ctx), 0, 0};
    size_t e = read_dotted_month_day(t, i, &v);
    if (e == i || e - i < 4 || !is_digit(before(t, e)) || !is_digit(before(t, e - 1)))
        return NO_DATE;
    uint32_t p = before(t, i), n = at(t, e);
    if (!(p == 0 || p == '\n' || p == '(' || (is_ideograph(p) && !names_version(p)))) return NO_DATE;
    if (!is_ideograph(n) || is_decimal_unit(n) || n == CH_ZHI || n == CH_DAO) return NO_DATE;
    if (!ymd_valid(v, UNIT_DAY)) return NO_DATE;
    fd->from = v;
    fd->end = e;
    fd->grain = UNIT_DAY;
    return DATE_FOUND;
}

/* The full year of a two-digit year: in the century that puts it no
 * later than the year after the context's. */
static int full_year(int two_digits, const date_context *ctx)
{
    int now = ctx->year ? ctx->year : 2000;
    int y = now / 100 * 100 + two_digits;
    return y > now + 1 ? y - 100 : y;
}

/* Match a pair of two-digit years sharing 年, "14/15年": 14年 alone is
 * mostly a span (20年信息安全从业经验), the pair with a slash is years. */
static match_result match_two_digit_years(const letters *t, size_t i, const date_context *ctx,
                                          found_date *fd)
{
    number a = read_number(t, i);
    if (a.chinese || a.end - a.start != 2 || at(t, a.end) != '/') return NO_DATE;
    number b = read_number(t, a.end + 1);
    if (b.chinese || b.end - b.start != 2 || at(t, b.end) != CH_YEAR || b.value <= a.value)
        return NO_DATE;
    fd->from = (ymd){full_year(a.value, ctx), 0, 0};
    fd->to = (ymd){full_year(b.value, ctx), 0, 0};
    if (!ymd_valid(fd->from, UNIT_YEAR) || ymd_compare(fd->to, fd->from) <= 0) return NO_DATE;
    fd->end = b.end + 1;
    fd->grain = UNIT_YEAR;
    fd->year_written = 1;
    return DATE_FOUND;
}

/* Whether the letters after a year (2024年…) make it part of a serial
 * number or a vague span rather than a date: 2024年第1号, 2025年第1期,
 * 2022年第21次 (but 2024年第四季度 and 2024年第3周 are times of the year),
 * 1970年代. */
static int year_is_not_a_date(const letters *t, size_t after)
{
    size_t p = skip_gap(t, after);
    if (at(t, p) == 0x4EE3) return 1;                 /* 代 */
    if (at(t, p) != 0x7B2C) return 0;                 /* 第 */
    number n = read_number(t, skip_gap(t, p + 1));
    if (n.end == n.start) return 0;
    uint32_t u = at(t, skip_gap(t, n.end));
    return u != 0x5B63 && u != 0x5468;               /* 季 周 */
}

/* Words before a number that make it a serial or a count, not a day:
 * 第22号, 每5日, 含6日三餐, 共3日, 约10日, 近30日, 为期7日, 连续5日, 满15日. */
static int counts_before(uint32_t p)
{
    static const uint32_t words[] = {0x7B2C, 0x6BCF, 0x542B, 0x5171, 0x7EA6, 0x8FD1,
                                     0x671F, 0x7EED, 0x6EE1, 0x903E, 0x8BA1};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (p == words[k]) return 1;
    return is_digit(p);
}

/* Whether the letter after "28号" lets it be a day: 号 also numbers
 * things (12号字, 3号楼, 5号线), so a day-only 号 needs punctuation, a
 * space, the end, or a word of time after it (28号凌晨, 27号前, 28号起). */
static int hao_ends_day(uint32_t c)
{
    static const uint32_t time_words[] = {0x524D, 0x540E, 0x8D77, 0x81F3, 0x5230, 0x665A,
                                          0x65E9, 0x4E0A, 0x4E0B, 0x4E2D, 0x51CC, 0x591C,
                                          0x5F53, 0x5F00, 0x4E4B, 0x7684, 0x5DE6};
    if (!is_ideograph(c)) return !is_digit(c) && !is_ascii_alpha(c);
    for (size_t k = 0; k < sizeof time_words / sizeof time_words[0]; k++)
        if (c == time_words[k]) return 1;
    return 0;
}

/* Closing brackets: a number just after one ends a document number
 * (公通字〔2015〕4号). */
static int is_closing_bracket(uint32_t c)
{
    return c == 0x3015 || c == ']' || c == 0x3011 || c == ')' || c == 0x3009;   /* 〕 ] 】 ) 〉 */
}

/* Whether 日 at a day's end is the first letter of a word (日志, 日记,
 * 日常, 日语), the day then being no day. */
static int starts_day_word(uint32_t c)
{
    return c == 0x5FD7 || c == 0x8BB0 || c == 0x5E38 || c == 0x8BED;
}

/* Whether a day-only chain (22日, 28号) at i reads as a day of the month:
 * digits, and not a serial number or a count (see counts_before). */
static int day_only_is_date(const letters *t, size_t i, const unit_chain *c)
{
    if (c->part[UNIT_DAY].chinese) return 0;
    size_t b = i;
    for (int gap = 0; gap < MAX_GAP && before(t, b) == ' '; gap++) b--;
    uint32_t p = before(t, b);
    if (counts_before(p) || p == '.' || is_closing_bracket(p)) return 0;   /* 3.2.3 日志, 〔2015〕4号 */
    if (at(t, c->end - 1) == CH_DAY) return !starts_day_word(at(t, c->end));
    return hao_ends_day(at(t, c->end));
}

/* Whether a month-only chain (11月, 十月) at i reads as a month: not a
 * serial or a count (第三月, 每月), nor a lunar day (二月二, 正月十五: a
 * number straight after 月 with no 日). */
static int month_only_is_date(const letters *t, size_t i, const unit_chain *c)
{
    uint32_t n = at(t, c->end);
    if (is_digit(n) || is_cn_numeral(n)) return 0;
    size_t b = i;
    for (int gap = 0; gap < MAX_GAP && before(t, b) == ' '; gap++) b--;
    uint32_t p = before(t, b);
    return p != 0x7B2C && p != 0x6BCF && p != 0x4E2A;   /* 第 每 个 */
}

/* Whether a chain of this shape is a date: 年…, 月日, 月 alone, or a day
 * alone when a month was written before it. */
static int chain_shape_is_date(const letters *t, size_t i, const unit_chain *c,
                               const date_context *ctx)
{
    if (c->first == UNIT_YEAR) return !year_is_not_a_date(t, c->end);
    if (c->first == UNIT_MONTH)
        return c->last == UNIT_DAY || month_only_is_date(t, i, c);
    return ctx->month && ctx->year && day_only_is_date(t, i, c);
}

/* 1月27、28号: in a list of days the unit is written once, after the last,
 * so a month followed by a bare day and 、 is that day.  Adds the day to
 * the chain when it is one. */
static void listed_day(const letters *t, unit_chain *c)
{
    number d = read_number(t, c->end);
    if (d.chinese || d.end == d.start || d.end - d.start > 2 || at(t, d.end) != CH_LIST_COMMA)
        return;
    number next = read_number(t, d.end + 1);
    if (next.end == next.start || unit_at(t, skip_gap(t, next.end)) != UNIT_DAY) return;
    chain_add(c, UNIT_DAY, d, d.end);
}

/* 2023年元旦: a year followed by the one fixed-date holiday is its
 * January 1st.  Returns 1 when it was. */
static int chain_holiday(const letters *t, found_date *fd)
{
    if (fd->grain != UNIT_YEAR || fd->to.y) return 0;
    size_t p = skip_gap(t, fd->end);
    if (!letters_match(t, p, "元旦")) return 0;
    fd->grain = UNIT_DAY;
    fd->from.m = 1;
    fd->from.d = 1;
    fd->end = p + 2;
    return 1;
}

/* Match a unit chain at i as a date: 年, 年月, 年月日, 月日, 月 or 日,
 * with a shared-unit range or a tail.  What is not written takes the
 * context's year and month.  Chains of another shape (第35号) are no date;
 * chains of a date's shape with impossible values are rejected. */
static match_result match_chain(const letters *t, size_t i, const date_context *ctx,
                                found_date *fd)
{
    unit_chain c;
    if (!read_chain(t, i, &c)) return NO_DATE;
    if (c.last == UNIT_MONTH && c.range_to.end == c.range_to.start) listed_day(t, &c);
    if (!chain_shape_is_date(t, i, &c, ctx)) return NO_DATE;
    fd->end = c.end;
    fd->grain = c.last;
    fd->year_written = c.first == UNIT_YEAR;
    fd->from.y = fd->year_written ? 0 : context_year(ctx);
    if (c.first == UNIT_DAY) fd->from.m = ctx->month;
    if (!chain_values(&c, &fd->from)) return DATE_REJECTED;
    if (!fd->year_written && !ymd_valid((ymd){2000, fd->from.m, fd->from.d}, fd->grain))
        return DATE_REJECTED;   /* 2月30日 whatever the year */
    if (!ymd_valid(fd->from, fd->grain)) return DATE_REJECTED;
    if (c.range_to.end > c.range_to.start) {
        if (!fits_unit(&c.range_to, c.last)) return DATE_REJECTED;
        fd->to = fd->from;
        ymd_set(&fd->to, c.last, c.range_to.value);
        if (!ymd_valid(fd->to, fd->grain) || ymd_compare(fd->to, fd->from) <= 0)
            return DATE_REJECTED;
    } else if (fd->grain == UNIT_DAY) {
        read_day_tail(t, fd, 0);
    } else if (!chain_holiday(t, fd)) {
        fd->end = read_range(t, fd->end, fd, 0);
    }
    return DATE_FOUND;
}

/* Whether 同年 at i means "the same year", not a word that holds it:
 * 不同年龄, 同年级, 共同年度. */
static int same_year_is_date(const letters *t, size_t i)
{
    uint32_t p = before(t, i), n = at(t, i + 2);
    if (p == 0x4E0D || p == 0x5171 || p == 0x76F8 || p == 0x5982) return 0;   /* 不 共 相 如 */
    return n != 0x9F84 && n != 0x7EA7 && n != 0x7EAA && n != 0x4EE3;          /* 龄 级 纪 代 */
}

/* Match 同年 ("the same year") at i: the context's year, alone or before
 * a month (同年10月).  Only a year written in the text is meant. */
static match_result match_same_year(const letters *t, size_t i, const date_context *ctx,
                                    found_date *fd)
{
    if (!ctx->year_in_text || !letters_match(t, i, "同年") || !same_year_is_date(t, i))
        return NO_DATE;
    size_t p = skip_gap(t, i + 2);
    unit_chain c;
    if (read_chain(t, p, &c) && c.first == UNIT_MONTH && c.range_to.end == c.range_to.start &&
        match_chain(t, p, ctx, fd) == DATE_FOUND) {
        fd->start = i;
        return DATE_FOUND;
    }
    found_date_reset(fd, i);
    fd->from.y = ctx->year;
    fd->grain = UNIT_YEAR;
    fd->end = i + 2;
    return DATE_FOUND;
}

/* Match a bare 元旦 at i: January 1st of the context's year. */
static match_result match_holiday(const letters *t, size_t i, const date_context *ctx,
                                  found_date *fd)
{
    if (!letters_match(t, i, "元旦")) return NO_DATE;
    fd->from = (ymd){context_year(ctx), 1, 1};
    fd->grain = UNIT_DAY;
    fd->end = i + 2;
    return DATE_FOUND;
}

/* Whether a date may begin at i: at the start of a run of digits or of
 * Chinese numerals, not glued to a word (V2024), and not the tail of a
 * number such as GB/T 22239—2019.  同年 and 元旦 begin dates too. */
static int may_start_date(const letters *t, size_t i)
{
    uint32_t c = at(t, i), p = before(t, i);
    if (c == 0x540C || c == 0x5143) return at(t, i + 1) == (c == 0x540C ? CH_YEAR : 0x65E6u);
    if (is_digit(c)) {
        if (is_digit(p) || is_ascii_alpha(p)) return 0;
    } else if (is_cn_numeral(c)) {
        if (is_cn_numeral(p)) return 0;
    } else {
        return 0;
    }
    return !(is_range_mark(p) && is_digit(before(t, i - 1)));
}

/* Try every form at i.  On DATE_REJECTED fd->end is past the look-alike,
 * so the caller skips it whole. */
static match_result match_at(const letters *t, size_t i, const date_context *ctx, found_date *fd)
{
    found_date_reset(fd, i);
    if (at(t, i) == 0x540C) return match_same_year(t, i, ctx, fd);
    if (at(t, i) == 0x5143) return match_holiday(t, i, ctx, fd);
    if (is_digit(at(t, i))) {
        match_result r = match_iso(t, i, fd);
        if (r != NO_DATE) return r;
        found_date_reset(fd, i);
        if (match_iso_month(t, i, fd) == DATE_FOUND) return DATE_FOUND;
        found_date_reset(fd, i);
        if (match_dotted_range(t, i, ctx, fd) == DATE_FOUND) return DATE_FOUND;
        found_date_reset(fd, i);
        if (match_dotted_day(t, i, ctx, fd) == DATE_FOUND) return DATE_FOUND;
        found_date_reset(fd, i);
        if (match_two_digit_years(t, i, ctx, fd) == DATE_FOUND) return DATE_FOUND;
    }
    found_date_reset(fd, i);
    return match_chain(t, i, ctx, fd);
}

/* ---------- roles ---------- */

static const char *const deadline_lead_words[] = {"截止", "截至", "不晚于", "最迟", "最晚", NULL};
static const char *const deadline_before_words[] = {"之前", "以前", "前", NULL};
static const char *const submit_verbs[] = {"报送", "提交", "申报", "反馈", "报名", "上报",
                                           "递交", "寄送", "发送", "完成", "登录", NULL};
static const char *const event_words[] = {"会议", "举办", "召开", "开展", "举行", "将于",
                                          "开幕", NULL};

static const char *const time_words[] = {"时间", "日期", NULL};

/* The start of the sentence around i, looking back at most ROLE_REACH. */
static size_t sentence_start(const letters *t, size_t i)
{
    size_t lo = i > ROLE_REACH ? i - ROLE_REACH : 0;
    while (i > lo && !ends_sentence(before(t, i))) i--;
    return i;
}

/* The end of the sentence around i, looking ahead at most ROLE_REACH. */
static size_t sentence_end(const letters *t, size_t i)
{
    size_t hi = i + ROLE_REACH < t->n ? i + ROLE_REACH : t->n;
    while (i < hi && !ends_sentence(at(t, i))) i++;
    return i;
}

/* Whether one of words starts exactly at i; returns its length or 0. */
static size_t match_any(const letters *t, size_t i, const char *const *words)
{
    for (size_t w = 0; words[w]; w++) {
        size_t k = letters_match(t, i, words[w]);
        if (k) return k;
    }
    return 0;
}

/* Skip a short aside in brackets at i, （含当日）, or return i. */
static size_t skip_aside(const letters *t, size_t i)
{
    if (at(t, i) != '(') return i;
    for (size_t p = i + 1; p <= i + ASIDE_MAX && p < t->n; p++) {
        if (at(t, p) == ')') return skip_gap(t, p + 1);
        if (ends_sentence(at(t, p))) break;
    }
    return i;
}

/* A deadline: 截止/截至/不晚于 shortly before the date in its sentence;
 * 截止 right after it or a word or two on (四月末的截止日期), a short
 * aside in brackets allowed between; or 前/之前/以前 right after it (not 前后) with 于/在
 * just before it (于…前) or a verb of handing in soon after (…前报送). */
static int is_deadline(const letters *t, const found_date *fd)
{
    size_t s0 = sentence_start(t, fd->start);
    size_t lead = fd->start > DEADLINE_LEAD ? fd->start - DEADLINE_LEAD : 0;
    if (contains_any(t, lead > s0 ? lead : s0, fd->start, deadline_lead_words)) return 1;
    size_t p = skip_aside(t, skip_gap(t, fd->end));
    for (size_t q = p; q <= p + DEADLINE_TAIL && !ends_clause(at(t, q)); q++)
        if (letters_match(t, q, "截止")) return 1;
    size_t k = match_any(t, p, deadline_before_words);
    if (!k || at(t, p + k) == CH_HOU) return 0;
    size_t b = fd->start;
    for (int gap = 0; gap < MAX_GAP && before(t, b) == ' '; gap++) b--;
    if (before(t, b) == CH_YU || before(t, b) == CH_ZAI) return 1;
    size_t s1 = sentence_end(t, p + k);
    size_t reach = p + k + DEADLINE_VERB_REACH;
    return contains_any(t, p + k, reach < s1 ? reach : s1, submit_verbs);
}

/* An event: a word of meeting or holding in the date's sentence. */
static int is_event(const letters *t, const found_date *fd)
{
    return contains_any(t, sentence_start(t, fd->start), sentence_end(t, fd->end), event_words);
}

/* The number of non-empty lines from i on, counting no further than
 * limit + 1. */
static size_t lines_after(const letters *t, size_t i, size_t limit)
{
    size_t lines = 0;
    int in_line = 0;
    for (; i < t->n && lines <= limit; i++) {
        uint32_t c = at(t, i);
        if (c == '\n') in_line = 0;
        else if (c != ' ' && !in_line) {
            in_line = 1;
            lines++;
        }
    }
    return lines;
}

/* Whether the non-empty line ending just before i (at a '\n') is short and
 * reads as a name, not prose: the organisation above a signature date. */
static int line_above_is_signer(const letters *t, size_t i)
{
    size_t p = i;
    while (p > 0 && (before(t, p) == '\n' || before(t, p) == ' ')) p--;
    if (p == 0 || ends_clause(before(t, p))) return 0;
    size_t len = 0;
    while (p > 0 && before(t, p) != '\n' && len <= SIGNER_MAX_LEN) {
        p--;
        len++;
    }
    return len <= SIGNER_MAX_LEN;
}

/* The start of the non-empty line ending just before i (a '\n'), looking
 * back at most SIGNER_MAX_LEN letters; *len is its length, more than
 * SIGNER_MAX_LEN when it is longer. */
static size_t line_above(const letters *t, size_t i, size_t *len)
{
    size_t p = i;
    while (p > 0 && (before(t, p) == '\n' || before(t, p) == ' ')) p--;
    size_t e = p;
    while (p > 0 && before(t, p) != '\n' && e - p <= SIGNER_MAX_LEN) p--;
    *len = e - p;
    return p;
}

/* A signature inside a longer text (a quoted notice, a decree followed by
 * its rules; the date written with 年 and no time): one to SIGNER_MAX_LINES
 * short name lines above the date,
 * and above them a sentence that ends (…现予公布。, 特此公告。, …支持！).
 * A heading such as 会议时间 over a date has no closed sentence above. */
static int signers_close_prose(const letters *t, size_t i)
{
    size_t p = i;
    for (int k = 0; k < SIGNER_MAX_LINES; k++) {
        size_t len;
        size_t start = line_above(t, p, &len);
        uint32_t last = len ? before(t, start + len) : 0;
        if (last == CH_FULL_STOP || last == '!') return k > 0;
        if (len == 0 || len > SIGNER_MAX_LEN || ends_clause(last) ||
            contains_any(t, start, start + len, time_words))
            return 0;
        if (start == 0) return 0;
        p = start - 1;
    }
    return 0;
}

/* Whether fd is written 2022年11月25日 (or 二〇二二年…), as notices sign,
 * not 2025-06-11 16:33:57, as lists of articles and comments stamp. */
static int written_with_year_unit(const letters *t, const found_date *fd)
{
    number y = read_number(t, fd->start);
    return y.end > y.start && at(t, skip_gap(t, y.end)) == CH_YEAR;
}

/* A signature date: alone on its line, under a short line (the issuer),
 * and among the last lines of the text. */
static int is_signed(const letters *t, const found_date *fd)
{
    size_t a = fd->start, b = fd->end;
    while (before(t, a) == ' ') a--;
    while (at(t, b) == ' ') b++;
    if (a == 0 || before(t, a) != '\n' || (b < t->n && at(t, b) != '\n')) return 0;
    if (!line_above_is_signer(t, a - 1)) return 0;
    if (lines_after(t, b, SIGNED_MAX_LINES_AFTER) <= SIGNED_MAX_LINES_AFTER) return 1;
    return fd->grain == UNIT_DAY && !fd->to.y && fd->hour < 0 && written_with_year_unit(t, fd) &&
           signers_close_prose(t, a - 1);
}

/* A news item's own dateline: "1月2日消息，…", "7月26日SEC官网，…" (the
 * source may stand between the date and 消息), the day the item was
 * reported, not a day something happened. */
static int is_dateline(const letters *t, const found_date *fd)
{
    if (fd->grain != UNIT_DAY || fd->to.y) return 0;
    size_t p = skip_gap(t, fd->end), stop = p + DATELINE_SOURCE_MAX;
    for (; p < stop && p < t->n && !ends_clause(at(t, p)); p++)
        if (letters_match(t, p, "消息") || letters_match(t, p, "官网")) return 1;
    return 0;
}

/* The role of a date; when several apply, signed > deadline > event >
 * published > mentioned. */
static const char *date_role(const letters *t, const found_date *fd, ymd published, int in_title)
{
    if (!in_title && is_signed(t, fd)) return "signed";
    if (is_dateline(t, fd)) return "published";
    if (is_deadline(t, fd)) return "deadline";
    if (is_event(t, fd)) return "event";
    if (fd->grain == UNIT_DAY && !fd->to.y && published.y && ymd_compare(fd->from, published) == 0)
        return "published";
    return "mentioned";
}

/* ---------- the scan ---------- */

typedef struct {
    json_t *out;      /* the dates found so far */
    json_t *warnings; /* may be NULL */
    ymd published;    /* y == 0 when unknown */
    int year;         /* the latest year written in the text (any precision), 0 before one */
    int month;        /* the latest month written, 0 before one */
    size_t dropped;   /* dates found past WX_MAX_DATES, not kept */
} scan_state;

/* Say in the warnings that the year of the date written `text` was
 * guessed as `year` from `source`, or (year 0) that the date was dropped. */
static void warn_year(scan_state *st, const char *text, int year, const char *source)
{
    if (!st->warnings) return;
    json_t *msg = year ? json_sprintf("year of date \"%s\" guessed as %d from %s", text, year, source)
                       : json_sprintf("date \"%s\" skipped: no year written or known", text);
    if (msg) json_array_append_new(st->warnings, msg);
}

/* The date object for fd, in the record's shape. */
static json_t *date_object(const char *text, const found_date *fd, const char *role)
{
    char date[16], end[16], time[16];
    ymd_format(date, fd->from, fd->grain);
    if (fd->to.y) ymd_format(end, fd->to, fd->grain);
    if (fd->hour >= 0) snprintf(time, sizeof time, "%02d:%02d", fd->hour, fd->minute);
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s}", "text", text, "date", date,
                     "time", fd->hour >= 0 ? time : NULL, "end", fd->to.y ? end : NULL,
                     "role", role);
}

/* Remember what a date wrote for the dates after it: its year when
 * written (the end's, for a range), its month (the end's too). */
static void remember_context(scan_state *st, const found_date *fd)
{
    const ymd *last = fd->to.y ? &fd->to : &fd->from;
    if (fd->year_written) st->year = last->y;
    if (fd->grain >= UNIT_MONTH) st->month = last->m;
}

/* 今年/去年/明年 just before a year-less date: the page's year, one
 * before or one after it (今年5月 in a 2024 page is May 2024, whatever
 * year was written last).  Returns the offset from the page's year in
 * *offset, or 0 when there is no such word. */
static int relative_year_before(const letters *t, size_t i, int *offset)
{
    static const struct { const char *word; int offset; } words[] = {
        {"今年", 0}, {"去年", -1}, {"明年", 1}, {"本年", 0}};
    size_t b = i;
    for (int gap = 0; gap < MAX_GAP && before(t, b) == ' '; gap++) b--;
    if (b < 2) return 0;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (letters_match(t, b - 2, words[k].word) == 2) {
            *offset = words[k].offset;
            return 1;
        }
    return 0;
}

/* Move a year-less date fd to the year y (its end too, by as many
 * years).  Returns 0, leaving fd alone, when the date does not exist in y
 * (2月29日). */
static int move_to_year(found_date *fd, int y)
{
    ymd from = fd->from, to = fd->to;
    if (to.y) to.y += y - from.y;
    from.y = y;
    if (!ymd_valid(from, fd->grain) || (to.y && !ymd_valid(to, fd->grain))) return 0;
    fd->from = from;
    fd->to = to;
    return 1;
}

/* Record a date found: say when its year was guessed (or drop it when no
 * year can be had), give it its role, and remember its year and month for
 * the dates that follow without them. */
static void record_date(scan_state *st, const letters *t, found_date *fd, int in_title)
{
    if (json_array_size(st->out) >= WX_MAX_DATES) {   /* counted, not kept; still context */
        st->dropped++;
        remember_context(st, fd);
        return;
    }
    char *text = letters_text(t, fd->start, fd->end);
    if (!text) return;
    int offset;
    if (!fd->year_written && st->published.y && relative_year_before(t, fd->start, &offset) &&
        move_to_year(fd, st->published.y + offset)) {
        warn_year(st, text, fd->from.y, "published_at and the word before it");
    } else if (!fd->year_written) {
        if (st->year) {
            warn_year(st, text, fd->from.y, "the nearest year written before it");
        } else if (st->published.y) {
            warn_year(st, text, fd->from.y, "published_at");
        } else {
            warn_year(st, text, 0, NULL);
            free(text);
            return;
        }
    }
    const char *role = date_role(t, fd, st->published, in_title);
    json_t *obj = date_object(text, fd, role);
    if (obj) json_array_append_new(st->out, obj);
    remember_context(st, fd);
    free(text);
}

/* Whether the letter after a bare four-digit number makes it a quantity
 * (2000元, 1900多人, 2024个, 2009起, 2000美元) rather than a year. */
static int is_quantity_unit(uint32_t c)
{
    static const uint32_t units[] = {0x5143, 0x4E07, 0x4EBF, 0x591A, 0x4F59, 0x4E2A, 0x4EBA,
                                     0x540D, 0x5BB6, 0x4EF6, 0x6761, 0x6B21, 0x53F0, 0x4F4D,
                                     0x9879, 0x6B3E, 0x7BC7, 0x4EFD, 0x5B57, 0x7C73, 0x5206,
                                     0x5929, 0x53F7, 0x5757, 0x5428, 0x5343, 0x767E, '%',
                                     0x8D77, 0x4F8B, 0x5F20, 0x90E8, 0x8F86, 0x6237, 0x573A,
                                     0x5957, 0x500D, 0x7F8E, 0x80A1, 0x9897, 0x53EA};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (c == units[k]) return 1;
    return 0;
}

/* Signs before a number that make it a quantity: ≥2000, >2000, $2000,
 * ¥2000, #2000, +2000. */
static int is_quantity_sign(uint32_t c)
{
    return c == 0x2265 || c == 0x2264 || c == '>' || c == '<' || c == '=' || c == '+' ||
           c == '$' || c == 0xA5 || c == '#' || c == 0xD7 || c == '*' || c == '~';
}

/* A bare year, written without 年 (2021双11, EISS-2022, 2022羊城杯): four
 * digits 1900-2100 standing alone, not a quantity, not in a URL, path or
 * identifier (CVE-2023-35078, 1982_13541887, 2023.7, 2024年第1号: a year
 * with 年 that gave no date).  It is no date of
 * its own, but the dates after it take its year.  Returns the year or 0. */
static int bare_year_at(const letters *t, const number *n)
{
    if (n->chinese || n->end - n->start != 4 || n->value < BARE_YEAR_MIN || n->value > YEAR_MAX) return 0;
    uint32_t p = before(t, n->start), c = at(t, n->end);
    if (p == '/' || p == '.' || p == '_' || p == '\\' || is_quantity_sign(p)) return 0;
    if (c == '_' || c == '\\' || c == '/' || is_ascii_alpha(c) || is_quantity_unit(c)) return 0;
    uint32_t next = at(t, skip_gap(t, n->end));
    if (next == CH_YEAR || is_quantity_unit(next)) return 0;   /* 2024年第1号, 2000 亿 */
    if ((c == '.' || c == ':') && is_digit(at(t, n->end + 1))) return 0;
    if (c == '-' && read_number(t, n->end + 1).end - (n->end + 1) > 2) return 0;
    return inside_url(t, n->start) ? 0 : n->value;
}

/* The context a date at this point of the scan takes. */
static date_context scan_context(const scan_state *st)
{
    date_context ctx = {st->year ? st->year : st->published.y, st->month, st->year != 0};
    return ctx;
}

/* Scan one string (the title or the text) from start to end.  Where no
 * date matches, the whole number run is skipped (a date never starts in
 * the middle of one), and a bare year in it becomes the context.  Every
 * step moves forward. */
static void scan_string(scan_state *st, const char *s, int in_title)
{
    letters t;
    if (!s || letters_decode(&t, s, strlen(s)) != 0) return;
    size_t i = 0;
    while (i < t.n) {
        if (!may_start_date(&t, i)) {
            i++;
            continue;
        }
        date_context ctx = scan_context(st);
        found_date fd;
        match_result r = match_at(&t, i, &ctx, &fd);
        if (r == DATE_FOUND) record_date(st, &t, &fd, in_title);
        size_t next = fd.end;
        if (r == NO_DATE) {
            number n = read_number(&t, i);
            int bare = bare_year_at(&t, &n);
            if (bare) st->year = bare;
            next = n.end;
        }
        i = next > i ? next : i + 1;
    }
    letters_free(&t);
}

/* The page's date from "YYYY-MM-DD…", or y == 0 when it is not one. */
static ymd parse_published(const char *s)
{
    ymd v = {0, 0, 0};
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-') return v;
    for (int k = 0; k < 10; k++)
        if (k != 4 && k != 7 && !is_digit((unsigned char)s[k])) return v;
    ymd p = {atoi(s), atoi(s + 5), atoi(s + 8)};
    return ymd_valid(p, UNIT_DAY) ? p : v;
}

json_t *wx_dates_find(const char *title, const char *text, const char *published_date,
                      json_t *warnings)
{
    scan_state st = {json_array(), warnings, parse_published(published_date), 0, 0, 0};
    if (!st.out) return NULL;
    scan_string(&st, title, 1);
    scan_string(&st, text, 0);
    if (st.dropped && warnings)
        json_array_append_new(warnings, json_sprintf("%zu more dates not kept: a record keeps the first %d",
                                                     st.dropped, WX_MAX_DATES));
    return st.out;
}
