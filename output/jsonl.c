/*
 * JSON Lines: one compact record per line.  jansson does all escaping;
 * JSON_ENSURE_ASCII is off so CJK text stays readable (the records are
 * valid UTF-8 by construction, see parse/record.c).
 */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int wx_jsonl_write(FILE *out, const json_t *record)
{
    char *line = json_dumps(record, JSON_COMPACT);
    if (!line) { errno = ENOMEM; return -1; }
    size_t n = strlen(line);
    int rc = 0;
    if (fwrite(line, 1, n, out) != n || fputc('\n', out) == EOF) rc = -1;
    free(line);
    return rc;
}
