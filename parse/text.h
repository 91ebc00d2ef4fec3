/*
 * text: the string helpers of the parser (text.c): a growable buffer,
 * JS string literals and the HTML entities WeChat's own decoders handle,
 * UTF-8 repair and whitespace normalisation.
 */
#ifndef WX_PARSE_TEXT_H
#define WX_PARSE_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; wx_buf_take hands its string over. */
typedef struct wx_buf { char *data; size_t len, cap; } wx_buf;
void wx_buf_init(wx_buf *b);
void wx_buf_put(wx_buf *b, const char *s, size_t n);
void wx_buf_puts(wx_buf *b, const char *s);
void wx_buf_putc(wx_buf *b, char c);
void wx_buf_put_cp(wx_buf *b, uint32_t cp);
char *wx_buf_take(wx_buf *b);


/* Decode the body of a JS string literal (without its quotes): \xHH, \uHHHH,
 * \u{H..}, \n \r \t \b \f \v \0, \\ \' \", line continuations; an unknown
 * escape yields the character itself.  Returns a malloc'd NUL-terminated
 * string (invalid code points become U+FFFD). */
char *wx_js_unescape(const char *s, size_t len);

/* Decode the HTML entities WeChat's own htmlDecode()/.html(false) decode
 * (&#39; &quot; &nbsp; &gt; &lt; &yen; &amp;, &amp; last) plus numeric
 * entities.  Returns malloc'd. */
char *wx_html_unescape(const char *s, size_t len);

/* Repair invalid UTF-8 (U+FFFD), normalise whitespace (one paragraph a
 * line), or fold everything onto one line; each returns malloc'd. */
char *wx_utf8_clean(const char *s, size_t len);
char *wx_text_normalize(const char *s, size_t len);
char *wx_text_normalize_cells(const char *s, size_t len);   /* keeps table cell tabs */
char *wx_text_oneline(const char *s);

#endif
