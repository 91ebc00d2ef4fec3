/*
 * Shared helpers (see util.h).
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

char *wx_strf(const char *f, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, f);
    int n = vasprintf(&s, f, ap);
    va_end(ap);
    return n < 0 ? NULL : s;
}

int wx_hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void wx_set_err(char **err, char *msg)
{
    if (err) { free(*err); *err = msg; } else free(msg);
}

/* A growable byte buffer: every string the parser builds is built in one. */
void wx_buf_init(wx_buf *b) { b->data = NULL; b->len = b->cap = 0; }

static int buf_reserve(wx_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int wx_buf_reserve(wx_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return 0;
    char *p = realloc(b->data, b->len + extra + 1);
    if (!p) return -1;
    b->data = p;
    b->cap = b->len + extra + 1;
    return 0;
}

void wx_buf_put(wx_buf *b, const char *s, size_t n)
{
    if (n == 0 || buf_reserve(b, n) != 0) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void wx_buf_puts(wx_buf *b, const char *s) { wx_buf_put(b, s, strlen(s)); }

void wx_buf_putc(wx_buf *b, char c) { wx_buf_put(b, &c, 1); }

/* Encode a code point as UTF-8; invalid ones (surrogates, > U+10FFFF) become
 * U+FFFD so the output stays valid UTF-8. */
void wx_buf_put_cp(wx_buf *b, uint32_t cp)
{
    char out[4];
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0) cp = 0xFFFD;
    int n = (int)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)out);
    wx_buf_put(b, out, (size_t)n);
}

/* Hand the buffer's string to the caller (never NULL: "" for empty). */
char *wx_buf_take(wx_buf *b)
{
    if (!b->data) return strdup("");
    char *s = b->data;
    wx_buf_init(b);
    return s;
}
