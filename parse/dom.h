/*
 * dom: the HTML document (dom.c): libxml2 parsing with limits, lookups,
 * and the body walk that collects an article's text, images and links.
 */
#ifndef WX_PARSE_DOM_H
#define WX_PARSE_DOM_H

#include <libxml/HTMLparser.h>
#include <stddef.h>
#include "text.h"
#include "../ingest/strmap.h"

typedef struct wx_image {
    char *url, *local, *alt, *near;    /* near: text of the enclosing small block */
    double width, height, ratio;       /* -1 when unknown */
    int in_article_link;
    const char *role;
} wx_image;
typedef struct wx_link { char *url, *text; } wx_link;
typedef struct wx_body {
    wx_buf text;                       /* raw text with a newline at block boundaries */
    wx_image *images; size_t nimages, capimages;
    wx_link *links; size_t nlinks, caplinks;
} wx_body;
/* Parse markup into a tree.  The parser stops after WX_MAX_ELEMENTS
 * elements (each costs libxml2 some 200 bytes, from as few as 7 bytes of
 * page: <p></p>); the largest real pages hold a few thousand. */
#define WX_MAX_ELEMENTS 50000
htmlDocPtr wx_dom_parse(const char *html, size_t len);
/* The same; when a resource limit halted the parser (markup nested too
 * deep, too many elements: the rest of the page is lost), stopped gets a
 * message saying so, else "". */
htmlDocPtr wx_dom_parse_checked(const char *html, size_t len, char *stopped, size_t stoppedsz);
const char *wx_dom_attr(xmlNodePtr n, const char *name);
int wx_dom_has_class(xmlNodePtr n, const char *cls);
xmlNodePtr wx_dom_by_id(xmlNodePtr root, const char *id);
/* Every id under root to the element wx_dom_by_id finds for it, for code
 * that looks up ids a page names (one walk of the tree per lookup is
 * quadratic).  Keys point into the tree: it must outlive the index and
 * keep its id attributes.  wx_dom_ids_build returns -1 out of memory. */
typedef struct wx_dom_ids { wx_strmap map; xmlNodePtr *nodes; size_t n, cap; } wx_dom_ids;
int wx_dom_ids_build(wx_dom_ids *ix, xmlNodePtr root);
xmlNodePtr wx_dom_ids_get(const wx_dom_ids *ix, const char *id);
void wx_dom_ids_free(wx_dom_ids *ix);
xmlNodePtr wx_dom_by_class(xmlNodePtr root, const char *cls);
xmlNodePtr wx_dom_by_tag(xmlNodePtr root, const char *tag);
const char *wx_dom_meta(xmlNodePtr root, const char *key);
const char *wx_dom_self_url(xmlNodePtr root);
char *wx_dom_text_line(xmlNodePtr n);
void wx_body_walk(xmlNodePtr root, wx_body *b);
void wx_body_add_text(wx_body *b, const char *s);   /* plain text; its tabs become spaces */
void wx_body_add_image(wx_body *b, wx_image img);   /* takes img's strings */
void wx_body_add_link(wx_body *b, char *url, char *text);   /* takes url and text */
void wx_body_free(wx_body *b);

/* Whether a style attribute's value hides its element (display: none). */
int wx_style_hides(const char *style, size_t n);

#endif
