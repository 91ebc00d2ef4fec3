/*
 * Unit tests for ingest/discover.c: the CDX, album and history readers and
 * the raw link scan, on well-formed answers, on the quirks of the real
 * services (reordered columns, resume rows, a one-article album as an
 * object, numbers as strings) and on hostile bytes (truncated JSON, wrong
 * types, long runs), where the worst outcome must be "not found".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ingest/discover.h"

/* What the readers found, in order: "url|captured_at" lines. */
typedef struct found {
    char buf[8192];
    int n;
} found;

static void collect(void *ctx, const char *url, const char *captured_at)
{
    found *f = ctx;
    size_t len = strlen(f->buf);
    snprintf(f->buf + len, sizeof f->buf - len, "%s|%s\n", url, captured_at ? captured_at : "-");
    f->n++;
}

static void test_cdx_rows_and_resume_key(void **state)
{
    (void)state;
    const char *body = "[[\"original\",\"statuscode\",\"timestamp\"],\n"
                       "[\"http://mp.weixin.qq.com/s?__biz=A&mid=1\",\"200\",\"20190102030405\"],\n"
                       "[\"http://mp.weixin.qq.com/s?__biz=A&mid=2\",\"404\",\"20190102030405\"],\n"
                       "[\"http://mp.weixin.qq.com/s?__biz=A&mid=3\",\"200\",\"2020\"],\n"
                       "[\"short\"], [1, 2, 3],\n"
                       "[],\n[\"com%2Cqq+2020\"]]";
    found f = {0};
    char *key = NULL, *err = NULL;
    assert_int_equal(wx_cdx_parse(body, strlen(body), collect, &f, &key, &err), 2);
    assert_string_equal(f.buf, "http://mp.weixin.qq.com/s?__biz=A&mid=1|2019-01-02T03:04:05Z\n"
                               "http://mp.weixin.qq.com/s?__biz=A&mid=3|2020-01-01T00:00:00Z\n");
    assert_non_null(key);
    assert_string_equal(key, "com%2Cqq+2020");
    assert_null(err);
    free(key);
}

static void test_cdx_empty_and_bad(void **state)
{
    (void)state;
    found f = {0};
    char *key = NULL, *err = NULL;
    assert_int_equal(wx_cdx_parse(" \n", 2, collect, &f, &key, &err), 0);   /* nothing matched */
    assert_null(key);
    const char *bad[] = {"[[\"original\"], [\"x\"", "{\"a\": 1}", "<html>", "[[\"urlkey\"], [\"k\"]]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(wx_cdx_parse(bad[i], strlen(bad[i]), collect, &f, &key, &err), -1);
        assert_non_null(err);
        free(err);
        err = NULL;
        assert_null(key);
    }
    assert_int_equal(f.n, 0);
}

static void test_cdx_query_url(void **state)
{
    (void)state;
    char *u = wx_cdx_query_url("http://127.0.0.1:8/", "mp.weixin.qq.com/s?__biz=Mz==&x", "2019", NULL, 50, "a b+c");
    assert_non_null(u);
    assert_non_null(strstr(u, "http://127.0.0.1:8/cdx/search/cdx?url=mp.weixin.qq.com%2Fs%3F__biz%3DMz%3D%3D%26x&"));
    assert_non_null(strstr(u, "&matchType=prefix&collapse=urlkey&filter=statuscode:200&output=json"));
    assert_non_null(strstr(u, "&limit=50&showResumeKey=true&from=2019&resumeKey=a%20b%2Bc"));
    assert_null(strstr(u, "&to="));
    free(u);
}

static void test_album(void **state)
{
    (void)state;
    char *u = wx_album_query_url("https://mp.weixin.qq.com",
                                 "https://mp.weixin.qq.com/mp/appmsgalbum?__biz=Mz==&amp;action=getalbum&amp;album_id=77#wechat_redirect",
                                 NULL, NULL, 20);
    assert_string_equal(u, "https://mp.weixin.qq.com/mp/appmsgalbum?action=getalbum&__biz=Mz==&album_id=77&count=20&f=json");
    free(u);
    assert_null(wx_album_query_url("https://x", "https://mp.weixin.qq.com/mp/appmsgalbum?album_id=77", NULL, NULL, 20));

    const char *one = "{\"getalbum_resp\":{\"article_list\":{\"url\":\"http://a/1\",\"msgid\":5,\"itemidx\":\"2\"},"
                      "\"continue_flag\":1}}";
    found f = {0};
    char *m = NULL, *i = NULL, *err = NULL;
    assert_int_equal(wx_album_parse(one, strlen(one), collect, &f, &m, &i, &err), 1);
    assert_string_equal(m, "5");   /* numbers or strings, as WeChat pleases */
    assert_string_equal(i, "2");
    free(m);
    free(i);
    const char *last = "{\"getalbum_resp\":{\"article_list\":[{\"url\":\"http://a/2\",\"msgid\":\"6\"},{\"url\":7}],"
                       "\"continue_flag\":\"0\"}}";
    assert_int_equal(wx_album_parse(last, strlen(last), collect, &f, &m, &i, &err), 1);
    assert_null(m);
    assert_null(i);
    const char *refused = "{\"base_resp\":{\"ret\":-6}}";
    assert_int_equal(wx_album_parse(refused, strlen(refused), collect, &f, &m, &i, &err), -1);
    assert_non_null(strstr(err, "-6"));
    free(err);
    assert_string_equal(f.buf, "http://a/1|-\nhttp://a/2|-\n");
}

