/*
 * libFuzzer target: the YAML front-matter reader and the markdown sniffer,
 * which see the first bytes of every input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
    (void)wx_markdown_sniff((const char *)data, size);
    return 0;
}
