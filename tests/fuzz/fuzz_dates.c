/*
 * libFuzzer target: the date scanner, which reads every title and body
 * text (arbitrary bytes, not necessarily UTF-8).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../parse/dates.h"

/* Split the input at the first NUL into title and text, as the parser passes
 * them; the published date is fixed so year guessing runs too.  Every
 * returned string must be valid UTF-8 (json_dumps refuses anything else). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *title = buf;
    size_t tl = strlen(buf);
    const char *text = tl < size ? buf + tl + 1 : NULL;
    json_t *warnings = json_array();
    json_t *dates = wx_dates_find(title, text, (size & 1) ? "2024-05-08" : NULL, warnings);
    if (!dates) abort();
    char *s = json_dumps(dates, JSON_COMPACT);
    if (!s) abort();
    free(s);
    s = json_dumps(warnings, JSON_COMPACT);
    if (!s) abort();
    free(s);
    json_decref(dates);
    json_decref(warnings);
    free(buf);
    return 0;
}
