/*
 * libFuzzer target: the whole page pipeline on arbitrary bytes.
 * Bytes go through wx_doc_from_memory (gzip and MHTML unwrapping), wx_parse
 * (HTML, script variables, DOM, dates, notices, or the markdown path when the
 * content sniffs as markdown) and json_dumps, which is what the binary does
 * for every input.  The record must always come back and serialise.
 */
#include <stdint.h>
#include <stdlib.h>
#include "../../ingest/ingest.h"
#include "../../parse/parse.h"

/* The first byte picks the file name the document claims, so that paths
 * ending in .md, .mhtml and .html are all exercised; the rest is the page. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"fuzz.html", "fuzz.md", "fuzz.mhtml", "fuzz"};
    const char *name = names[size ? data[0] % 4 : 0];
    wx_doc *doc = wx_doc_from_memory(name, size ? data + 1 : data, size ? size - 1 : 0);
    if (!doc) return 0;
    json_t *rec = wx_parse(doc);
    if (!rec) abort();
    char *s = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!s) abort();   /* jansson refuses invalid UTF-8: every string must be clean */
    free(s);
    json_decref(rec);
    wx_doc_free(doc);
    return 0;
}
