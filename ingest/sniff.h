/*
 * sniff: what a run of bytes is, told from its first bytes and never from a
 * file name (saved pages get renamed).  One answer for every reader: the
 * directory walk (is this file a page?), document loading (undo gzip and
 * MHTML), the web archive reader (is this a WARC, ARC or WACZ; is a record's
 * untyped body a page?) and the parser (HTML, markdown archive, or neither).
 *
 * The MIME header block reading that MHTML sniffing needs is here too, so
 * the MHTML unpacker (ingest.c) reads headers the same way.
 */
#ifndef WX_INGEST_SNIFF_H
#define WX_INGEST_SNIFF_H

#include <stddef.h>

/* In the order wx_sniff tries them: the header formats first (their
 * records or parts may be binary, a WARC's images say), then the binary
 * test, then what text is. */
typedef enum wx_format {
    WX_FMT_GZIP,      /* the gzip magic number */
    WX_FMT_ZIP,       /* a zip local file header (a WACZ is one) */
    WX_FMT_WARC,      /* "WARC/1." */
    WX_FMT_ARC,       /* "filedesc://", an ARC file's first record */
    WX_FMT_MHTML,     /* a MIME header block with MIME-Version and multipart/related */
    WX_FMT_BINARY,    /* see wx_sniff_binary */
    WX_FMT_MARKDOWN,  /* first line "---" (front matter), or the first line with text a "# " heading */
    WX_FMT_HTML,      /* a tag first (<html, <head, <!doctype html, …), or "<html" in the first 4 KiB */
    WX_FMT_TEXT,      /* none of the above */
} wx_format;

/* What p[0..len) is: the first of the formats above that matches.
 * partial: p is only the start of the input (the walk reads 4 KiB), so a
 * MIME header block cut short still counts. */
wx_format wx_sniff(const unsigned char *p, size_t len, int partial);

/* Whether bytes are binary, not text: a NUL in the first 8 KiB, or over
 * 5% control bytes there (form feed, tab and line breaks are text). */
int wx_sniff_binary(const unsigned char *p, size_t len);

/* Whether the first line (after a UTF-8 BOM) opens YAML front matter:
 * "---", trailing blanks allowed.  Both the markdown sniff and the front
 * matter reader (parse/markdown.c) start from it. */
int wx_sniff_front_matter(const unsigned char *p, size_t len);

/* Whether text holds HTML markup anywhere in its first 64 KiB (<html,
 * <body, <div, <p>, <section, …): the parser reads such text as a page
 * even when it does not start like one, as browsers do. */
int wx_sniff_markup(const unsigned char *p, size_t len);

/* ---- MIME header blocks (RFC 5322 fields), for MHTML ---- */

/* The length of the line at p without its line break (LF or CRLF); *next
 * is where the following line starts. */
size_t wx_line_at(const unsigned char *p, size_t len, size_t *next);

/* Whether p starts with header fields ("Name: value", folded lines starting
 * with a blank) ended by a blank line: the block's length including that
 * line, or 0.  partial: running out of bytes before the blank line counts
 * (a sniffed prefix; MHTML parts are lenient). */
size_t wx_header_block(const unsigned char *p, size_t len, int partial);

/* The first header called name (any case) in a block from wx_header_block,
 * unfolded and trimmed; malloc'd, NULL when absent. */
char *wx_header_get(const unsigned char *p, size_t len, const char *name);

/* Whether a Content-Type value names the media type want ("text/html"),
 * case and parameters aside. */
int wx_media_type_is(const char *ct, const char *want);

#endif
