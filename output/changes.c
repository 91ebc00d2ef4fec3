/*
 * run --changes (sink.h): a JSON Lines sink that writes only the records
 * whose status or bytes differ from what the previous run saw of the same
 * input, the JSON-Lines-only user's status_history.
 *
 * What was seen is kept in a state file, one {"key", "status", "sha256"}
 * line per input (URL), read when the sink opens and replaced atomically
 * when it finishes; inputs not met in this run keep their lines.  An input
 * never seen before counts as changed.  The records go through
 * runfile.c's wx_jsonl_sink, so -o FILE, --append and stdout behave as
 * without --changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/util.h"
#include "output.h"
#include "sink.h"

typedef struct changes_sink {
    wx_sink base;
    wx_jsonl_sink out;
    char *state_path;
    json_t *seen;               /* key -> "STATUS SHA256" of the last record seen */
    const char *key_field;
} changes_sink;

/* What a record is compared by: its status and its bytes. */
static char *fingerprint(const json_t *record)
{
    const char *status = json_string_value(json_object_get(record, "status"));
    const char *sha = json_string_value(json_object_get(json_object_get(record, "source"), "sha256"));
    return wx_strf("%s %s", status ? status : "", sha ? sha : "");
}

/* The state of the previous run; a missing file is an empty state, an
 * unreadable line (a hand edit) is skipped. */
static int state_load(changes_sink *s, char **err)
{
    FILE *f = fopen(s->state_path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        wx_set_err(err, wx_strf("%s: %s", s->state_path, strerror(errno)));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        json_t *j = json_loads(line, 0, NULL);
        const char *key = json_string_value(json_object_get(j, "key"));
        const char *status = json_string_value(json_object_get(j, "status"));
        const char *sha = json_string_value(json_object_get(j, "sha256"));
        char *fp = key && status ? wx_strf("%s %s", status, sha ? sha : "") : NULL;
        if (fp) json_object_set_new(s->seen, key, json_string(fp));
        free(fp);
        json_decref(j);
    }
    free(line);
    int bad = ferror(f);
    fclose(f);
    if (bad) { wx_set_err(err, wx_strf("%s: read error", s->state_path)); return -1; }
    return 0;
}

/* The state lines, written beside the output in one atomic replacement. */
static int state_save(changes_sink *s, char **err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) { wx_set_err(err, wx_strf("out of memory")); return -1; }
    const char *key;
    json_t *v;
    json_object_foreach(s->seen, key, v) {
        const char *fp = json_string_value(v), *sp = strchr(fp, ' ');
        json_t *line = json_pack("{s:s, s:s%, s:s?}", "key", key, "status", fp, (size_t)(sp - fp),
                                 "sha256", sp[1] ? sp + 1 : NULL);
        if (line) wx_jsonl_write(m, line);
        json_decref(line);
    }
    fclose(m);
    int rc = wx_write_atomic(s->state_path, buf, len, err);
    free(buf);
    return rc;
}

/* --incremental with --changes: bytes seen last time under the same key
 * need not be parsed again (the same bytes give the same status). */
static int changes_seen(wx_sink *base, const char *key, const char *sha256, char **err)
{
    (void)err;
    changes_sink *s = (changes_sink *)base;
    const char *fp = key ? json_string_value(json_object_get(s->seen, key)) : NULL;
    if (!fp) return WX_SEEN_NEW;
    const char *sp = strchr(fp, ' ');
    return sp && sha256 && strcmp(sp + 1, sha256) == 0 ? WX_SEEN_UNCHANGED : WX_SEEN_CHANGED;
}

/* Written only when the status or the bytes differ from the last record
 * seen for this input; remembered once written. */
static int changes_put(wx_sink *base, const wx_sink_rec *rec, const char *key, char **err)
{
    changes_sink *s = (changes_sink *)base;
    const json_t *record = rec->object;
    if (!key) key = json_string_value(json_object_get(json_object_get(record, "source"), s->key_field));
    char *fp = fingerprint(record);
    if (!fp) { wx_set_err(err, wx_strf("out of memory")); return -1; }
    const char *was = key ? json_string_value(json_object_get(s->seen, key)) : NULL;
    int rc = 0;
    if (!was || strcmp(was, fp) != 0) {
        rc = wx_sink_write(&s->out, rec->line, rec->len, key, rec->sha256, err);
        /* a key that is not UTF-8 cannot be kept: it is reported every time */
        if (rc == 0 && key) json_object_set_new(s->seen, key, json_string(fp));
    }
    free(fp);
    return rc;
}

/* The output first; the state only when the output is in place, so a
 * failed run reports its changes again next time rather than never. */
static int changes_finish(wx_sink *base, int failed, char **err)
{
    (void)failed;
    changes_sink *s = (changes_sink *)base;
    if (wx_sink_finish(&s->out, err) != 0) return -1;
    return state_save(s, err);
}

static void changes_free(wx_sink *base)
{
    changes_sink *s = (changes_sink *)base;
    wx_sink_free(&s->out);
    json_decref(s->seen);
    free(s->state_path);
    free(s);
}

static const wx_sink_ops changes_ops = {changes_seen, changes_put, changes_finish, changes_free, 1};   /* reads status, sha256 */

wx_sink *wx_changes_sink_new(const char *path, int append, const char *state_path, const char *key_field, char **err)
{
    changes_sink *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &changes_ops;
    s->key_field = key_field;
    s->seen = json_object();
    s->state_path = strdup(state_path);
    if (!s->seen || !s->state_path) {
        wx_set_err(err, wx_strf("out of memory"));
        changes_free(&s->base);
        return NULL;
    }
    if (state_load(s, err) != 0 || wx_sink_open(&s->out, path, append, 0, key_field, err) != 0) {
        changes_free(&s->base);
        return NULL;
    }
    return &s->base;
}
