/*
 * Unit tests for the body text of HTML pages (dom.c's body walk and
 * text.c's normaliser), as input markup → expected text tables: a table
 * row is one line with its cells apart by a tab (as a browser's innerText
 * has them), a cell's own breaks are spaces, nested tables stay inside
 * their cell, a one-column table is a box whose blocks stay lines, lists
 * and <pre> keep their lines.  And the readers of the
 * text (dates, notices) still find what a table row holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/dates.h"
#include "../parse/dom.h"
#include "../parse/notice.h"
#include "../parse/text.h"

/* The record text of a body fragment, as fill_body makes it: the fragment
 * sits in a page's #js_content, as article bodies do. */
static char *body_text(const char *html)
{
    wx_buf page;
    wx_buf_init(&page);
    wx_buf_puts(&page, "<html><head><title>t</title></head><body><div id=\"js_content\">");
    wx_buf_puts(&page, html);
    wx_buf_puts(&page, "</div><p>after the body</p></body></html>");
    htmlDocPtr d = wx_dom_parse(page.data, page.len);
    assert_non_null(d);
    wx_body b;
    memset(&b, 0, sizeof b);
    wx_body_walk(wx_dom_by_id((xmlNodePtr)d, "js_content"), &b);
    char *text = wx_text_normalize_cells(b.text.data ? b.text.data : "", b.text.len);
    wx_body_free(&b);
    xmlFreeDoc(d);
    free(page.data);
    return text;
}

typedef struct { const char *name, *html, *text; } text_case;

static void check_cases(const text_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got = body_text(cases[i].html);
        if (strcmp(got, cases[i].text) != 0)
            print_error("%s:\n  got      \"%s\"\n  expected \"%s\"\n", cases[i].name, got, cases[i].text);
        assert_string_equal(got, cases[i].text);
        free(got);
    }
}

