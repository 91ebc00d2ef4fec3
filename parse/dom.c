/*
 * DOM access with libxml2: parsing the (script-free) markup, finding the
 * elements WeChat templates use, and walking an article body once to get
 * its text, images and links in document order.
 */
#include "text.h"
#include "url.h"
#include "dom.h"
#include "scan.h"

#include <libxml/HTMLparser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/tree.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libxml2's HTML parser lowercases every element and attribute name, so
 * the lookups below compare names with strcmp against lowercase names. */

/* libxml2's HTML parser never loads a DTD or substitutes entities, and
 * NONET stops any network fetch; on top of that every external load is
 * refused here, so nothing a page names (DOCTYPE system id, entity,
 * XInclude, stylesheet) can make the parser open a file or a socket. */
static xmlParserInputPtr refuse_external(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static pthread_once_t loader_once = PTHREAD_ONCE_INIT;
static void install_loader(void) { xmlSetExternalEntityLoader(refuse_external); }

/* The element count of one parse, kept in ctxt->_private. */
typedef struct element_count {
    startElementSAXFunc start;      /* libxml2's own handler, which builds the tree */
    unsigned long n;
    int over;
} element_count;

/* Every start tag passes here: the element is built, and the parse is
 * halted (as for markup nested too deep) once there are more than
 * WX_MAX_ELEMENTS. */
static void count_element(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    htmlParserCtxtPtr ctxt = ctx;
    element_count *ec = ctxt->_private;
    ec->start(ctx, name, atts);
    if (++ec->n > WX_MAX_ELEMENTS && !ec->over) {
        ec->over = 1;
        xmlStopParser(ctxt);
    }
}

/* htmlCtxtReadMemory(ctxt, html, len, NULL, "UTF-8", opts) step for step
 * (libxml2 2.9's htmlDoRead), except that the input is read in place
 * (xmlParserInputBufferCreateStatic) instead of copied first: one copy of
 * the page fewer while the tree is built.  The UTF-8 encoder stays, as it
 * decides how libxml2 reads bytes that are not UTF-8. */
static htmlDocPtr read_static(htmlParserCtxtPtr ctxt, const char *html, int len, int opts,
                              element_count *ec)
{
    xmlInitParser();
    htmlCtxtReset(ctxt);
    xmlParserInputBufferPtr buf = xmlParserInputBufferCreateStatic(html, len, XML_CHAR_ENCODING_NONE);
    if (!buf) return NULL;
    xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
    if (!in) {
        xmlFreeParserInputBuffer(buf);
        return NULL;
    }
    inputPush(ctxt, in);
    htmlCtxtUseOptions(ctxt, opts);
    ctxt->html = 1;
    if (ctxt->sax && ctxt->sax->startElement) {
        ec->start = ctxt->sax->startElement;
        ctxt->sax->startElement = count_element;
        ctxt->_private = ec;
    }
    xmlCharEncodingHandlerPtr utf8 = xmlFindCharEncodingHandler("UTF-8");
    if (utf8) {
        xmlSwitchToEncoding(ctxt, utf8);
        if (ctxt->input->encoding) xmlFree((xmlChar *)ctxt->input->encoding);
        ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
    }
    htmlParseDocument(ctxt);
    htmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    return doc;
}

htmlDocPtr wx_dom_parse_checked(const char *html, size_t len, char *stopped, size_t stoppedsz)
{
    if (stopped && stoppedsz) stopped[0] = '\0';
    if (len > (size_t)0x7fffffff) len = 0x7fffffff;
    pthread_once(&loader_once, install_loader);
    /* NONET: never fetch anything a page names; no DTD loading either. */
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT;
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt) return NULL;
    element_count ec = {NULL, 0, 0};
    htmlDocPtr doc = read_static(ctxt, html, (int)len, opts, &ec);
    /* A resource limit (markup nested over 256 deep) halts the parser: the
     * rest of the page is lost, and the caller should say so. */
    if (doc && stopped && stoppedsz && ctxt->disableSAX) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        if (ec.over)
            snprintf(stopped, stoppedsz, "over %d elements: the HTML parser stopped there and the rest "
                     "of the page is lost", WX_MAX_ELEMENTS);
        else if (e && e->message && strstr(e->message, "depth"))
            snprintf(stopped, stoppedsz, "markup nested over %u levels deep: the HTML parser stopped "
                     "there and the rest of the page is lost", xmlParserMaxDepth);
        else
            snprintf(stopped, stoppedsz, "the HTML parser stopped early (a resource limit): "
                     "the rest of the page is lost");
    }
    htmlFreeParserCtxt(ctxt);
    return doc;
}

