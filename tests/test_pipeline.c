/*
 * Unit tests of the pieces main.c hands the command line to: the sink set
 * (output/sink.h) and the option values read by the modules that own them
 * (wx_fetch_opt_set, wx_run_opt_set, wx_discover_opt_set).  The set's
 * order and failure rules decide what a run leaves behind, and a value
 * parser that drifts changes what a user's command means.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../ingest/fetch.h"
#include "../output/discover.h"
#include "../output/output.h"
#include "../output/pipeline.h"
#include "../output/sink.h"

/* A sink that answers seen with a fixed value, logs its calls into a
 * shared string and fails put or finish when told to. */
typedef struct fake_sink {
    wx_sink base;
    char tag;
    int seen, fail_put, fail_finish;
    char *log;
} fake_sink;

static void note(fake_sink *f, char what)
{
    size_t n = strlen(f->log);
    f->log[n] = what;
    f->log[n + 1] = f->tag;
    f->log[n + 2] = '\0';
}

static int fake_seen(wx_sink *s, const char *key, const char *sha256, char **err)
{
    (void)key, (void)sha256, (void)err;
    note((fake_sink *)s, 's');
    return ((fake_sink *)s)->seen;
}

static int fake_put(wx_sink *s, const wx_sink_rec *rec, const char *key, char **err)
{
    (void)rec, (void)key;
    fake_sink *f = (fake_sink *)s;
    note(f, 'p');
    if (f->fail_put) { *err = strdup("put failed"); return -1; }
    return 0;
}

/* Logs F when finished after an earlier failure, f otherwise. */
static int fake_finish(wx_sink *s, int failed, char **err)
{
    fake_sink *f = (fake_sink *)s;
    note(f, failed ? 'F' : 'f');
    if (f->fail_finish) { *err = strdup("finish failed"); return -1; }
    return 0;
}

static void fake_free(wx_sink *s) { free(s); }

static const wx_sink_ops fake_ops = {fake_seen, fake_put, fake_finish, fake_free, 0};

static wx_sink *fake(char tag, int seen, char *log)
{
    fake_sink *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    f->tag = tag;
    f->seen = seen;
    f->log = log;
    return &f->base;
}

/* Skipped only when every sink has the bytes; the first sink (the
 * database) says new or changed; the mask names the sinks lacking them. */
static void test_seen_mask(void **state)
{
    (void)state;
    char log[64] = "";
    wx_sinks set = {0};
    wx_sinks_add(&set, fake('d', WX_SEEN_CHANGED, log));
    wx_sinks_add(&set, fake('j', WX_SEEN_UNCHANGED, log));
    wx_sink_mask want;
    int seen;
    char *err = NULL;
    assert_int_equal(wx_sinks_seen(&set, "k", "h", &want, &seen, &err), 0);
    assert_int_equal(want, 1u);
    assert_int_equal(seen, WX_SEEN_CHANGED);
    wx_sinks_free(&set);

    wx_sinks_add(&set, fake('d', WX_SEEN_UNCHANGED, log));
    wx_sinks_add(&set, fake('j', WX_SEEN_UNCHANGED, log));
    assert_int_equal(wx_sinks_seen(&set, "k", "h", &want, &seen, &err), 0);
    assert_int_equal(want, 0u);
    assert_int_equal(wx_sinks_all(&set), 3u);
    wx_sinks_free(&set);
}

/* Records reach the last-opened sink (JSON Lines) first; a failed put
 * stops there; finish reaches every sink and tells the later ones. */
static void test_put_and_finish_order(void **state)
{
    (void)state;
    char log[64] = "";
    wx_sinks set = {0};
    wx_sinks_add(&set, fake('d', WX_SEEN_NEW, log));
    wx_sinks_add(&set, fake('j', WX_SEEN_NEW, log));
    wx_sink_rec r = {"{}", 2, NULL, NULL};
    wx_sink_rec *rec = &r;
    char *err = NULL;
    assert_int_equal(wx_sinks_put(&set, rec, "k", wx_sinks_all(&set), &err), 0);
    assert_string_equal(log, "pjpd");
    log[0] = '\0';
    assert_int_equal(wx_sinks_put(&set, rec, "k", 1u, &err), 0);   /* the database only */
    assert_string_equal(log, "pd");
    log[0] = '\0';
    ((fake_sink *)set.sink[1])->fail_put = 1;
    assert_int_equal(wx_sinks_put(&set, rec, "k", wx_sinks_all(&set), &err), -1);
    assert_string_equal(log, "pj");
    assert_string_equal(err, "put failed");
    free(err), err = NULL;
    log[0] = '\0';
    ((fake_sink *)set.sink[0])->fail_finish = 1;
    assert_int_equal(wx_sinks_finish(&set, 0, &err), -1);
    assert_string_equal(log, "fdFj");
    assert_string_equal(err, "finish failed");
    free(err);
    wx_sinks_free(&set);
    assert_int_equal(set.count, 0);
}

