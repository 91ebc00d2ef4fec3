/*
 * warc: the pages held in a web archive file.  A WARC (ISO 28500; plain, or
 * gzip with one member per record as crawlers write it) or an older ARC
 * file is one input that gives many documents: the HTML payloads of its
 * `response` and `resource` records (HTTP dechunked and Content-Encoding
 * undone; `revisit` records resolved to the payload they point at within
 * the same file).  Records are read one at a time, so a file of any size is
 * read in bounded memory.  Each document's path is FILE#OFFSET: the byte
 * offset of the record (of its gzip member in a .warc.gz; FILE#M+N when it
 * starts N bytes into the member at M).  A damaged record gives a document
 * with status WX_DOC_BAD_WARC and the reading goes on at the next record.
 * A WACZ (a zip whose archive/ folder holds .warc or .warc.gz files,
 * stored uncompressed as the format says) gives the documents of its
 * WARCs in entry order, named WACZ#ENTRY#OFFSET.
 */
#ifndef WX_INGEST_WARC_H
#define WX_INGEST_WARC_H

#include "ingest.h"
#include <stdint.h>

typedef struct wx_warc wx_warc;

/* Records that are not documents and not errors either, but worth a word
 * (a revisit whose original is not in the file).  where is FILE#OFFSET. */
typedef void (*wx_warc_note_fn)(void *ctx, const char *where, const char *msg);

/* Returns 1 with *out set when the file's first bytes (after gunzip) are a
 * WARC or ARC header, or it is a zip holding archive/ WARCs (WACZ); 0 when
 * not, or the file cannot be read (wx_doc_load then treats it as any
 * other input). */
int wx_warc_open(const char *path, wx_warc_note_fn note, void *ctx, wx_warc **out);

/* The same over bytes in memory (tests, fuzzing), named name; the bytes
 * must outlive the reader. */
int wx_warc_open_memory(const char *name, const void *bytes, size_t len, wx_warc_note_fn note, void *ctx,
                        wx_warc **out);

/* The next document, or NULL at the end of the file (or out of memory). */
wx_doc *wx_warc_next(wx_warc *w);

void wx_warc_close(wx_warc *w);

/* The images a web archive holds, for the images[] of its pages: every
 * `response` record with status 200 (or `resource` record) whose body,
 * dechunked and decoded, is sniffed as an image (ingest/imagehdr.h), by
 * its WARC-Target-URI, and every 30x response's Location, so an image URL
 * is followed through the redirects the file holds.  One pass over the
 * file, keeping per image its place and facts, never its bytes: memory is
 * proportional to the number of image and redirect records.  Bytes that
 * answered three or more different URLs are a hotlink placeholder (the
 * rule of fetch --images) and are no URL's image. */
typedef struct wx_warc_image {
    const char *where;              /* FILE#OFFSET of the record, as a page's source.path */
    char sha256[65];                /* of the body (computed, not taken from WARC-Payload-Digest) */
    size_t bytes;
    long width, height;             /* from the header; -1 when it does not say */
    uint64_t comp, delta;           /* where the record starts */
    uint64_t entry;                 /* in a WACZ: the index of the zip entry holding it */
} wx_warc_image;

typedef struct wx_warc_images wx_warc_images;

/* The images of the WARC or WACZ at path; NULL when it is none, holds no
 * image, or memory ran out. */
wx_warc_images *wx_warc_images_scan(const char *path);

/* The image a URL gives, through up to 5 redirects; NULL when none. */
const wx_warc_image *wx_warc_images_find(const wx_warc_images *m, const char *url);

/* An image's bytes read again from the file (malloc'd, *len set), for
 * OCR; NULL when they cannot be.  Safe to call from several threads. */
unsigned char *wx_warc_image_read(wx_warc_images *m, const wx_warc_image *im, size_t *len);

void wx_warc_images_free(wx_warc_images *m);

#endif
