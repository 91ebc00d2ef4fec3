/*
 * libFuzzer target: the WARC/ARC record reader (ingest/warc.c), which
 * meets whatever a crawler, a disk or a network cut left in a file.
 * Every document it gives must name a record of the input (NAME#OFFSET
 * within the input's length), stay under the page limit, and parse into
 * a record that serialises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../ingest/warc.h"
#include "../../parse/parse.h"

static void ignore_note(void *ctx, const char *where, const char *msg)
{
    (void)ctx, (void)where, (void)msg;
}

/* The offset in "fuzz.warc#M" or "fuzz.warc#M+N" (M, the part a reader
 * seeks to, must lie inside the input). */
static unsigned long long offset_of(const char *path)
{
    const char *hash = strrchr(path, '#');
    if (!hash) abort();
    return strtoull(hash + 1, NULL, 10);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wx_warc *w = NULL;
    if (!wx_warc_open_memory("fuzz.warc", data, size, ignore_note, NULL, &w)) return 0;
    wx_doc *doc;
    while ((doc = wx_warc_next(w)) != NULL) {
        if (!doc->path || offset_of(doc->path) >= size) abort();
        if (doc->len > WX_MAX_DOC_BYTES || doc->container != WX_CONTAINER_WARC) abort();
        json_t *rec = wx_parse(doc);
        if (!rec) abort();
        char *s = json_dumps(rec, JSON_COMPACT);
        if (!s) abort();
        free(s);
        json_decref(rec);
        wx_doc_free(doc);
    }
    wx_warc_close(w);
    return 0;
}