htmlDocPtr wx_dom_parse(const char *html, size_t len)
{
    return wx_dom_parse_checked(html, len, NULL, 0);
}

const char *wx_dom_attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n ? n->properties : NULL; a; a = a->next) {
        /* the first byte settles most (the whole-tree lookups call this a lot) */
        if (a->name && a->name[0] == (xmlChar)name[0] && strcmp((const char *)a->name, name) == 0 && a->children &&
            a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    }
    return NULL;
}

static int name_is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name[0] == (xmlChar)name[0] &&
           strcmp((const char *)n->name, name) == 0;
}

/* Does a class attribute list ("a b  c") contain cls? */
int wx_dom_has_class(xmlNodePtr n, const char *cls)
{
    const char *c = wx_dom_attr(n, "class");
    size_t m = strlen(cls);
    while (c && *c) {
        while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r') c++;
        size_t k = strcspn(c, " \t\r\n");
        if (k == m && strncmp(c, cls, m) == 0) return 1;
        c += k;
    }
    return 0;
}

/* The node after n in a depth-first walk of root in document order, or
 * NULL; iterative so that deeply nested markup cannot exhaust the stack. */
static xmlNodePtr next_in_order(xmlNodePtr n, xmlNodePtr root)
{
    if (n->children && (n->type == XML_ELEMENT_NODE || n == root)) return n->children;
    while (n && n != root && !n->next) n = n->parent;
    return !n || n == root ? NULL : n->next;
}

/* The first element under root, in document order, that match accepts. */
static xmlNodePtr find_first(xmlNodePtr root, int (*match)(xmlNodePtr, const char *), const char *arg)
{
    for (xmlNodePtr n = root; n; n = next_in_order(n, root))
        if (n->type == XML_ELEMENT_NODE && match(n, arg)) return n;
    return NULL;
}

static int match_id(xmlNodePtr n, const char *id)
{
    const char *v = wx_dom_attr(n, "id");
    return v && strcmp(v, id) == 0;
}

static int match_class(xmlNodePtr n, const char *cls) { return wx_dom_has_class(n, cls); }

static int match_tag(xmlNodePtr n, const char *tag) { return name_is(n, tag); }

xmlNodePtr wx_dom_by_id(xmlNodePtr root, const char *id) { return find_first(root, match_id, id); }

xmlNodePtr wx_dom_by_class(xmlNodePtr root, const char *cls) { return find_first(root, match_class, cls); }

int wx_dom_ids_build(wx_dom_ids *ix, xmlNodePtr root)
{
    memset(ix, 0, sizeof *ix);
    for (xmlNodePtr n = root; n; n = next_in_order(n, root)) {
        const char *id = n->type == XML_ELEMENT_NODE ? wx_dom_attr(n, "id") : NULL;
        if (!id) continue;
        int added;
        size_t *slot = wx_strmap_put(&ix->map, id, &added);
        if (!slot) return -1;
        if (!added) continue;                          /* the first element with the id is the one */
        if (ix->n == ix->cap) {
            size_t cap = ix->cap ? 2 * ix->cap : 64;
            xmlNodePtr *v = realloc(ix->nodes, cap * sizeof *v);
            if (!v) return -1;
            ix->nodes = v;
            ix->cap = cap;
        }
        *slot = ix->n;
        ix->nodes[ix->n++] = n;
    }
    return 0;
}

xmlNodePtr wx_dom_ids_get(const wx_dom_ids *ix, const char *id)
{
    size_t *at = wx_strmap_get(&ix->map, id);
    return at ? ix->nodes[*at] : NULL;
}

void wx_dom_ids_free(wx_dom_ids *ix)
{
    wx_strmap_free(&ix->map);
    free(ix->nodes);
    memset(ix, 0, sizeof *ix);
}

xmlNodePtr wx_dom_by_tag(xmlNodePtr root, const char *tag) { return find_first(root, match_tag, tag); }

static int match_meta(xmlNodePtr n, const char *key)
{
    if (!name_is(n, "meta")) return 0;
    const char *p = wx_dom_attr(n, "property");
    const char *nm = wx_dom_attr(n, "name");
    return (p && strcasecmp(p, key) == 0) || (nm && strcasecmp(nm, key) == 0);
}

