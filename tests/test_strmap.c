/*
 * Unit tests of ingest/strmap.c, the string map every long list a page or a
 * user controls is looked up in (image URLs, links, script variables, URL
 * lists): lookups must keep finding every key as the table grows, keys are
 * borrowed, and values start at 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/strmap.h"

/* The constants of FNV-1a 64: the hash must stay the one the shard
 * assignment and earlier tables used. */
static void test_hash_is_fnv1a(void **state)
{
    (void)state;
    assert_true(wx_hash_str("") == 14695981039346656037ULL);
    assert_true(wx_hash_str("a") == 0xaf63dc4c8601ec8cULL);
}

/* 20,000 keys (the table doubles many times): each is found with the value
 * it was given, absent keys are absent, and putting a key again finds it. */
static void test_grows_and_finds(void **state)
{
    (void)state;
    enum { N = 20000 };
    char (*keys)[16] = malloc(N * sizeof *keys);
    assert_non_null(keys);
    wx_strmap m = {0};
    assert_null(wx_strmap_get(&m, "x"));
    for (size_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "k%zu", i);
        int added = 0;
        size_t *v = wx_strmap_put(&m, keys[i], &added);
        assert_non_null(v);
        assert_int_equal(added, 1);
        assert_int_equal(*v, 0);
        *v = i + 1;
    }
    assert_int_equal(m.count, N);
    assert_true(m.nslots >= 2 * m.count);
    for (size_t i = 0; i < N; i++) {
        size_t *v = wx_strmap_get(&m, keys[i]);
        assert_non_null(v);
        assert_int_equal(*v, i + 1);
        int added = 1;
        char copy[16];
        memcpy(copy, keys[i], sizeof copy);           /* equal strings, not the same pointer */
        assert_ptr_equal(wx_strmap_put(&m, copy, &added), v);
        assert_int_equal(added, 0);
    }
    assert_null(wx_strmap_get(&m, "k20000"));
    assert_null(wx_strmap_get(&m, ""));
    wx_strmap_free(&m);
    assert_int_equal(m.count, 0);
    assert_null(wx_strmap_get(&m, "k1"));
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_fnv1a),
        cmocka_unit_test(test_grows_and_finds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
