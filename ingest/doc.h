/*
 * doc: the document, the one type every stage shares.  A document is the
 * bytes of one page plus where they came from; ingest/ makes them, parse/
 * reads them, nothing else is passed between the two.
 */
#ifndef WX_DOC_H
#define WX_DOC_H

#include <stddef.h>

/* Largest page we accept, after decompression.  Bigger inputs are rejected
 * with WX_DOC_TOO_LARGE without being read into memory whole. */
#define WX_MAX_DOC_BYTES ((size_t)64 * 1024 * 1024)

typedef enum {
    WX_DOC_OK = 0,
    WX_DOC_UNREADABLE,   /* open/read failed (permissions, I/O error) */
    WX_DOC_TOO_LARGE,    /* over WX_MAX_DOC_BYTES */
    WX_DOC_BAD_GZIP,     /* .gz input that does not inflate */
    WX_DOC_BAD_MHTML,    /* MHTML without a usable text/html part */
    WX_DOC_BAD_WARC      /* a WARC/ARC record that is cut short or damaged (warc.h) */
} wx_doc_status;

/* How the bytes were packaged on disk. */
typedef enum {
    WX_CONTAINER_PLAIN = 0,
    WX_CONTAINER_MHTML,
    WX_CONTAINER_WARC    /* a record of a WARC or ARC file (warc.h) */
} wx_container;

typedef struct wx_doc {
    char *path;             /* the input as named ("-" for stdin); owned */
    unsigned char *bytes;   /* page bytes after gunzip/MHTML unwrapping, NUL-terminated; owned */
    size_t len;             /* length of bytes (without the terminating NUL) */
    char sha256[65];        /* lowercase hex SHA-256 of bytes */
    char *url;              /* page URL known from the container (MHTML Content-Location) or the fetch; owned, may be NULL */
    char *fetched_at;       /* ISO 8601 time of the fetch when known; owned, may be NULL */
    wx_container container;
    int wayback;            /* the bytes are a Wayback Machine capture fetched raw (the store's via
                             * "wayback"): source.format "wayback" */
    char *captured_at;      /* that capture's time (UTC, ISO 8601) when known; owned, may be NULL */
    wx_doc_status status;
    char *error;            /* human-readable reason when status != WX_DOC_OK; owned */
} wx_doc;

/* Read one input: a file path (plain, .gz, .mht/.mhtml) or "-" for stdin.
 * Always returns a document (never NULL unless out of memory); check status. */
wx_doc *wx_doc_load(const char *path);

/* Build a document from bytes already in memory (tests, fetcher).  Copies bytes. */
wx_doc *wx_doc_from_memory(const char *path, const void *bytes, size_t len);

void wx_doc_free(wx_doc *doc);

/* Hex SHA-256 of a buffer into out[65]. */
void wx_sha256_hex(const void *bytes, size_t len, char out[65]);

#endif
