/*
 * The wx_sinks set and the two sink kinds behind wx_sink (sink.h): JSON
 * Lines (runfile.c's wx_jsonl_sink) and databases (db.c's wx_db).
 */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "sink.h"

/* ---- JSON Lines ---- */

typedef struct jsonl_sink {
    wx_sink base;
    wx_jsonl_sink out;
} jsonl_sink;

/* The file knows its inputs from its state file; it cannot fail. */
static int jsonl_seen(wx_sink *s, const char *key, const char *sha256, char **err)
{
    (void)err;
    return wx_sink_seen(&((jsonl_sink *)s)->out, key, sha256);
}

/* The serialised line as it is; in append mode flushed at once (runfile.c). */
static int jsonl_put(wx_sink *s, const wx_sink_rec *rec, const char *key, char **err)
{
    return wx_sink_write(&((jsonl_sink *)s)->out, rec->line, rec->len, key, rec->sha256, err);
}

/* A file is put in place even after a failure elsewhere: its lines and
 * its state file agree, so a rerun takes up exactly the rest. */
static int jsonl_finish(wx_sink *s, int failed, char **err)
{
    (void)failed;
    return wx_sink_finish(&((jsonl_sink *)s)->out, err);
}

/* Also for a sink whose open failed half way. */
static void jsonl_free(wx_sink *s)
{
    wx_sink_free(&((jsonl_sink *)s)->out);
    free(s);
}

static const wx_sink_ops jsonl_ops = {jsonl_seen, jsonl_put, jsonl_finish, jsonl_free, 0};

/* Constructors return the sink ready for records, or NULL with *err. */
wx_sink *wx_jsonl_sink_new(const char *path, int append, int incremental, const char *key_field, char **err)
{
    jsonl_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &jsonl_ops;
    if (wx_sink_open(&s->out, path, append, incremental, key_field, err) != 0) {
        jsonl_free(&s->base);
        return NULL;
    }
    return &s->base;
}

/* ---- databases ---- */

typedef struct db_sink {
    wx_sink base;
    wx_db *db;
} db_sink;

/* The inputs table answers, in the same database as the records. */
static int db_seen(wx_sink *s, const char *key, const char *sha256, char **err)
{
    return wx_db_seen(((db_sink *)s)->db, key, sha256, err);
}

/* An upsert in the open batch; committed every `batch` records. */
static int db_put(wx_sink *s, const wx_sink_rec *rec, const char *key, char **err)
{
    return wx_db_put_line(((db_sink *)s)->db, rec->object, rec->line, rec->len, key, err);
}

/* After a failure the open transaction is rolled back (by close), not
 * committed: the database holds whole batches only. */
static int db_finish(wx_sink *s, int failed, char **err)
{
    return failed ? 0 : wx_db_commit(((db_sink *)s)->db, err);
}

/* Closing rolls back whatever finish did not commit. */
static void db_free(wx_sink *s)
{
    wx_db_close(((db_sink *)s)->db);
    free(s);
}

static const wx_sink_ops db_ops = {db_seen, db_put, db_finish, db_free, 1};

wx_sink *wx_db_sink_new(const char *url, int batch, int flags, char **err)
{
    db_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &db_ops;
    if (!(s->db = wx_db_open(url, batch, flags, err))) {
        free(s);
        return NULL;
    }
    return &s->base;
}

/* ---- the set ---- */

/* The set owns s from here (also when full: then s is freed). */
int wx_sinks_add(wx_sinks *set, wx_sink *s)
{
    if (set->count >= WX_SINKS_MAX) { s->ops->free(s); return -1; }
    set->sink[set->count++] = s;
    return 0;
}

/* An input is skipped only when every sink has its bytes; the first sink
 * (a database when there is one) says whether it is new or changed. */
int wx_sinks_seen(wx_sinks *set, const char *key, const char *sha256, wx_sink_mask *want, int *seen, char **err)
{
    *want = 0;
    *seen = WX_SEEN_UNCHANGED;
    for (int i = 0; i < set->count; i++) {
        int r = set->sink[i]->ops->seen(set->sink[i], key, sha256, err);
        if (r < 0) return -1;
        if (i == 0) *seen = r;
        if (r != WX_SEEN_UNCHANGED) *want |= 1u << i;
    }
    return 0;
}

/* Asked once per run, before the first record is parsed. */
int wx_sinks_need_object(const wx_sinks *set)
{
    for (int i = 0; i < set->count; i++)
        if (set->sink[i]->ops->needs_object) return 1;
    return 0;
}

/* Last opened first: the JSON Lines file gets a record before the
 * database, as it always has (a database failure leaves the line written). */
int wx_sinks_put(wx_sinks *set, const wx_sink_rec *rec, const char *key, wx_sink_mask want, char **err)
{
    for (int i = set->count - 1; i >= 0; i--)
        if ((want >> i & 1) && set->sink[i]->ops->put(set->sink[i], rec, key, err) != 0) return -1;
    return 0;
}

/* Every sink finishes even after one failed, so each stays consistent
 * with its own state; later sinks are told of the failure. */
int wx_sinks_finish(wx_sinks *set, int failed, char **err)
{
    int rc = 0;
    for (int i = 0; i < set->count; i++) {
        char *e = NULL;
        if (set->sink[i]->ops->finish(set->sink[i], failed, &e) != 0) {
            failed = 1;
            if (rc == 0) { rc = -1; *err = e; continue; }
        }
        free(e);
    }
    return rc;
}

/* After finish, or instead of it when a run never started. */
void wx_sinks_free(wx_sinks *set)
{
    for (int i = 0; i < set->count; i++) set->sink[i]->ops->free(set->sink[i]);
    memset(set, 0, sizeof *set);
}
