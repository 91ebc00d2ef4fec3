/*
 * markdown: archives of articles as markdown (markdown.c), the second front
 * end beside HTML: front matter read, the record filled.
 */
#ifndef WX_PARSE_MARKDOWN_H
#define WX_PARSE_MARKDOWN_H

#include <jansson.h>
#include <stddef.h>
#include "../ingest/doc.h"

/* Markdown archives (markdown.c): wx_sniff (ingest/sniff.h) tells markdown
 * by its first line; wx_markdown_is_article then asks that front matter, if
 * any, name an article (title, url, layout, date or fetch_date).  The fill
 * sets the record (status, kind, identity, fields, text, images, links,
 * warnings) and returns how many times the archive's body shows the title as a
 * heading (archivers often write it twice); the page header is not part of
 * the record's text, so the dates stage reads the title that many times. */
int wx_markdown_is_article(const wx_doc *doc);
int wx_markdown_fill(json_t *rec, const wx_doc *doc);

/* YAML front matter: the block between a first line "---" and the next
 * "---" (or "..."), read as flat key/value pairs.  YAML subset: `key: value`
 * with plain, 'single' or "double" quoted scalars (a value that only starts
 * with a quote is plain), `|` / `>` block scalars, indented continuation
 * lines, and `- item` lists (joined with ", ").  Blank and # comment lines
 * are skipped.  Anything else, or no closing line within
 * WX_FRONTMATTER_MAX bytes, means the text has no front matter.
 * Returns 1 and fills fm (body: offset of the first byte after the block),
 * 0 when there is none (fm left empty).  Free with wx_frontmatter_free. */
#define WX_FRONTMATTER_MAX 65536
typedef struct wx_fm_pair { char *key, *value; } wx_fm_pair;
typedef struct wx_frontmatter {
    wx_fm_pair *pairs;
    size_t count, cap;
    size_t body;
} wx_frontmatter;
int wx_frontmatter_parse(wx_frontmatter *fm, const char *buf, size_t len);
const char *wx_frontmatter_get(const wx_frontmatter *fm, const char *key);  /* last one wins */
void wx_frontmatter_free(wx_frontmatter *fm);

#endif
