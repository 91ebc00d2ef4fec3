/*
 * Unit tests for the SQLite sink (output/db.c): schema and WAL on open,
 * rows derived from a real record, upsert idempotence, newer-fetch
 * replacement, batching and rollback, --incremental lookups, and the
 * migration of a file left by an older version.  Records come from parsing
 * tests/cases/notice-hand.html (run from the repository root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ingest/ingest.h"
#include "../output/output.h"
#include "../parse/parse.h"

#define CASE "tests/cases/notice-hand.html"

static char *tmp_db(void)
{
    char tmpl[] = "/tmp/wxingest-dbtest-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/t.db", d) > 0);
    return path;
}

static void rm_db(char *path)
{
    char *s = NULL;
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        assert_true(asprintf(&s, "%s%s", path, suffix[i]) > 0);
        unlink(s);
        free(s);
    }
    *strrchr(path, '/') = '\0';
    rmdir(path);
    free(path);
}

static char *url_of(const char *path)
{
    char *u = NULL;
    assert_true(asprintf(&u, "sqlite:%s", path) > 0);
    return u;
}

static json_t *real_record(void)
{
    wx_parse_init();
    wx_doc *doc = wx_doc_load(CASE);
    assert_non_null(doc);
    assert_int_equal(doc->status, WX_DOC_OK);
    json_t *rec = wx_parse(doc);
    wx_doc_free(doc);
    assert_non_null(rec);
    return rec;
}

/* The result of a query as one string ("a|b\n" per row), from a separate
 * connection: what another reader would see. */
static char *dump(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const unsigned char *v = sqlite3_column_text(st, i);
            fprintf(m, "%s%s", i ? "|" : "", v ? (const char *)v : "NULL");
        }
        fputc('\n', m);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    fclose(m);
    return buf;
}

static long count(const char *path, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    char *s = dump(path, sql);
    long n = strtol(s, NULL, 10);
    free(s);
    return n;
}

static char *all_rows(const char *path)
{
    static const char *const q[] = {
        "SELECT * FROM articles ORDER BY id", "SELECT * FROM images ORDER BY article_id, pos",
        "SELECT * FROM links ORDER BY article_id, pos", "SELECT * FROM dates ORDER BY article_id, pos",
        "SELECT * FROM notices ORDER BY article_id, pos", "SELECT key, sha256, article_id FROM inputs ORDER BY key"};
    char *out = strdup("");
    for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
        char *part = dump(path, q[i]), *joined = NULL;
        assert_true(asprintf(&joined, "%s--\n%s", out, part) > 0);
        free(out);
        free(part);
        out = joined;
    }
    return out;
}

