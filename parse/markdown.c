/*
 * Markdown archives (YAML front matter + the page as markdown).
 * Placeholder: recognises nothing yet.
 */
#define WX_PARSE_INTERNAL
#include "parse.h"

int wx_markdown_sniff(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
    return 0;
}

void wx_markdown_fill(json_t *rec, const wx_doc *doc)
{
    (void)rec;
    (void)doc;
}
