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

#endif
