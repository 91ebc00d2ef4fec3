/*
 * JSON Lines: one compact record per line.  jansson does all escaping;
 * JSON_ENSURE_ASCII is off so CJK text stays readable (the records are
 * valid UTF-8 by construction, see parse/record.c).
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Streamed into the FILE's buffer, not dumped into a string first: a
 * record as big as its page is not held twice.  Callers serialise writes
 * to one FILE (the pipeline's sink lock), so lines never interleave. */
int wx_jsonl_write(FILE *out, const json_t *record)
{
    errno = 0;
    if (json_dumpf(record, out, JSON_COMPACT) != 0 || fputc('\n', out) == EOF) {
        if (!errno) errno = ENOMEM;
        return -1;
    }
    return 0;
}