/* Re-serialised pages resolve empty src/href attributes against the page
 * URL, so an <img> whose src is an article link names the page itself. */
static int match_self_img(xmlNodePtr n, const char *unused)
{
    (void)unused;
    if (!name_is(n, "img")) return 0;
    const char *src = wx_dom_attr(n, "src");
    return src && strstr(src, "mp.weixin.qq.com/s?") && strstr(src, "mid=");
}

const char *wx_dom_self_url(xmlNodePtr root)
{
    xmlNodePtr n = find_first(root, match_self_img, NULL);
    return n ? wx_dom_attr(n, "src") : NULL;
}

/* content of <meta property|name=key>, or NULL.  Pages re-serialised by
 * some extractors (mercury-parser fixtures) write it as value="…". */
const char *wx_dom_meta(xmlNodePtr root, const char *key)
{
    xmlNodePtr n = find_first(root, match_meta, key);
    if (!n) return NULL;
    const char *v = wx_dom_attr(n, "content");
    return v ? v : wx_dom_attr(n, "value");
}

/* All text under n, as one trimmed line (titles, names).  malloc'd or NULL. */
char *wx_dom_text_line(xmlNodePtr n)
{
    if (!n) return NULL;
    xmlChar *c = xmlNodeGetContent(n);
    if (!c) return NULL;
    char *clean = wx_utf8_clean((const char *)c, strlen((const char *)c));
    xmlFree(c);
    char *line = wx_text_oneline(clean);
    free(clean);
    return line;
}

/* ---------- the body walk ---------- */

static int is_block(xmlNodePtr n)
{
    static const char *const blocks[] = {
        "p", "div", "section", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
        "blockquote", "pre", "table", "tr", "hr", "figure", "figcaption", "article",
        "header", "footer", "dl", "dt", "dd", "br", "center", "aside", "nav", "main", NULL};
    for (int i = 0; blocks[i]; i++)
        if (n->name[0] == (xmlChar)blocks[i][0] && strcmp((const char *)n->name, blocks[i]) == 0) return 1;
    return 0;
}

static int is_skipped(xmlNodePtr n)
{
    static const char *const skip[] = {"script", "style", "noscript", "template", "textarea",
                                       "head", "title", "button", "select", NULL};
    for (int i = 0; skip[i]; i++)
        if (n->name[0] == (xmlChar)skip[i][0] && strcmp((const char *)n->name, skip[i]) == 0) return 1;
    return 0;
}

/* Does a style value s[0..n) hide its element (display: none)?  Shared
 * with page.c's lean markup, which keeps exactly the style values this
 * (or a background url) reads. */
int wx_style_hides(const char *s, size_t n)
{
    if (n < 7) return 0;
    /* from one d or D to the next by a 16-byte scan rather than a test a
     * byte (wx_style_hides: 17.2 M -> 5.0 M instructions over the bench pages) */
    for (const char *p = s, *last = s + n - 6; (p = wx_byte3_next(p, last, 'd', 'D', 'd')) < last; p++) {
        if (strncasecmp(p, "display", 7) != 0) continue;
        size_t q = (size_t)(p - s) + 7;
        while (q < n && (s[q] == ' ' || s[q] == '\t')) q++;
        if (q >= n || s[q] != ':') continue;
        q++;
        while (q < n && (s[q] == ' ' || s[q] == '\t')) q++;
        if (n - q >= 4 && strncasecmp(s + q, "none", 4) == 0) return 1;
    }
    return 0;
}

/* Markup the page keeps out of sight (style="display: none"): the
 * 展开 switch of share pages, empty placeholders.  Readers never see it,
 * so neither does the body text. */
static int is_hidden(xmlNodePtr n)
{
    const char *style = wx_dom_attr(n, "style");
    return style && wx_style_hides(style, strlen(style));
}

/* Append plain text (not from the walk) to the body: a tab in the body
 * text marks a table cell, so the text's own tabs become spaces. */
void wx_body_add_text(wx_body *b, const char *s)
{
    for (size_t run; *s; s += run) {
        run = strcspn(s, "\t");
        wx_buf_put(&b->text, s, run);
        if (s[run] == '\t') { wx_buf_putc(&b->text, ' '); run++; }
    }
}

/* Append an image to the body, taking its strings (freed when out of memory). */
void wx_body_add_image(wx_body *b, wx_image img)
{
    if (b->nimages == b->capimages) {
        size_t cap = b->capimages ? b->capimages * 2 : 16;
        wx_image *im = realloc(b->images, cap * sizeof *im);
        if (!im) { free(img.url); free(img.local); free(img.alt); free(img.near); return; }
        b->images = im;
        b->capimages = cap;
    }
    b->images[b->nimages++] = img;
}

