/*
 * sink: one interface for every place records go.
 *
 * A sink is opened by its own constructor (JSON Lines: runfile.c's file or
 * stdout; a database: db.c's SQLite or PostgreSQL), then asked whether it
 * has an input's bytes already (seen, for --incremental), given records
 * (put) and finished once (commit, rename into place).  The pipeline talks
 * to a wx_sinks set and never names a kind of sink, so a new destination
 * is one more implementation here, not more code in the driver.
 *
 * Errors are values: -1 and a malloc'd message in *err.  Not thread-safe:
 * the caller serialises calls on one set.
 */
#ifndef WX_SINK_H
#define WX_SINK_H

#include <jansson.h>
#include <stddef.h>

typedef struct wx_sink wx_sink;

/* One record as the sinks get it.  line: the record as one compact JSON
 * line (no newline), serialised once, by the worker thread that built it;
 * sinks that write text write these bytes.  object: the record itself,
 * for sinks that store its fields (ops->needs_object), NULL when no sink
 * of the set asked for it.  sha256: its source.sha256 (may be NULL), what
 * --incremental remembers.  Everything is borrowed for the call. */
typedef struct wx_sink_rec {
    const char *line;
    size_t len;
    const json_t *object;
    const char *sha256;
} wx_sink_rec;

typedef struct wx_sink_ops {
    /* WX_SEEN_* for an input's key and bytes, or -1 with *err. */
    int (*seen)(wx_sink *s, const char *key, const char *sha256, char **err);
    /* Store one record under the input's key (may be NULL). */
    int (*put)(wx_sink *s, const wx_sink_rec *rec, const char *key, char **err);
    /* Make what was put durable; failed: a sink failed, keep nothing half done. */
    int (*finish)(wx_sink *s, int failed, char **err);
    void (*free)(wx_sink *s);
    int needs_object;           /* put reads rec->object, not just the line */
} wx_sink_ops;

struct wx_sink {
    const wx_sink_ops *ops;
};

/* JSON Lines to path (NULL or "-": stdout); see wx_jsonl_sink in output.h. */
wx_sink *wx_jsonl_sink_new(const char *path, int append, int incremental, const char *key_field, char **err);
/* run --changes (changes.c): JSON Lines to path as above, but only the
 * records whose status or source sha256 differ from those the state file
 * (state_path) remembers for the same key; the state is replaced at finish. */
wx_sink *wx_changes_sink_new(const char *path, int append, const char *state_path, const char *key_field, char **err);
/* sqlite:PATH or postgres://...; see wx_db in output.h. */
wx_sink *wx_db_sink_new(const char *url, int batch, int flags, char **err);

enum { WX_SINKS_MAX = 4 };

/* The sinks of one run, in the order they were opened. */
typedef struct wx_sinks {
    wx_sink *sink[WX_SINKS_MAX];
    int count;
} wx_sinks;

/* A bit per sink of a set: which sinks an input must still reach. */
typedef unsigned wx_sink_mask;

int wx_sinks_add(wx_sinks *set, wx_sink *s);
/* --incremental: the sinks lacking these bytes (0: skip the input) and,
 * in *seen, the first sink's WX_SEEN_* answer; -1 with *err on failure. */
int wx_sinks_seen(wx_sinks *set, const char *key, const char *sha256, wx_sink_mask *want, int *seen, char **err);
/* Whether a sink of the set reads the record object (a database): when
 * none does, the pipeline frees each record where it was serialised. */
int wx_sinks_need_object(const wx_sinks *set);
/* Put a record into the sinks of want; stops at the first failure. */
int wx_sinks_put(wx_sinks *set, const wx_sink_rec *rec, const char *key, wx_sink_mask want, char **err);
/* Finish every sink (even after a failure, so what was written stays
 * consistent); the first error is returned. */
int wx_sinks_finish(wx_sinks *set, int failed, char **err);
void wx_sinks_free(wx_sinks *set);
static inline wx_sink_mask wx_sinks_all(const wx_sinks *set) { return (1u << set->count) - 1; }

#endif
