/*
 * page.c empties style values that no field reads before libxml2 parses
 * the markup (lean_markup).  That is only right if libxml2 builds the same
 * DOM from the lean markup: the same nodes, names, text and attributes,
 * with a style value either kept or emptied when it held no "url(" and
 * did not hide its element (display: none).  Its
 * scanner must agree with libxml2 on every start tag and attribute, so
 * this file (which includes page.c, as lean_markup is static) parses both
 * with libxml2 and compares the trees: on the sample pages, and on many
 * random strings built from the pieces that decide tokenizing (quotes,
 * '<', '>', "/>", blanks and form feeds, raw-text elements, DOCTYPEs,
 * comments, entities, bad UTF-8, NUL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../parse/page.c"
#include "../parse/parse.h"

static const char *attr_value(xmlAttrPtr a)
{
    return a->children && a->children->content ? (const char *)a->children->content : "";
}

/* Same tree, up to emptied style values?  Names the first difference. */
static int same_tree(xmlNodePtr a, xmlNodePtr b, char *why, size_t whysz)
{
    for (; a || b; a = a->next, b = b->next) {
        if (!a || !b) { snprintf(why, whysz, "node count"); return 0; }
        if (a->type != b->type) { snprintf(why, whysz, "node type"); return 0; }
        if ((a->name || b->name) && (!a->name || !b->name || strcmp((const char *)a->name, (const char *)b->name))) {
            snprintf(why, whysz, "name %s / %s", a->name, b->name);
            return 0;
        }
        if ((a->content || b->content) &&
            (!a->content || !b->content || strcmp((const char *)a->content, (const char *)b->content))) {
            snprintf(why, whysz, "content [%s] / [%s]", a->content, b->content);
            return 0;
        }
        if (a->type == XML_ELEMENT_NODE) {
            xmlAttrPtr x = a->properties, y = b->properties;
            for (; x || y; x = x->next, y = y->next) {
                if (!x || !y || strcmp((const char *)x->name, (const char *)y->name)) {
                    snprintf(why, whysz, "attributes of <%s>", a->name);
                    return 0;
                }
                const char *vx = attr_value(x), *vy = attr_value(y);
                if (strcmp(vx, vy) == 0) continue;
                if (strcmp((const char *)x->name, "style") || *vy || strstr(vx, "url(") ||
                    wx_style_hides(vx, strlen(vx))) {
                    snprintf(why, whysz, "attribute %s: [%s] / [%s]", x->name, vx, vy);
                    return 0;
                }
            }
        }
        if (!same_tree(a->children, b->children, why, whysz)) return 0;
    }
    return 1;
}

/* Parse s as it is and lean; 1 when the DOMs agree.  *dropped gets the
 * bytes lean_markup removed. */
static int lean_agrees(const char *s, size_t n, size_t *dropped)
{
    wx_page pg;
    memset(&pg, 0, sizeof pg);
    pg.html = malloc(n + 1);
    assert_non_null(pg.html);
    memcpy(pg.html, s, n);
    pg.html[n] = '\0';
    pg.html_len = n;
    lean_markup(&pg);
    *dropped = n - pg.html_len;
    char stop_a[256], stop_b[256];
    htmlDocPtr a = wx_dom_parse_checked(s, n, stop_a, sizeof stop_a);
    htmlDocPtr b = wx_dom_parse_checked(pg.html, pg.html_len, stop_b, sizeof stop_b);
    char why[512] = "";
    int ok = (!a && !b) || (a && b && same_tree(a->children, b->children, why, sizeof why));
    if (strcmp(stop_a, stop_b) != 0) { ok = 0; snprintf(why, sizeof why, "stop message"); }
    if (!ok)
        print_message("lean markup parses differently (%s):\n[%.*s]\n->\n[%.*s]\n", why, (int)(n > 2000 ? 2000 : n), s,
                      (int)(pg.html_len > 2000 ? 2000 : pg.html_len), pg.html);
    if (a) xmlFreeDoc(a);
    if (b) xmlFreeDoc(b);
    free(pg.html);
    return ok;
}