/* Append a link to the body, taking url and text (freed when out of memory). */
void wx_body_add_link(wx_body *b, char *url, char *text)
{
    if (b->nlinks == b->caplinks) {
        size_t cap = b->caplinks ? b->caplinks * 2 : 16;
        wx_link *l = realloc(b->links, cap * sizeof *l);
        if (!l) { free(url); free(text); return; }
        b->links = l;
        b->caplinks = cap;
    }
    b->links[b->nlinks].url = url;
    b->links[b->nlinks].text = text;
    b->nlinks++;
}

/* Is this URL a remote one (vs. a browser "Save as" local copy)? */
static int is_remote(const char *u)
{
    return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0 ||
           strncmp(u, "//", 2) == 0 || strncmp(u, "/web/", 5) == 0;
}

static double attr_number(xmlNodePtr n, const char *name)
{
    const char *v = wx_dom_attr(n, name);
    if (!v || !*v) return -1;
    char *end;
    double d = strtod(v, &end);
    return (end != v && isfinite(d) && d > 0) ? d : -1;
}

/* Whether an element sits inside an <a> that links to another article. */
static int in_article_link(xmlNodePtr n)
{
    for (xmlNodePtr p = n->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        if (name_is(p, "a")) {
            const char *href = wx_dom_attr(p, "href");
            return href && strstr(href, "mp.weixin.qq.com/s") != NULL;
        }
    }
    return 0;
}

/* The text under p (as xmlNodeGetContent gives it) when it is shorter than
 * max bytes and p holds at most max_nodes nodes; otherwise NULL with
 * *too_big set.  Bounded, so asking for the text around each of many
 * images in one block costs a constant per image, not the whole block. */
static char *small_block_text(xmlNodePtr p, size_t max, size_t max_nodes, int *too_big)
{
    wx_buf t;
    wx_buf_init(&t);
    size_t nodes = 0;
    *too_big = 0;
    xmlNodePtr n = p->children;
    while (n && n != p) {
        if (++nodes > max_nodes) { *too_big = 1; break; }
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
            const char *c = (const char *)n->content;
            size_t k = strnlen(c, max - t.len);
            if (t.len + k >= max) { *too_big = 1; break; }
            wx_buf_put(&t, c, k);
        }
        if (n->children && n->type == XML_ELEMENT_NODE) { n = n->children; continue; }
        while (n != p && !n->next) n = n->parent;
        if (n != p) n = n->next;
    }
    if (*too_big) { free(t.data); return NULL; }
    return wx_buf_take(&t);
}

/* Short text around an image (its enclosing block), used to spot QR codes
 * ("长按识别二维码").  Only small blocks count: a whole section says
 * nothing about one image, and neither does a block of hundreds of nodes. */
static char *near_text(xmlNodePtr n)
{
    xmlNodePtr p = n->parent;
    for (int up = 0; p && up < 3 && p->type == XML_ELEMENT_NODE; up++, p = p->parent) {
        int too_big;
        char *s = small_block_text(p, 400, 256, &too_big);
        if (too_big) return NULL;
        if (s && *s) return s;
        free(s);
    }
    return NULL;
}

static void image_from_img(wx_body *b, xmlNodePtr n)
{
    const char *data_src = wx_dom_attr(n, "data-src");
    const char *src = wx_dom_attr(n, "src");
    const char *remote = NULL, *local = NULL;
    if (data_src && *data_src) remote = data_src;
    if (src && *src) {
        if (is_remote(src)) { if (!remote) remote = src; }
        else if (strncasecmp(src, "data:", 5) != 0) local = src;
    }
    wx_image img = {0};
    /* A saved page whose image has only its local copy: that copy is the
     * only reference there is. */
    img.url = wx_url_clean(remote ? remote : local);
    if (!img.url) return;                         /* placeholder or data: image */
    img.local = local ? wx_utf8_clean(local, strlen(local)) : NULL;
    const char *alt = wx_dom_attr(n, "alt");
    img.alt = alt ? wx_text_oneline(alt) : NULL;
    img.width = attr_number(n, "data-w");
    double ratio = attr_number(n, "data-ratio");
    img.height = (img.width > 0 && ratio > 0) ? floor(img.width * ratio + 0.5) : -1;
    img.ratio = ratio;
    img.in_article_link = in_article_link(n);
    img.near = near_text(n);
    wx_body_add_image(b, img);
}

