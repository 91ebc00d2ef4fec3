/*
 * libFuzzer target: the YAML front-matter reader, the sniffer and the
 * markdown article test, which see the first bytes of every input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../ingest/sniff.h"
#include "../../parse/markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wx_frontmatter fm;
    if (wx_frontmatter_parse(&fm, (const char *)data, size)) {
        /* the body starts inside the input, and every key can be read back */
        if (fm.body > size) abort();
        for (size_t i = 0; i < fm.count; i++)
            if (!fm.pairs[i].key || !fm.pairs[i].value || !wx_frontmatter_get(&fm, fm.pairs[i].key)) abort();
        wx_frontmatter_free(&fm);
    } else if (fm.count != 0 || fm.pairs != NULL) {
        abort();                               /* "no front matter" leaves nothing behind */
    }
    wx_doc doc = {.bytes = (unsigned char *)data, .len = size};
    wx_format f = wx_sniff(data, size, 0);
    if (f > WX_FMT_TEXT || wx_sniff(data, size, 1) > WX_FMT_TEXT) abort();
    if (f == WX_FMT_MARKDOWN) (void)wx_markdown_is_article(&doc);
    (void)wx_sniff_markup(data, size);
    return 0;
}