static void test_tables(void **state)
{
    (void)state;
    static const text_case cases[] = {
        {"simple table",
         "<p>标准</p><table><tr><td>序号</td><td>标准名称</td><td>类型</td></tr>"
         "<tr><td>1</td><td>GB/T 22239</td><td>国标</td></tr></table><p>后文</p>",
         "标准\n序号\t标准名称\t类型\n1\tGB/T 22239\t国标\n后文"},
        {"tbody, th row, cells as the editor writes them",
         "<table><thead><tr><th><span>类型</span></th><th><span>型号</span></th></tr></thead>"
         "<tbody>\n <tr>\n  <td>\n   <span>GPU</span>\n  </td>\n  <td>\n   Nvidia&#160;RTX A5000&#160;\n  </td>\n </tr>\n</tbody></table>",
         "类型\t型号\nGPU\tNvidia RTX A5000"},
        {"cell with paragraphs, <br> and sections",
         "<table><tr><td><p>第一段</p><p>第二段</p></td><td>a<br>b<div>c</div><section>d</section></td></tr>"
         "<tr><td><ul><li>x</li><li>y</li></ul></td><td><pre>p\nq</pre></td></tr></table>",
         "第一段 第二段\ta b c d\nx y\tp q"},
        {"nested table: part of its cell",
         "<table><tr><td>外</td><td><table><tr><td>内1</td><td>内2</td></tr><tr><td>内3</td></tr></table></td>"
         "<td>尾</td></tr><tr><td>二</td></tr></table>",
         "外\t内1 内2 内3\t尾\n二"},
        {"empty cells keep their tabs, an empty row goes",
         "<table><tr><td>a</td><td></td><td> </td></tr><tr><td></td><td>b</td></tr>"
         "<tr><td></td><td><img src=\"x.png\"></td></tr><tr><td>c</td><td>d</td></tr></table>",
         "a\t\t\n\tb\nc\td"},
        {"a hidden cell is no cell; a caption is a line",
         "<table><caption>表1 名单</caption><tr><td>a</td><td style=\"display:none\">h</td><td>b</td></tr></table>",
         "表1 名单\na\tb"},
        {"page tabs are blanks, not cells",
         "<p>a\tb</p><table><tr><td>c\t\td</td><td>e</td></tr></table>",
         "a b\nc d\te"},
        {"two tables one after the other",
         "<table><tr><td>1</td><td>2</td></tr></table><table><tr><td>3</td><td>4</td></tr></table>",
         "1\t2\n3\t4"},
        {"a one-column table is a box: its blocks stay lines",
         "<table><tbody><tr><td><p>【温馨提示】<br>1、请勿预付押金。</p><section>2、注意安全。</section></td></tr>"
         "<tr><td>第二行</td></tr></tbody></table><p>正文</p>",
         "【温馨提示】\n1、请勿预付押金。\n2、注意安全。\n第二行\n正文"},
        {"a data table inside a box is a data table",
         "<table><tr><td><p>附表</p><table><tr><td>序号</td><td>名称</td></tr><tr><td>1</td><td>甲</td></tr></table>"
         "<p>完</p></td></tr></table>",
         "附表\n序号\t名称\n1\t甲\n完"},
        {"a hidden second cell leaves one column",
         "<table><tr><td><p>a</p><p>b</p></td><td style=\"display:none\">h</td></tr></table>",
         "a\nb"},
        {"cells without <tr> (as libxml2 leaves them)",
         "<table><td>a</td><td>b</td></table>",
         "a\tb"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_lists_and_pre(void **state)
{
    (void)state;
    static const text_case cases[] = {
        {"a list keeps its items on lines",
         "<p>附件：</p><ol><li>培训日程安排</li><li>报名回执表</li></ol>",
         "附件：\n培训日程安排\n报名回执表"},
        {"nested list",
         "<ul><li>一<ul><li>甲</li><li>乙</li></ul></li><li>二</li></ul>",
         "一\n甲\n乙\n二"},
        {"pre keeps its line breaks, tabs become blanks",
         "<pre>int main()\n{\n\treturn 0;\n}</pre><p>x</p>",
         "int main()\n{\nreturn 0;\n}\nx"},
        {"outside tables nothing changes: p, br, div",
         "<p>一<br>二</p><div>三</div><section><span>四</span>五</section>",
         "一\n二\n三\n四五"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* The normaliser alone: a cell tab is kept between text, trims the blanks
 * around it, and a line of tabs only is an empty line. */
static void test_normalize_cells(void **state)
{
    (void)state;
    static const struct { const char *in, *cells, *plain; } cases[] = {
        {"a \t b", "a\tb", "a b"},
        {"\t\t\n x", "x", "x"},
        {"\t a\t\n", "\ta\t", "a"},
        {" a\xC2\xA0\t\xE3\x80\x80" "b ", "a\tb", "a b"},
        {"a\t\t\tb", "a\t\t\tb", "a b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *cells = wx_text_normalize_cells(cases[i].in, strlen(cases[i].in));
        char *plain = wx_text_normalize(cases[i].in, strlen(cases[i].in));
        assert_string_equal(cells, cases[i].cells);
        assert_string_equal(plain, cases[i].plain);
        free(cells);
        free(plain);
    }
}

/* Text the parser adds without the walk (a post's script text, a video's
 * description) has tabs of its own: they are blanks, not cells. */
static void test_plain_text_tabs(void **state)
{
    (void)state;
    wx_body b;
    memset(&b, 0, sizeof b);
    wx_body_add_text(&b, "标题\t2024\t\t年\n第二行\t");
    char *text = wx_text_normalize_cells(b.text.data, b.text.len);
    assert_string_equal(text, "标题 2024 年\n第二行");
    free(text);
    wx_body_free(&b);
}

/* A date in a table cell is found with its text as written, and the cell
 * next to it (a tab away) does not run into it. */
static void test_dates_in_rows(void **state)
{
    (void)state;
    char *text = body_text("<table><tr><th>事项</th><th>时间</th></tr>"
                           "<tr><td><p>报名截止</p></td><td>2025年6月10日</td></tr>"
                           "<tr><td>会议</td><td>2025年6月18日<br>下午3点</td></tr>"
                           "<tr><td>版本</td><td>5.15</td></tr></table>");
    assert_string_equal(text, "事项\t时间\n报名截止\t2025年6月10日\n会议\t2025年6月18日 下午3点\n版本\t5.15");
    json_t *dates = wx_dates_find(NULL, text, "2025-05-20", NULL);
    assert_non_null(dates);
    assert_int_equal(json_array_size(dates), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(dates, 0), "date")), "2025-06-10");
    assert_string_equal(json_string_value(json_object_get(json_array_get(dates, 0), "text")), "2025年6月10日");
    assert_string_equal(json_string_value(json_object_get(json_array_get(dates, 1), "date")), "2025-06-18");
    json_decref(dates);
    free(text);
}

/* A notice whose addressees and signature sit in the paragraphs around a
 * table of attachments still reads as a notice. */
static void test_notice_around_table(void **state)
{
    (void)state;
    char *text = body_text("<p>关于开展2025年度数据安全培训的通知</p><p>各成员单位：</p>"
                           "<p>请于2025年6月10日前报名。</p>"
                           "<table><tr><td>序号</td><td>名称</td></tr><tr><td>1</td><td>培训日程</td></tr></table>"
                           "<p>示例标准化技术委员会秘书处</p><p>2025年5月20日</p>");
    json_t *dates = wx_dates_find(NULL, text, "2025-05-20", NULL);
    json_t *notice = wx_notice_extract("关于开展2025年度数据安全培训的通知", text, dates, NULL);
    assert_non_null(notice);
    assert_string_equal(json_string_value(json_object_get(notice, "kind")), "通知");
    assert_string_equal(json_string_value(json_object_get(notice, "signed_on")), "2025-05-20");
    json_decref(notice);
    json_decref(dates);
    free(text);
}

/* Markup that opens tables and never closes them, or closes more than it
 * opened, still gives bounded, sensible text (no cell state leaks out). */
static void test_broken_tables(void **state)
{
    (void)state;
    static const text_case cases[] = {
        /* what follows an unclosed table is in its last cell (a browser
         * puts it there too) */
        {"unclosed table", "<table><tr><td>a<td>b<tr><td>c", "a\tb\nc after the body"},
        {"stray row and cell end tags", "<p>x</p></td></tr></table><p>y</p>", "x\ny"},
        {"table inside a hidden block", "<div style=\"display:none\"><table><tr><td>h</td></tr></table></div><p>v</p>", "v"},
    };
    check_cases(cases, sizeof cases / sizeof cases[0]);
    /* 200 nested tables: one line, linear. */
    wx_buf b;
    wx_buf_init(&b);
    for (int i = 0; i < 200; i++) wx_buf_puts(&b, "<table><tr><td>x</td><td>");
    char *text = body_text(b.data);
    assert_null(strchr(text, '\n'));
    assert_non_null(strstr(text, "x\tx x"));
    free(text);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_lists_and_pre),
        cmocka_unit_test(test_normalize_cells),
        cmocka_unit_test(test_plain_text_tabs),
        cmocka_unit_test(test_dates_in_rows),
        cmocka_unit_test(test_notice_around_table),
        cmocka_unit_test(test_broken_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
