/*
 * imagehdr: what an image file is, from its own bytes (imagehdr.c).
 *
 * The format is sniffed from the first bytes, never taken from a URL or a
 * file name; the size is read from the header (JPEG SOF, PNG IHDR, GIF
 * logical screen, WebP VP8/VP8L/VP8X) without decoding a pixel.
 */
#ifndef WX_INGEST_IMAGEHDR_H
#define WX_INGEST_IMAGEHDR_H

#include <stddef.h>

/* "jpeg", "png", "gif", "webp", "svg", or NULL when the bytes are none of
 * these (an HTML error page, a truncated body, an empty one). */
const char *wx_image_sniff(const void *bytes, size_t len);

/* The file name extension a stored object of this format gets ("jpg",
 * "png", "gif", "webp", "svg"); "bin" for anything else. */
const char *wx_image_ext(const char *format);

/* Width and height in pixels from the header.  Returns 0, or -1 when the
 * header does not say (SVG, a cut-off header, not an image). */
int wx_image_size(const void *bytes, size_t len, long *width, long *height);

#endif
