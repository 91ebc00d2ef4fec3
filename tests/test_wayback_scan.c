/*
 * page.c recognises Wayback Machine captures.  The injected script's
 * "__wm.wombat(" call is found with the byte-pair scan (find_wombat), which
 * must find the same first occurrence memmem does: compared on many random
 * strings made of marker pieces.  The toolbar and archive-footer markers
 * count only inside comments, where the Wayback puts them: checked on
 * small pages through wx_page_split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/page.c"

static void test_wombat_scan(void **state)
{
    (void)state;
    static const char *const parts[] = {
        "__wm.wombat(", "BEGIN WAYBACK TOOLBAR INSERT", "FILE ARCHIVED ON", "_", "__wm", ".wombat(",
        "__wm.womba", "wombat", "x", " ", "b", "(", "__wm.", "aaaaaaa", "\xe4\xb8\xad", "__",
        "0123456789abcdef0123456789abcdef"};
    srand(7);
    long found = 0;
    for (int it = 0; it < 50000; it++) {
        char buf[300];
        size_t n = 0;
        for (int t = rand() % 16; t > 0; t--) {
            const char *w = parts[rand() % (int)(sizeof parts / sizeof parts[0])];
            size_t l = strlen(w);
            if (n + l >= sizeof buf) break;
            memcpy(buf + n, w, l);
            n += l;
        }
        const char *want = memmem(buf, n, "__wm.wombat(", 12);
        assert_ptr_equal(find_wombat(buf, n), want);
        found += want != NULL;
    }
    assert_true(found > 10000);
}

static int page_is_wayback(const char *html)
{
    wx_page pg;
    assert_int_equal(wx_page_split(&pg, html, strlen(html)), 0);
    int wb = pg.wayback;
    wx_page_free(&pg);
    return wb;
}

static void test_wayback_markers(void **state)
{
    (void)state;
    assert_true(page_is_wayback("<html><body><!-- BEGIN WAYBACK TOOLBAR INSERT --><div>tb</div>"
                                "<!-- END WAYBACK TOOLBAR INSERT --><p>x</p></body></html>"));
    assert_true(page_is_wayback("<html><body><p>x</p></body></html>\n<!--\n     FILE ARCHIVED ON 23:59:13 Nov 20, "
                                "2021 AND RETRIEVED FROM THE\n     INTERNET ARCHIVE ON 23:59:14 Nov 20, 2021.\n-->"));
    assert_true(page_is_wayback("<html><head><script>__wm.init(\"https://web.archive.org/web\");"
                                "__wm.wombat(\"https://mp.weixin.qq.com/s/x\",\"20201120235913\");</script>"
                                "</head><body><p>x</p></body></html>"));
    /* the phrases as text, not where the Wayback writes them */
    assert_false(page_is_wayback("<html><body><p>BEGIN WAYBACK TOOLBAR INSERT</p>"
                                 "<p>FILE ARCHIVED ON a day; INTERNET ARCHIVE</p></body></html>"));
    assert_false(page_is_wayback("<html><body><!-- FILE ARCHIVED ON a day --><p>x</p></body></html>"));
    assert_false(page_is_wayback("<html><body><p>x</p></body></html>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wombat_scan),
        cmocka_unit_test(test_wayback_markers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