/* The fetcher's values as the help text promises them. */
static void test_fetch_values(void **state)
{
    (void)state;
    wx_fetch_opts o;
    wx_fetch_opts_init(&o);
    assert_null(wx_fetch_opt_set(&o, "rate", "30/m"));
    assert_true(o.rate > 0.4999 && o.rate < 0.5001);
    assert_null(wx_fetch_opt_set(&o, "timeout", "5"));
    assert_true(o.connect_timeout == 5 && o.timeout == 5 && o.stall_time == 5);
    assert_null(wx_fetch_opt_set(&o, "timeout", "2,90,40"));
    assert_true(o.connect_timeout == 2 && o.timeout == 90 && o.stall_time == 40);
    assert_null(wx_fetch_opt_set(&o, "max-bytes", "2KiB"));
    assert_int_equal(o.max_bytes, 2048);
    assert_null(wx_fetch_opt_set(&o, "via", "wayback:2020"));
    assert_string_equal(o.wayback, "2020");
    assert_null(wx_fetch_opt_set(&o, "jobs", "8"));
    assert_int_equal(o.jobs, 8);
    assert_string_equal(wx_fetch_opt_set(&o, "jobs", "2.5"), "bad --jobs");
    assert_string_equal(wx_fetch_opt_set(&o, "rate", "3/q"), "bad --rate");
    assert_string_equal(wx_fetch_opt_set(&o, "max-bytes", "0"), "bad --max-bytes");
    assert_non_null(wx_fetch_opt_set(&o, "base-url", "ftp://x"));
    assert_non_null(wx_fetch_opt_set(&o, "no-such", "1"));
    assert_int_equal(o.jobs, 8);                                    /* a bad value changes nothing */
}

/* Run and discover values, and the rules that need every option. */
static void test_run_and_discover_values(void **state)
{
    (void)state;
    wx_run_opts r = {0};
    assert_null(wx_run_opt_set(&r, "shard", "1/4"));
    assert_true(r.shard_k == 1 && r.shard_n == 4);
    assert_non_null(wx_run_opt_set(&r, "shard", "4/4"));
    assert_non_null(wx_run_opt_set(&r, "batch", "0"));
    assert_non_null(wx_run_opt_set(&r, "db", "mysql:x"));
    assert_null(wx_run_opt_set(&r, "append", NULL));
    assert_non_null(wx_run_opts_check(&r));                        /* --append to stdout */
    assert_null(wx_run_opt_set(&r, "output", "out.jsonl"));
    assert_null(wx_run_opts_check(&r));

    wx_discover_opts d;
    wx_discover_opts_init(&d);
    char *paths[] = {"a.html"};
    assert_non_null(wx_discover_opts_finish(&d, NULL, 0));          /* no source */
    assert_non_null(wx_discover_opts_finish(&d, paths, 1));         /* PATH without --from-pages */
    assert_null(wx_discover_opt_set(&d, "history", "h1"));
    assert_null(wx_discover_opt_set(&d, "history", "h2"));
    assert_int_equal(d.nhistories, 2);
    assert_string_equal(d.histories[1], "h2");
    assert_non_null(wx_discover_opt_set(&d, "from", "123456789012345"));
    assert_null(wx_discover_opt_set(&d, "rate", "none"));            /* handed to the fetcher */
    assert_true(d.fetch.rate == 0);
    assert_null(wx_discover_opts_finish(&d, NULL, 0));
    wx_discover_opts_free(&d);
}

/* The JSON Lines writer (output/jsonl.c) must give json_dumps's bytes
 * exactly, whatever a record holds: escapes, every C0 control, non-BMP
 * text, keys in insertion order (not sorted), empty containers, reals,
 * big integers, embedded NULs. */
static void test_jsonl_line_is_json_dumps(void **state)
{
    (void)state;
    json_t *rec = json_object();
    char ctl[40];
    for (int i = 1; i < 32; i++) ctl[i - 1] = (char)i;
    strcpy(ctl + 31, "\"\\/\x7f");
    json_object_set_new(rec, "zeta", json_string(ctl));
    json_object_set_new(rec, "alpha", json_string("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \xe2\x80\xa8"));
    json_object_set_new(rec, "k\"ey\n", json_stringn("a\0b", 3));
    json_object_set_new(rec, "nums", json_pack("[I, I, i, f, f, f]", (json_int_t)-9223372036854775807LL - 1,
                                               (json_int_t)9007199254740993LL, 0, 0.1, 1e300, -2.0));
    json_object_set_new(rec, "empty", json_pack("{s:{}, s:[], s:s, s:n, s:b, s:b}", "o", "a", "s", "", "n",
                                                "t", 1, "f", 0));
    json_object_set_new(rec, "deep", json_pack("[[[{s:[{}]}]]]", "x"));
    char *want = json_dumps(rec, JSON_COMPACT);
    size_t len = 0;
    char *got = wx_jsonl_line(rec, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
    json_t *arr = json_pack("[s, i]", "top-level array", 1);    /* not only objects */
    want = json_dumps(arr, JSON_COMPACT);
    got = wx_jsonl_line(arr, &len);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(arr);
    json_decref(rec);
    /* one byte to escape at every offset of a long string, past the runs
     * lw_string passes 16 bytes at a time */
    static const char special[] = {'"', '\\', '\n', '\x01', '\x1f', '\x7f', ' '};
    for (size_t k = 0; k < sizeof special; k++)
        for (size_t at = 0; at < 48; at++) {
            char text[49];
            memset(text, 'x', 48);
            text[48] = '\0';
            text[at] = special[k];
            json_t *s = json_string(text);
            want = json_dumps(s, JSON_COMPACT | JSON_ENCODE_ANY);
            got = wx_jsonl_line(s, &len);
            assert_non_null(got);
            assert_string_equal(got, want);
            free(got);
            free(want);
            json_decref(s);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seen_mask),
        cmocka_unit_test(test_put_and_finish_order),
        cmocka_unit_test(test_jsonl_line_is_json_dumps),
        cmocka_unit_test(test_fetch_values),
        cmocka_unit_test(test_run_and_discover_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
