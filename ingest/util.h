/*
 * util: the small helpers every layer shares, at the bottom of the flow
 * (ingest/, parse/ and output/ may include this; it includes nothing of
 * theirs): a growable buffer, string formatting, errors as values.  The
 * string map and its hash are in strmap.h.
 */
#ifndef WX_UTIL_H
#define WX_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A piece of a larger string: s[0..n), not NUL-terminated, borrowed. */
typedef struct wx_span { const char *s; size_t n; } wx_span;

/* A growable byte buffer; wx_buf_take hands its string over
 * (never NULL: "" when empty). */
typedef struct wx_buf { char *data; size_t len, cap; } wx_buf;
void wx_buf_init(wx_buf *b);
/* Room for extra more bytes (and the NUL) at once, for a writer that knows
 * its size: doubling would leave up to half the buffer unused.  0 or -1. */
int wx_buf_reserve(wx_buf *b, size_t extra);
void wx_buf_put(wx_buf *b, const char *s, size_t n);
void wx_buf_puts(wx_buf *b, const char *s);
void wx_buf_putc(wx_buf *b, char c);
void wx_buf_put_cp(wx_buf *b, uint32_t cp);
char *wx_buf_take(wx_buf *b);

/* printf into a fresh string (the caller frees it); NULL when out of
 * memory.  Used for every path and message, so no fixed-size buffer can
 * truncate one. */
char *wx_strf(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* The value of a hex digit, or -1. */
int wx_hexval(int c);

/* Errors are values: hand msg (malloc'd) to the caller's *err, replacing
 * an older message, or free it when the caller asked for none. */
void wx_set_err(char **err, char *msg);

#endif
