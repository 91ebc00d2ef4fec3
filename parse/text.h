/*
 * text: the string helpers of the parser (text.c): JS string literals
 * and the HTML entities WeChat's own decoders handle, UTF-8 repair and
 * whitespace normalisation.
 */
#ifndef WX_PARSE_TEXT_H
#define WX_PARSE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "../ingest/util.h"   /* wx_buf */

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
/* Whether wx_utf8_clean would hand s[0..len) back unchanged (valid UTF-8,
 * no control character but \n and \t), so it can be used without a copy. */
int wx_utf8_is_clean(const char *s, size_t len);
char *wx_text_normalize(const char *s, size_t len);
char *wx_text_normalize_cells(const char *s, size_t len);   /* keeps table cell tabs */
char *wx_text_oneline(const char *s);

#endif
