/*
 * source: where the pipeline's inputs come from (wx_source, pipeline.h).
 *
 * Paths (parse): the command-line PATHs, each walked when it is reached,
 * then the --files-from list read one entry at a time, so memory does not
 * grow with the batch; a WARC/WACZ/ARC file gives its documents one by one.
 * The store (run): the latest stored copy of each listed URL, parsed as
 * that URL with the fetch time of the index.
 */
#ifndef WX_SOURCE_H
#define WX_SOURCE_H

#include "../ingest/fetch.h"
#include "pipeline.h"

typedef struct wx_path_source wx_path_source;

/* files_from may be NULL ("-": stdin); nul: the list is NUL-separated.
 * Returns NULL with errno set when the list cannot be opened. */
wx_path_source *wx_path_source_new(char **args, int nargs, const char *files_from, int nul,
                                   unsigned shard_k, unsigned shard_n);
wx_source wx_path_source_iface(wx_path_source *ps);
/* Whether a PATH did not exist or the list broke (exit 66). */
int wx_path_source_missing(const wx_path_source *ps);
void wx_path_source_free(wx_path_source *ps);

/* The URLs of urls (borrowed, as the store) in order. */
typedef struct wx_store_source {
    wx_store *store;
    const wx_urllist *urls;
    size_t next;
} wx_store_source;

wx_source wx_store_source_iface(wx_store_source *ss);

#endif
