/*
 * ingest: turn what the user names on the command line into documents.
 *
 * A document is the bytes of one saved page plus where they came from.
 * Ingest walks directories (recursively, sorted), reads files and stdin,
 * undoes transport wrappings (gzip, MHTML) and computes the SHA-256 of the
 * page bytes.  It never interprets the page: that is parse/'s job.
 *
 * Errors are values: a document that could not be read carries an error
 * code and message and still flows on, so one bad input never stops a batch.
 */
#ifndef WX_INGEST_H
#define WX_INGEST_H

#include <stddef.h>
#include <stdio.h>

/* Largest page we accept, after decompression.  Bigger inputs are rejected
 * with WX_DOC_TOO_LARGE without being read into memory whole. */
#define WX_MAX_DOC_BYTES ((size_t)64 * 1024 * 1024)

typedef enum {
    WX_DOC_OK = 0,
    WX_DOC_UNREADABLE,   /* open/read failed (permissions, I/O error) */
    WX_DOC_TOO_LARGE,    /* over WX_MAX_DOC_BYTES */
    WX_DOC_BAD_GZIP,     /* .gz input that does not inflate */
    WX_DOC_BAD_MHTML     /* MHTML without a usable text/html part */
} wx_doc_status;

/* How the bytes were packaged on disk. */
typedef enum {
    WX_CONTAINER_PLAIN = 0,
    WX_CONTAINER_MHTML
} wx_container;

typedef struct wx_doc {
    char *path;             /* the input as named ("-" for stdin); owned */
    unsigned char *bytes;   /* page bytes after gunzip/MHTML unwrapping, NUL-terminated; owned */
    size_t len;             /* length of bytes (without the terminating NUL) */
    char sha256[65];        /* lowercase hex SHA-256 of bytes */
    char *url;              /* page URL known from the container (MHTML Content-Location) or the fetch; owned, may be NULL */
    char *fetched_at;       /* ISO 8601 time of the fetch when known; owned, may be NULL */
    wx_container container;
    wx_doc_status status;
    char *error;            /* human-readable reason when status != WX_DOC_OK; owned */
} wx_doc;

/* Read one input: a file path (plain, .gz, .mht/.mhtml) or "-" for stdin.
 * Always returns a document (never NULL unless out of memory); check status. */
wx_doc *wx_doc_load(const char *path);

/* Build a document from bytes already in memory (tests, fetcher).  Copies bytes. */
wx_doc *wx_doc_from_memory(const char *path, const void *bytes, size_t len);

void wx_doc_free(wx_doc *doc);

/* Callback for problems met while walking (symlink loops, unreadable
 * directories).  They are reported, not fatal. */
typedef void (*wx_walk_report)(void *ctx, const char *path, const char *reason);

/* A list of input file paths, in the order they are to be processed. */
typedef struct wx_pathlist {
    char **paths;
    size_t count, cap;
} wx_pathlist;

/* Expand one command-line argument into files: a file stays itself, a
 * directory is walked recursively in byte-sorted order keeping the files that
 * look like pages (see wx_path_is_candidate), "-" stays "-".
 * Returns 0, or -1 when the path does not exist (reported through report). */
int wx_walk(const char *arg, wx_pathlist *out, wx_walk_report report, void *ctx);

/* Whether a file met during a directory walk should be read as a page:
 * .html .htm .mht .mhtml .md .markdown .txt (each optionally .gz), or no
 * extension and the first bytes sniff as HTML. */
int wx_path_is_candidate(const char *path);

void wx_pathlist_free(wx_pathlist *list);

/* Hex SHA-256 of a buffer into out[65]. */
void wx_sha256_hex(const void *bytes, size_t len, char out[65]);

#endif