/* Background images: url(…) inside background/background-image styles. */
static void images_from_style(wx_body *b, xmlNodePtr n, const char *style)
{
    const char *p = style;
    while ((p = strstr(p, "url(")) != NULL) {
        p += 4;
        while (*p == ' ' || *p == '"' || *p == '\'') p++;
        if (strncmp(p, "&quot;", 6) == 0) p += 6;
        size_t k = strcspn(p, "\"')");
        char *raw = strndup(p, k);
        p += k;
        if (!raw) return;
        char *url = wx_url_clean(raw);
        free(raw);
        if (!url) continue;
        if (strncasecmp(url, "http", 4) != 0) { free(url); continue; }
        wx_image img = {0};
        img.url = url;
        img.width = img.height = img.ratio = -1;
        img.in_article_link = in_article_link(n);
        wx_body_add_image(b, img);
    }
}

static void link_from_a(wx_body *b, xmlNodePtr n)
{
    const char *href = wx_dom_attr(n, "href");
    if (!href) return;
    char *url = wx_url_clean(href);
    if (!url) return;
    if (strncasecmp(url, "http", 4) != 0 && strncasecmp(url, "mailto:", 7) != 0) { free(url); return; }
    wx_body_add_link(b, url, wx_dom_text_line(n));
}

/* In HTML a line break inside text is just a space; only <pre> keeps it. */
static int in_pre(xmlNodePtr n)
{
    for (int up = 0; n && up < 8; up++, n = n->parent)
        if (name_is(n, "pre")) return 1;
    return 0;
}

/* Where the walk is in tables: how many <table>s are open around it and
 * whether the current row of the outermost one has had a cell yet (the
 * next one is then set apart with a tab, as a browser's innerText does). */
typedef struct {
    int tables;
    int row_has_cell;
} walk_state;

/* A tab in the body text marks a table cell boundary, so the page's own
 * tabs become spaces; inside a table every line break of a cell's text
 * does too (a row is one line), <pre> or not. */
static void put_text(wx_buf *out, xmlNodePtr n, const walk_state *w)
{
    const char *s = (const char *)n->content;
    if (!strpbrk(s, "\r\n\t")) { wx_buf_puts(out, s); return; }
    int keep_lines = w->tables == 0 && in_pre(n->parent);
    for (; *s; s++) {
        int line = *s == '\n' || *s == '\r';
        wx_buf_putc(out, (*s == '\t' || (line && !keep_lines)) ? ' ' : *s);
    }
}

/* Are n's children walked at all?  Asked again when leaving n, so that a
 * hidden or skipped table is never counted as open. */
static int is_walked(xmlNodePtr n)
{
    return n->type == XML_ELEMENT_NODE && !is_skipped(n) && !is_hidden(n);
}

static int is_cell(xmlNodePtr n) { return name_is(n, "td") || name_is(n, "th"); }

/* A row of the outermost table (a caption is a line of its own too). */
static int is_row(xmlNodePtr n, const walk_state *w)
{
    return w->tables == 1 && (name_is(n, "tr") || name_is(n, "caption"));
}

/* Does a row (or a table holding its cells without <tr>) have two cells
 * or more a reader sees? */
static int has_two_cells(xmlNodePtr row)
{
    int cells = 0;
    for (xmlNodePtr c = row->children; c && cells < 2; c = c->next)
        if (is_cell(c) && is_walked(c)) cells++;
    return cells >= 2;
}

/* A table with two cells side by side somewhere holds data: its rows are
 * lines of cells.  One with a single column is a box drawn around blocks
 * (WeChat editors frame headings, tips and whole notices that way), and
 * its blocks stay lines as anywhere else.  Only the table's own rows are
 * read (those of a nested table are its own), so every node is looked at
 * for one table at most. */
static int is_data_table(xmlNodePtr table)
{
    if (has_two_cells(table)) return 1;
    for (xmlNodePtr c = table->children; c; c = c->next) {
        if (name_is(c, "tr") && has_two_cells(c)) return 1;
        if (!name_is(c, "tbody") && !name_is(c, "thead") && !name_is(c, "tfoot")) continue;
        for (xmlNodePtr r = c->children; r; r = r->next)
            if (name_is(r, "tr") && has_two_cells(r)) return 1;
    }
    return 0;
}

