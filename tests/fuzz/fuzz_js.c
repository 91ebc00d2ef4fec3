/*
 * libFuzzer target: the two string decoders that read script literals and
 * entity-escaped attribute values straight from untrusted pages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../parse/text.h"
#include "fuzz_util.h"

/* Decode the input both ways.  The results must be NUL-terminated (strlen
 * walks them, so ASan catches a missing terminator), and valid UTF-8 in
 * gives valid UTF-8 out: an escape such as \ud800 or &#xD800; must not
 * produce bytes that jansson would refuse (the field would vanish). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int valid_in = fuzz_utf8_valid(data, size) && !memchr(data, 0, size);
    char *a = wx_js_unescape((const char *)data, size);
    if (a && valid_in && !fuzz_utf8_valid((const unsigned char *)a, strlen(a))) abort();
    free(a);
    char *b = wx_html_unescape((const char *)data, size);
    if (b && valid_in && !fuzz_utf8_valid((const unsigned char *)b, strlen(b))) abort();
    free(b);
    return 0;
}