static void test_lean_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "<p style=\"color:red\">x</p>",
        "<p style=\"display: block;color:red\">x</p>",
        "<p style=\"DISPLAY :\tNone\">x</p>",
        "<p style=\"display&#58;none\">x</p>",
        "<p style=\"display:&quot;none\">x</p>",
        "<p style='color:red' STYLE=\"background:url(a.png)\">x</p>",
        "<p style=\"background:url(a.png)\">x</p>",
        "<p style=\"font-family:&quot;PingFang SC&quot;\">x</p>",
        "<p style=\"u&#114;l(a)\">x</p>",
        "<p\fstyle=\"color:red\">x</p>",
        "<p \"junk style=\"a\">x</p>",
        "<p style = \"a\" style=\"b\">x</p>",
        "<p style=a>x</p>",
        "<p style=\"a>b\">x</p>",
        "</div style=\"a\"><p style=\"b\">x</p>",
        "<script>var s='<p style=\"a\">';</script><p style=\"b\">x</p>",
        "<script/><p style=\"b\">x</p>",
        "<style>p{}</style><p style=\"b\">x</p>",
        "<!DOCTYPE html><p style=\"b\">x</p>",
        " <!----> <!DOCTYPE html> <p style=\"b\">x</p>",
        "<div>t<!DOCTYPE html></x<SCRIPT><p style=\"q\">b",
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD\" \"x\"><p style=\"b\">x</p>",
        "<!----><p style=\"b\">x</p>",
        "<? pi ?><p style=\"b\">x</p>",
        "a < b <p style=\"b\">x</p>",
        "<title><p style=\"b\">x</p></title>",
        "<textarea><p style=\"b\">x</p></textarea>",
        "<p style=\"unclosed>x</p>",
        "<p style=\"b\xff\">x</p>",
        "<p style=\"\xe4\xb8\xad\">x</p>",
    };
    size_t dropped, total = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(lean_agrees(cases[i], strlen(cases[i]), &dropped));
        total += dropped;
    }
    assert_true(total > 20);                       /* values were emptied */
}

static void test_lean_random(void **state)
{
    (void)state;
    static const char *const parts[] = {
        "<p", "<div", "<a", "<span", "<img", "<script>", "</script>", "<style>", "</style>", "<script", "<STYLE",
        "<title>", "<textarea>", "<xmp>", "<noscript>", "<iframe>", "<plaintext>", "</p>", "</div>", "</",
        "</ div>", "</p ", " style=", "style", "STYLE", "style =", "=", "\"", "'", ">", "/>", "/", " ", "\t",
        "\f", "\n", "\r", "color:red", "url(x)", "background:url(a.png)", "&quot;", "&#39;", "&amp;", "&",
        "&#x", "<!---->", "<!DOCTYPE html>", "<!doctype", "<!", "<?", "<?xml", "text", "\xe4\xb8\xad", "\xff",
        "<br", "x=", "_", ":", ".", "-", "a", "1", "class=\"c\"", "id=x", "<head>", "<body>", "<html>", "\"a>b\"",
        "<p style=\"color:red\">", "<p style='font:&quot;x&quot;'>", "<", "</scriptx>", "</script >", "<body",
        "</x", "<SCRIPT>", "</STYLE>", "<script src=x>", "<script/>", "<p ", " style=\"", "\" ",
        "<p/style=\"a\">", "<![CDATA[", "<!--x-->", "<TITLE>", "</TITLE>", "&#60;", "\r\n", "<img src=x/>",
        "<p style=\"a\"/>", "<body style=\"a\">", "<html style=\"b\">"};
    srand(20261125);
    long dropped_total = 0, with_drop = 0;
    for (int it = 0; it < 20000; it++) {
        char buf[400];
        size_t n = 0;
        for (int t = 1 + rand() % 30; t > 0; t--) {
            const char *w = parts[rand() % (int)(sizeof parts / sizeof parts[0])];
            size_t l = strlen(w);
            if (n + l >= sizeof buf) break;
            memcpy(buf + n, w, l);
            n += l;
        }
        size_t dropped;
        if (!lean_agrees(buf, n, &dropped)) fail();
        dropped_total += (long)dropped;
        with_drop += dropped > 0;
    }
    assert_true(with_drop > 1000);                 /* the test did exercise emptying */
}

