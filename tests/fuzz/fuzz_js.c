/*
 * libFuzzer target: the two string decoders that read script literals and
 * entity-escaped attribute values straight from untrusted pages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../parse/parse.h"

/* Decode the input both ways; the results must be NUL-terminated strings
 * (strlen walks them, so ASan catches a missing terminator). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *a = wx_js_unescape((const char *)data, size);
    if (a) (void)strlen(a);
    free(a);
    char *b = wx_html_unescape((const char *)data, size);
    if (b) (void)strlen(b);
    free(b);
    return 0;
}