/* A <table>'s start or end.  A data table opens the table state (its
 * rows are lines); anything inside it, nested tables too, is part of a
 * cell.  A single-column table outside data tables is a plain block and
 * leaves the state alone, so at its end the state is back to zero. */
static void put_table_break(wx_buf *out, xmlNodePtr n, walk_state *w, int entering)
{
    if (entering && w->tables == 0 && !is_data_table(n)) { wx_buf_putc(out, '\n'); return; }
    if (!entering && w->tables == 0) { wx_buf_putc(out, '\n'); return; }
    if (entering) w->tables++;
    else w->tables--;
    wx_buf_putc(out, w->tables == (entering ? 1 : 0) ? '\n' : ' ');
    if (entering && w->tables == 1) w->row_has_cell = 0;
}

/* The break an element's start or end puts in the text: a newline between
 * blocks; inside a data table a row ends a line, a cell of the outermost
 * one starts with a tab unless it is the row's first, and every other
 * break (a cell's <p>s and <br>s, the rows and cells of a nested table) is
 * a space, so that each row reads back as one line of cells. */
static void put_break(wx_buf *out, xmlNodePtr n, walk_state *w, int entering)
{
    if (name_is(n, "table")) {
        put_table_break(out, n, w, entering);
    } else if (w->tables == 0) {
        if (is_block(n)) wx_buf_putc(out, '\n');
    } else if (is_row(n, w)) {
        wx_buf_putc(out, '\n');
        w->row_has_cell = 0;
    } else if (is_cell(n) && w->tables == 1) {
        if (entering && w->row_has_cell) wx_buf_putc(out, '\t');
        else if (!entering) wx_buf_putc(out, ' ');
        if (entering) w->row_has_cell = 1;
    } else if (is_block(n) || is_cell(n)) {
        wx_buf_putc(out, ' ');
    }
}

/* Entering a node: record what it contributes.  Returns whether to
 * descend into its children. */
static int body_enter(xmlNodePtr n, wx_body *b, walk_state *w)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content) put_text(&b->text, n, w);
        return 0;
    }
    if (!is_walked(n)) return 0;
    put_break(&b->text, n, w, 1);
    if (name_is(n, "img")) image_from_img(b, n);
    /* page.c (lean_markup) empties style values without "url(" that do
     * not hide (wx_style_hides) before the parse: read anything else from
     * styles (here or in is_hidden) and that must change too. */
    const char *style = wx_dom_attr(n, "style");
    if (style && strstr(style, "url(") && strstr(style, "background")) images_from_style(b, n, style);
    if (name_is(n, "a")) link_from_a(b, n);
    return 1;
}

static int is_table_part(xmlNodePtr n)
{
    return name_is(n, "table") || name_is(n, "tr") || name_is(n, "caption") || is_cell(n);
}

/* Leaving an element: its closing break.  Only the table's own elements
 * are checked for being walked (a hidden or skipped one changes no table
 * state and breaks like any block); the rest break as they always did. */
static void body_leave(xmlNodePtr n, wx_body *b, walk_state *w)
{
    if (n->type != XML_ELEMENT_NODE) return;
    if (!is_table_part(n) || is_walked(n)) put_break(&b->text, n, w, 0);
    else if (is_block(n)) wx_buf_putc(&b->text, w->tables ? ' ' : '\n');
}

/* Walk the body in document order: text into b->text with a newline at
 * every block boundary and each table row on one line of tab-separated
 * cells (put_break), plus images and links.  Iterative, so deeply
 * nested markup cannot exhaust the stack. */
void wx_body_walk(xmlNodePtr root, wx_body *b)
{
    walk_state w = {0, 0};
    xmlNodePtr n = root ? root->children : NULL;
    while (n) {
        if (body_enter(n, b, &w) && n->children) { n = n->children; continue; }
        while (n) {                                 /* leave n, then its finished ancestors */
            body_leave(n, b, &w);
            if (n->next) { n = n->next; break; }
            n = n->parent;
            if (n == root) n = NULL;
        }
    }
}

void wx_body_free(wx_body *b)
{
    for (size_t i = 0; i < b->nimages; i++) {
        free(b->images[i].url); free(b->images[i].local);
        free(b->images[i].alt); free(b->images[i].near);
    }
    for (size_t i = 0; i < b->nlinks; i++) { free(b->links[i].url); free(b->links[i].text); }
    free(b->images);
    free(b->links);
    free(b->text.data);
    memset(b, 0, sizeof *b);
}