static void test_open_creates_schema(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    wx_db *db = wx_db_open(url, 0, 0, &err);
    assert_non_null(db);
    assert_null(err);
    wx_db_close(db);
    char *v = dump(path, "PRAGMA user_version");
    assert_int_equal(atoi(v), wx_db_schema_version());
    free(v);
    char *mode = dump(path, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal\n");
    free(mode);
    char *t = dump(path, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)");
    assert_string_equal(t, "articles,articles_fts,articles_fts_config,articles_fts_content,articles_fts_data,"
                           "articles_fts_docsize,articles_fts_idx,dates,images,inputs,links,notices,status_history\n");
    free(t);
    free(url);
    rm_db(path);
}

static void test_rows_from_record(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    json_t *rec = real_record();
    wx_db *db = wx_db_open(url, 0, 0, &err);
    assert_non_null(db);
    assert_int_equal(wx_db_put(db, rec, CASE, &err), 0);
    assert_int_equal(wx_db_commit(db, &err), 0);
    wx_db_close(db);

    assert_int_equal(count(path, "articles"), 1);
    assert_int_equal(count(path, "images"), (long)json_array_size(json_object_get(rec, "images")));
    assert_int_equal(count(path, "links"), (long)json_array_size(json_object_get(rec, "links")));
    assert_int_equal(count(path, "dates"), (long)json_array_size(json_object_get(rec, "dates")));
    assert_true(json_is_object(json_object_get(rec, "notice")));
    assert_int_equal(count(path, "notices"), 1);
    char *title = dump(path, "SELECT title FROM articles");
    char *want = NULL;
    assert_true(asprintf(&want, "%s\n", json_string_value(json_object_get(rec, "title"))) > 0);
    assert_string_equal(title, want);
    free(title);
    free(want);
    /* the stored record is the record */
    char *stored = dump(path, "SELECT record FROM articles");
    json_t *back = json_loads(stored, 0, NULL);
    assert_non_null(back);
    assert_true(json_equal(back, rec));
    json_decref(back);
    free(stored);
    /* positions follow the array order */
    char *d0 = dump(path, "SELECT text FROM dates WHERE pos = 0");
    assert_true(asprintf(&want, "%s\n", json_string_value(json_object_get(json_array_get(json_object_get(rec, "dates"), 0), "text"))) > 0);
    assert_string_equal(d0, want);
    free(d0);
    free(want);
    json_decref(rec);
    free(url);
    rm_db(path);
}

static void test_upsert_idempotent_and_newer_replaces(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    json_t *rec = real_record();
    wx_db *db = wx_db_open(url, 0, 0, &err);
    assert_int_equal(wx_db_put(db, rec, CASE, &err), 0);
    assert_int_equal(wx_db_commit(db, &err), 0);
    char *once = all_rows(path);
    assert_int_equal(wx_db_put(db, rec, CASE, &err), 0);
    assert_int_equal(wx_db_commit(db, &err), 0);
    char *twice = all_rows(path);
    assert_string_equal(once, twice);

    /* a newer fetch of the same article with one image fewer replaces the rows */
    json_t *newer = json_deep_copy(rec);
    json_object_set_new(json_object_get(newer, "source"), "fetched_at", json_string("2030-01-01T00:00:00Z"));
    json_object_set_new(newer, "title", json_string("newer title"));
    json_array_clear(json_object_get(newer, "images"));
    assert_int_equal(wx_db_put(db, newer, CASE, &err), 0);
    assert_int_equal(wx_db_commit(db, &err), 0);
    assert_int_equal(count(path, "articles"), 1);
    assert_int_equal(count(path, "images"), 0);
    char *title = dump(path, "SELECT title FROM articles");
    assert_string_equal(title, "newer title\n");
    free(title);

    /* an older fetch arriving late does not overwrite it */
    json_t *older = json_deep_copy(rec);
    json_object_set_new(json_object_get(older, "source"), "fetched_at", json_string("2001-01-01T00:00:00Z"));
    assert_int_equal(wx_db_put(db, older, CASE, &err), 0);
    assert_int_equal(wx_db_commit(db, &err), 0);
    title = dump(path, "SELECT title FROM articles");
    assert_string_equal(title, "newer title\n");
    free(title);
    assert_int_equal(count(path, "images"), 0);

    wx_db_close(db);
    json_decref(newer);
    json_decref(older);
    json_decref(rec);
    free(once);
    free(twice);
    free(url);
    rm_db(path);
}

static void test_batches_and_rollback(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    json_t *rec = real_record();
    wx_db *db = wx_db_open(url, 2, 0, &err);
    json_t *a = json_deep_copy(rec), *b = json_deep_copy(rec), *c = json_deep_copy(rec);
    json_object_set_new(a, "id", json_string("a:1:1"));
    json_object_set_new(b, "id", json_string("b:1:1"));
    json_object_set_new(c, "id", json_string("c:1:1"));
    assert_int_equal(wx_db_put(db, a, "a", &err), 0);
    assert_int_equal(count(path, "articles"), 0);       /* not committed yet */
    assert_int_equal(wx_db_pending(db), 1);
    assert_int_equal(wx_db_put(db, b, "b", &err), 0);   /* the batch of 2 commits */
    assert_int_equal(count(path, "articles"), 2);
    assert_int_equal(wx_db_put(db, c, "c", &err), 0);
    wx_db_rollback(db);                                  /* the open batch goes */
    assert_int_equal(count(path, "articles"), 2);
    assert_int_equal(count(path, "inputs"), 2);
    wx_db_close(db);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(rec);
    free(url);
    rm_db(path);
}

/* The bytes of a file, 0 when it is absent. */
static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* Committed pages reach the database file while the writer is still
 * open: the checkpoint thread copies them out of the WAL (it once asked
 * for checkpoints on a connection that had not read the file and so did
 * nothing until the writer's close). */
static void test_checkpoints_while_open(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    json_t *rec = real_record();
    wx_db *db = wx_db_open(url, 50, 0, &err);
    assert_non_null(db);
    long before = file_size(path);
    for (int i = 0; i < 200; i++) {
        json_t *r = json_deep_copy(rec);
        char id[32];
        snprintf(id, sizeof id, "ck:%d:1", i);
        json_object_set_new(r, "id", json_string(id));
        assert_int_equal(wx_db_put(db, r, NULL, &err), 0);
        json_decref(r);
    }
    assert_int_equal(wx_db_commit(db, &err), 0);
    long after = before;
    for (int waited = 0; waited < 50 && after <= before + 100 * 1024; waited++) {
        usleep(100000);
        after = file_size(path);
    }
    assert_true(after > before + 100 * 1024);            /* 200 records' pages, well over 100 KB */
    wx_db_close(db);
    json_decref(rec);
    free(url);
    rm_db(path);
}

static void test_seen(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    json_t *rec = real_record();
    const char *sha = json_string_value(json_object_get(json_object_get(rec, "source"), "sha256"));
    wx_db *db = wx_db_open(url, 0, 0, &err);
    assert_int_equal(wx_db_seen(db, CASE, sha, &err), WX_SEEN_NEW);
    assert_int_equal(wx_db_put(db, rec, CASE, &err), 0);
    assert_int_equal(wx_db_seen(db, CASE, sha, &err), WX_SEEN_UNCHANGED);
    assert_int_equal(wx_db_seen(db, "elsewhere/copy.html", sha, &err), WX_SEEN_UNCHANGED);
    assert_int_equal(wx_db_seen(db, CASE, "0000000000000000000000000000000000000000000000000000000000000000", &err),
                     WX_SEEN_CHANGED);
    wx_db_close(db);
    json_decref(rec);
    free(url);
    rm_db(path);
}

/* A file from a version without the inputs table (user_version 1). */
static void test_migrates_old_file(void **state)
{
    (void)state;
    char *path = tmp_db(), *url = url_of(path), *err = NULL;
    const char *ddl = wx_db_schema_sql("sqlite");
    const char *cut = strstr(ddl, "CREATE TABLE inputs");
    assert_non_null(cut);
    char *v1 = strndup(ddl, (size_t)(cut - ddl));
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, v1, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 1; INSERT INTO articles (id, status, record) "
                                       "VALUES ('old:1:1', 'ok', '{}')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    free(v1);

    wx_db *db = wx_db_open(url, 0, 0, &err);
    assert_non_null(db);
    json_t *rec = real_record();
    assert_int_equal(wx_db_put(db, rec, CASE, &err), 0);
    assert_int_equal(wx_db_commit(db, &err), 0);
    wx_db_close(db);
    char *v = dump(path, "PRAGMA user_version");
    assert_int_equal(atoi(v), wx_db_schema_version());
    free(v);
    assert_int_equal(count(path, "articles"), 2);
    assert_int_equal(count(path, "inputs"), 1);

    /* a file newer than this build is refused, with a message */
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "PRAGMA user_version = 42", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_null(wx_db_open(url, 0, 0, &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "newer"));
    free(err);
    json_decref(rec);
    free(url);
    rm_db(path);
}

static void test_bad_urls(void **state)
{
    (void)state;
    char *err = NULL;
    assert_null(wx_db_open("mysql://x", 0, 0, &err));
    assert_non_null(strstr(err, "sqlite:PATH"));
    free(err);
    err = NULL;
    assert_null(wx_db_open("sqlite:/nonexistent-dir/x.db", 0, 0, &err));
    assert_non_null(strstr(err, "/nonexistent-dir/x.db"));
    free(err);
    assert_true(wx_db_url_is_db("postgresql://h/db"));
    assert_false(wx_db_url_is_db("file.db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_schema),
        cmocka_unit_test(test_rows_from_record),
        cmocka_unit_test(test_upsert_idempotent_and_newer_replaces),
        cmocka_unit_test(test_batches_and_rollback),
        cmocka_unit_test(test_checkpoints_while_open),
        cmocka_unit_test(test_seen),
        cmocka_unit_test(test_migrates_old_file),
        cmocka_unit_test(test_bad_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
