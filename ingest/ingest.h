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

#include "doc.h"

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
 * .html .htm .mht .mhtml (each optionally .gz), .wacz; .md .markdown .txt .warc
 * .arc or no extension when their first 4 KiB (inflated) sniff as HTML,
 * MHTML, a markdown archive or a web archive (sniff.h); binary files never. */
int wx_path_is_candidate(const char *path);

void wx_pathlist_free(wx_pathlist *list);

#endif