static void test_history(void **state)
{
    (void)state;
    const char *page = "<script>var msgList = '{&quot;list&quot;:[{&quot;app_msg_ext_info&quot;:{&quot;content_url&quot;:"
                       "&quot;/s?__biz=A&amp;amp;mid=1&quot;,&quot;multi_app_msg_item_list&quot;:[{&quot;content_url&quot;:"
                       "&quot;http://mp.weixin.qq.com/s?__biz=A&amp;amp;mid=2&quot;}]}}]}';</script>";
    found f = {0};
    char *err = NULL;
    assert_int_equal(wx_history_parse(page, strlen(page), collect, &f, &err), 2);
    assert_string_equal(f.buf, "https://mp.weixin.qq.com/s?__biz=A&amp;mid=1|-\nhttp://mp.weixin.qq.com/s?__biz=A&amp;mid=2|-\n");
    const char *bad[] = {"var msgList = '{\"list\":", "msgList", "var msgList = {\"list\": [", "{\"general_msg_list\": 5}",
                         "msgList; msgList = 3", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(wx_history_parse(bad[i], strlen(bad[i]), collect, &f, &err), -1);
        free(err);
        err = NULL;
    }
    assert_int_equal(f.n, 2);
    /* unterminated values over and over: read once, not once per assignment */
    size_t n = 8 << 20;
    char *b = malloc(n);
    for (size_t i = 0; i < n; i++) b[i] = "msgList = '{"[i % 12];
    clock_t t0 = clock();
    assert_int_equal(wx_history_parse(b, n, collect, &f, &err), -1);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    free(err);
    free(b);
}

static void test_scan(void **state)
{
    (void)state;
    const char *page = "<a href=\"https://mp.weixin.qq.com/s?__biz=A&amp;mid=1#rd\">x</a> "
                       "var d = \"http:\\/\\/mp.weixin.qq.com\\/s?__biz=B\\x26mid=2\"; "
                       "mp.weixin.qq.com/s/Short_1 mp.weixin.qq.com/static/x.css mp.weixin.qq.com/mp/profile_ext "
                       "'//mp.weixin.qq.com/s?__biz=C'";
    found f = {0};
    wx_scan_article_links((const unsigned char *)page, strlen(page), collect, &f);
    assert_string_equal(f.buf, "https://mp.weixin.qq.com/s?__biz=A&amp;mid=1#rd|-\n"
                               "https://mp.weixin.qq.com/s?__biz=B\\x26mid=2|-\n"
                               "https://mp.weixin.qq.com/s/Short_1|-\n"
                               "https://mp.weixin.qq.com/s?__biz=C|-\n");
}

static void count(void *ctx, const char *url, const char *captured_at)
{
    (void)url;
    (void)captured_at;
    (*(size_t *)ctx)++;
}

/* Time for a scan of n bytes of hostile repetition, in seconds (the best
 * of three: a shared machine adds noise, never speed). */
static double scan_time(const char *unit, size_t n)
{
    size_t ul = strlen(unit);
    unsigned char *b = malloc(n);
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)unit[i % ul];
    double best = 1e9;
    for (int round = 0; round < 3; round++) {
        size_t links = 0;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        wx_scan_article_links(b, n, count, &links);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (s < best) best = s;
    }
    free(b);
    return best;
}

/* A link run longer than any URL is not a link, and neither a long run
 * nor a page of nothing but hosts costs more than linear time. */
static void test_scan_linear(void **state)
{
    (void)state;
    const char *units[] = {"mp.weixin.qq.com/s?a", "mp.weixin.qq.com/s?__biz=A ", "mp.weixin.qq.com"};
    for (size_t u = 0; u < 3; u++) {
        double small = scan_time(units[u], 1 << 20), big = scan_time(units[u], 8 << 20);
        assert_true(big < small * 8 * 3 + 0.2);   /* linear: 8x the bytes, about 8x the time */
    }
    found f = {0};
    size_t n = 100000;
    char *b = malloc(n + 1);
    memcpy(b, "mp.weixin.qq.com/s?", 19);
    memset(b + 19, 'a', n - 19);
    b[n] = '\0';
    wx_scan_article_links((unsigned char *)b, n, collect, &f);
    assert_int_equal(f.n, 0);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdx_rows_and_resume_key),
        cmocka_unit_test(test_cdx_empty_and_bad),
        cmocka_unit_test(test_cdx_query_url),
        cmocka_unit_test(test_album),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_scan_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
