/*
 * parse: turn one document (page bytes + provenance) into one record.
 *
 * A record is a JSON object following schema "wxingest.record/1" (see
 * output/record.schema.json and README.md).  Every field is always present;
 * unknown values are null and lists are [].  Every string in a record is
 * valid UTF-8, whatever the input bytes were.
 *
 * Metadata comes from the page's inline script variables first (PCRE2, JIT,
 * patterns compiled once), then from the DOM (libxml2's HTML parser), then
 * from the URL.  Parsing never touches the network or the filesystem.
 * The functions here are thread-safe: no state is shared between calls.
 */
#ifndef WX_PARSE_H
#define WX_PARSE_H

#include <jansson.h>
#include <stddef.h>
#include "../ingest/doc.h"

#define WX_SCHEMA_ID "wxingest.record/1"

/* Parse one document.  Returns a new record (never NULL unless out of
 * memory); the caller owns it (json_decref).  A page that cannot be parsed
 * gives a record with status "error" and an error object. */
json_t *wx_parse(const wx_doc *doc);

/* Compile the patterns.  Called by wx_parse on first use; call it up front
 * from a threaded program to keep the first parse off the clock. */
int wx_parse_init(void);

#endif
