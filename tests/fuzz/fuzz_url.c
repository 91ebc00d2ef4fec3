/*
 * libFuzzer target: the URL functions, which see every href, src and
 * script-variable URL a page holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../parse/url.h"
#include "../../parse/images.h"

/* The URL functions take C strings: copy the input with a terminator (an
 * embedded NUL just ends the URL early, as it would in a page). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    if (!url) return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    char *c = wx_url_canonical(url);
    if (c) {
        /* a canonical URL is still an article URL, and a fixed point */
        char *again = wx_url_canonical(c);
        if (!again || strcmp(again, c) != 0) abort();
        free(again);
    }
    free(c);
    free(wx_url_clean(url));
    wx_url_ids ids = {0};
    wx_url_ids_parse(url, &ids);
    wx_url_ids_free(&ids);
    (void)wx_image_format(url);
    free(url);
    return 0;
}
