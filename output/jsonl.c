/*
 * JSON Lines: one compact record per line, byte for byte json_dumps's;
 * JSON_ENSURE_ASCII is off so CJK text stays readable (the records are
 * valid UTF-8 by construction, see parse/record.c).
 */
#include "output.h"
#include "../ingest/util.h"
#include "../parse/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The record's line is written here rather than by json_dumps, which
 * checks every container for loops through a hash table and decodes every
 * string a code point at a time; over small documents that was a fifth of
 * the run.  The bytes are json_dumps(JSON_COMPACT)'s exactly: keys in the
 * order they were set, '"' '\\' and C0 controls escaped as jansson does
 * (\b \f \n \r \t, else \u00XX), everything else (valid UTF-8, as jansson
 * guarantees) copied as it is; reals, which records hardly have, go
 * through jansson itself.  tests/test_pipeline.c compares the two. */
typedef struct line_writer {
    wx_buf b;
    int failed;                 /* out of memory, or a value jansson cannot dump */
} line_writer;

static void lw_put(line_writer *w, const char *s, size_t n)
{
    size_t before = w->b.len;
    wx_buf_put(&w->b, s, n);
    if (w->b.len != before + n) w->failed = 1;
}

static void lw_string(line_writer *w, const char *s, size_t len)
{
    lw_put(w, "\"", 1);
    size_t i = 0;
    while (i < len) {
        size_t run = 0;
        /* 16 bytes a compare while none needs escaping: lw_string over the
         * bench pages 11.5 M -> 3.9 M instructions of its own */
        while (len - (i + run) >= 16 && !wx_ctl_or4_lanes(s + i + run, "\"\\\"\\")) run += 16;
        while (i + run < len) {
            unsigned char c = (unsigned char)s[i + run];
            if (c < 0x20 || c == '"' || c == '\\') break;
            run++;
        }
        lw_put(w, s + i, run);
        i += run;
        if (i >= len) break;
        unsigned char c = (unsigned char)s[i++];
        char esc[8];
        switch (c) {
        case '"': lw_put(w, "\\\"", 2); break;
        case '\\': lw_put(w, "\\\\", 2); break;
        case '\b': lw_put(w, "\\b", 2); break;
        case '\f': lw_put(w, "\\f", 2); break;
        case '\n': lw_put(w, "\\n", 2); break;
        case '\r': lw_put(w, "\\r", 2); break;
        case '\t': lw_put(w, "\\t", 2); break;
        default: snprintf(esc, sizeof esc, "\\u%04X", c); lw_put(w, esc, 6); break;
        }
    }
    lw_put(w, "\"", 1);
}

static void lw_value(line_writer *w, const json_t *v)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        lw_put(w, "{", 1);
        int first = 1;
        for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            if (!first) lw_put(w, ",", 1);
            first = 0;
            lw_string(w, json_object_iter_key(it), json_object_iter_key_len(it));
            lw_put(w, ":", 1);
            lw_value(w, json_object_iter_value(it));
        }
        lw_put(w, "}", 1);
        break;
    }
    case JSON_ARRAY:
        lw_put(w, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) lw_put(w, ",", 1);
            lw_value(w, json_array_get(v, i));
        }
        lw_put(w, "]", 1);
        break;
    case JSON_STRING: lw_string(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER:
        lw_put(w, num, (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
        break;
    case JSON_TRUE: lw_put(w, "true", 4); break;
    case JSON_FALSE: lw_put(w, "false", 5); break;
    case JSON_NULL: lw_put(w, "null", 4); break;
    default: {                                  /* a real: jansson's own formatting */
        char *r = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (r) lw_put(w, r, strlen(r));
        else w->failed = 1;
        free(r);
    }
    }
}

char *wx_jsonl_line(const json_t *record, size_t *len)
{
    line_writer w = {.failed = 0};
    wx_buf_init(&w.b);
    lw_value(&w, record);
    if (w.failed) { free(w.b.data); *len = 0; return NULL; }
    *len = w.b.len;
    return wx_buf_take(&w.b);
}

/* One stdio call for the bytes and one for the newline: a record is never
 * split by another writer of the same FILE (there is none). */
int wx_jsonl_put_line(FILE *out, const char *line, size_t len)
{
    return fwrite(line, 1, len, out) != len || fputc('\n', out) == EOF ? -1 : 0;
}

int wx_jsonl_write(FILE *out, const json_t *record)
{
    size_t n;
    char *line = wx_jsonl_line(record, &n);
    if (!line) { errno = ENOMEM; return -1; }
    int rc = wx_jsonl_put_line(out, line, n);
    free(line);
    return rc;
}
