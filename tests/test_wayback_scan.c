/*
 * page.c finds the Wayback Machine's markers by jumping between the
 * occurrences of one rare byte of each (find_markers) instead of with
 * memmem; it must find the same first occurrences.  It is static, so this
 * file includes page.c and compares the two on many random strings made of
 * marker pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "../parse/page.c"

static void test_wayback_markers(void **state)
{
    (void)state;
    const char *markers[WM_COUNT];
    for (size_t k = 0; k < WM_COUNT; k++) markers[k] = wm_markers[k].text;
    static const char *const parts[] = {
        "__wm.wombat(", "BEGIN WAYBACK TOOLBAR INSERT", "FILE ARCHIVED ON", "_", "__wm", ".wombat(",
        "BEGIN WAYBAC", "FILE ARCHIVE", "x", " ", "WAYBACK", "ON", "FILE", "aaaaaaa", "\xe4\xb8\xad", "__"};
    srand(7);
    long found = 0;
    for (int it = 0; it < 50000; it++) {
        char buf[200];
        size_t n = 0;
        for (int t = rand() % 14; t > 0; t--) {
            const char *w = parts[rand() % (int)(sizeof parts / sizeof parts[0])];
            size_t l = strlen(w);
            if (n + l >= sizeof buf) break;
            memcpy(buf + n, w, l);
            n += l;
        }
        const char *hits[3];
        find_markers(buf, n, hits);
        for (int k = 0; k < 3; k++) {
            const char *want = memmem(buf, n, markers[k], strlen(markers[k]));
            assert_ptr_equal(hits[k], want);
            found += want != NULL;
        }
    }
    assert_true(found > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wayback_markers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