/* The markup of every sample page, as wx_page_split leaves it but for the
 * lean pass, must parse the same lean. */
static void test_lean_samples(void **state)
{
    (void)state;
    DIR *d = opendir("samples");
    if (!d) d = opendir("../samples");
    assert_non_null(d);
    struct dirent *e;
    int pages = 0;
    size_t dropped_total = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".htm")) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", access("samples", F_OK) == 0 ? "samples" : "../samples", e->d_name);
        gzFile f = gzopen(path, "rb");
        assert_non_null(f);
        size_t cap = 1 << 20, len = 0;
        char *buf = malloc(cap);
        int r;
        while (buf && (r = gzread(f, buf + len, (unsigned)(cap - len))) > 0) {
            len += (size_t)r;
            if (len == cap) buf = realloc(buf, cap *= 2);
        }
        gzclose(f);
        assert_non_null(buf);
        wx_page pg;
        memset(&pg, 0, sizeof pg);
        wx_buf html;
        wx_buf_init(&html);
        int toolbar = 0, archived = 0;
        split_markup(&pg, buf, len, &html, &toolbar, &archived);
        size_t dropped;
        assert_true(lean_agrees(html.data, html.len, &dropped));
        dropped_total += dropped;
        free(html.data);
        free(pg.scripts);
        free(buf);
        pages++;
    }
    closedir(d);
    assert_true(pages >= 20);
    assert_true(dropped_total > 100000);
}

/* End to end: background images whose style says url( only after
 * decoding, or next to editor quotes, survive the lean markup. */
static void test_lean_keeps_background_images(void **state)
{
    (void)state;
    static const char page[] =
        "<!DOCTYPE html><html><head><title>t</title></head><body><div id=\"js_content\">"
        "<section style=\"color:red;background-image:u&#114;l(&quot;https://mmbiz.qpic.cn/a/1.png&quot;)\">one</section>"
        "<p style=\"font-family:&quot;PingFang SC&quot;;background:url(https://mmbiz.qpic.cn/a/2.jpg)\">two</p>"
        "<p style=\"font-family:&quot;PingFang SC&quot;;color:blue\">three</p></div></body></html>";
    wx_page pg;
    assert_int_equal(wx_page_split(&pg, page, sizeof page - 1), 0);
    assert_non_null(strstr(pg.html, "u&#114;l(&quot;https://mmbiz.qpic.cn/a/1.png"));
    assert_non_null(strstr(pg.html, "url(https://mmbiz.qpic.cn/a/2.jpg)"));
    assert_null(strstr(pg.html, "color:blue"));                   /* the plain one was emptied */
    wx_page_free(&pg);
    wx_doc *doc = wx_doc_from_memory("bg.html", page, sizeof page - 1);
    assert_non_null(doc);
    json_t *rec = wx_parse(doc);
    assert_non_null(rec);
    char *js = json_dumps(json_object_get(rec, "images"), 0);
    assert_non_null(js);
    assert_non_null(strstr(js, "https://mmbiz.qpic.cn/a/1.png"));
    assert_non_null(strstr(js, "https://mmbiz.qpic.cn/a/2.jpg"));
    free(js);
    json_decref(rec);
    wx_doc_free(doc);
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lean_cases),
        cmocka_unit_test(test_lean_random),
        cmocka_unit_test(test_lean_samples),
        cmocka_unit_test(test_lean_keeps_background_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
