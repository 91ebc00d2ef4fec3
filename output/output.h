/*
 * output: write records where the user wants them.
 *
 * JSON Lines is the default sink: one compact JSON object per line, UTF-8,
 * keys in schema order.  A JSON Lines file is either replaced atomically at
 * the end of a run or appended to line by line, and can keep a state file
 * of the inputs already written (--incremental).  The database sinks
 * (SQLite, PostgreSQL) store the same records as rows.  Unattended runs get
 * a lock file and a log that cron or a log collector can read.
 *
 * Errors are values: functions return -1 and a malloc'd message in *err
 * (the caller frees it), so the driver decides the exit code (74).
 */
#ifndef WX_OUTPUT_H
#define WX_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

/* Write one record as one line.  Returns 0, or -1 with errno set. */
int wx_jsonl_write(FILE *out, const json_t *record);
/* The record's line without its newline (malloc'd, *len set), or NULL:
 * what wx_jsonl_write writes, for callers that serialise elsewhere. */
char *wx_jsonl_line(const json_t *record, size_t *len);
/* Write a line made by wx_jsonl_line, and its newline. */
int wx_jsonl_put_line(FILE *out, const char *line, size_t len);

/* What --incremental knows about an input: never seen, seen with other
 * bytes (same key), or these exact bytes (by SHA-256) already stored. */
enum { WX_SEEN_NEW = 0, WX_SEEN_CHANGED = 1, WX_SEEN_UNCHANGED = 2 };

/* ---- database sinks (db.c) ----
 *
 * URL: sqlite:PATH (a file, WAL mode, schema migrated on open) or
 * postgres://... / postgresql://... (libpq connection URI).  Records are
 * upserted by article id in batched transactions: wx_db_put opens a
 * transaction when none is open and commits after `batch` records;
 * wx_db_commit commits the rest.  PostgreSQL's batch is one statement,
 * sent at that commit and stored while the next batch is put (an error in
 * it is reported by the next call); wx_db_commit returns once all is
 * stored.  On any error the open transaction is rolled back (the caller
 * may rerun: upserts are idempotent); a batch aborted by a PostgreSQL
 * deadlock is first sent again a few times. */
typedef struct wx_db wx_db;

/* batch <= 0: the default, WX_DB_BATCH records or what WX_DB_BATCH_SECONDS
 * bring, whichever comes first; batch > 0: exactly that many. */
#define WX_DB_BATCH 1000
#define WX_DB_BATCH_SECONDS 1.0

/* flags: WX_DB_NO_SEARCH stores without the search index (a bulk load):
 * SQLite's articles_fts and PostgreSQL's trigram indexes are dropped if
 * the database has them, and the next open without the flag (wxingest
 * index) builds them again over every stored article, at once. */
#define WX_DB_NO_SEARCH 1
/* WX_DB_EXISTING: a sqlite: file that is not there is an error, not a
 * new database (wxingest index). */
#define WX_DB_EXISTING 2

int wx_db_url_is_db(const char *url);
wx_db *wx_db_open(const char *url, int batch, int flags, char **err);
/* Store one record; input_key (path or URL, may be NULL) and the record's
 * source.sha256 are remembered for --incremental in the same transaction. */
int wx_db_put(wx_db *db, const json_t *record, const char *input_key, char **err);
/* The same, given the record's compact JSON line already made (len bytes). */
int wx_db_put_line(wx_db *db, const json_t *record, const char *line, size_t len, const char *input_key, char **err);
int wx_db_commit(wx_db *db, char **err);
void wx_db_rollback(wx_db *db);
/* WX_SEEN_* for an input, or -1. */
int wx_db_seen(wx_db *db, const char *input_key, const char *sha256, char **err);
/* Records in the open transaction. */
int wx_db_pending(const wx_db *db);
/* The file or server, for messages (never the password). */
const char *wx_db_where(const wx_db *db);
void wx_db_close(wx_db *db);

/* The DDL for "sqlite" or "postgres" (NULL for anything else), and the
 * SQLite schema version (PRAGMA user_version) this build writes. */
const char *wx_db_schema_sql(const char *kind);
int wx_db_schema_version(void);

/* ---- JSON Lines files and run state (runfile.c) ---- */

typedef struct wx_known wx_known;     /* input key -> sha256, plus the set of sha256s */

/* A JSON Lines destination: stdout, a file replaced atomically at the end
 * (written to an unnamed O_TMPFILE or a new PATH.tmp.XXXXXX, fsynced,
 * renamed), or a file appended to (each
 * record a whole line, flushed; a torn last line from a crash is cut off
 * on open, a write that fails is cut back to the last complete line).  With incremental, PATH.state lists the inputs written, and in
 * append mode the records already in the file count as written too. */
typedef struct wx_jsonl_sink {
    FILE *f;
    char *path;             /* NULL for stdout */
    int replace;            /* atomic mode: a temp file renamed onto path at the end */
    char *tmp;              /* its name (NULL while it is an unnamed O_TMPFILE) */
    char *state;            /* incremental: PATH.state */
    int append;
    long long complete;     /* append: where the last complete line ends */
    wx_known *known;        /* incremental: what the file already holds */
} wx_jsonl_sink;

/* path NULL or "-" means stdout. */
int wx_sink_open(wx_jsonl_sink *s, const char *path, int append, int incremental,
                 const char *key_field, char **err);
/* One line made by wx_jsonl_line.  key: the input's raw name (a path's
 * bytes, a URL) and sha256 its bytes' hash, what --incremental remembers
 * (a NULL key: only the hash). */
int wx_sink_write(wx_jsonl_sink *s, const char *line, size_t len, const char *key, const char *sha256, char **err);
/* WX_SEEN_* (only meaningful with incremental). */
int wx_sink_seen(const wx_jsonl_sink *s, const char *key, const char *sha256);
/* Flush, fsync and rename (atomic mode), write the state file atomically. */
int wx_sink_finish(wx_jsonl_sink *s, char **err);
void wx_sink_free(wx_jsonl_sink *s);

/* Take an exclusive, non-blocking flock on path and write our pid into it.
 * Returns the open descriptor (keep it open for the run), -2 with *holder
 * set when another process holds it, or -1 with *err. */
int wx_lock_take(const char *path, long *holder, char **err);

/* Replace path with the bytes given: temporary file, fsync, rename. */
int wx_write_atomic(const char *path, const char *bytes, size_t len, char **err);

/* ---- logging for people, cron and log collectors (log.c) ---- */

enum { WX_LOG_ERROR, WX_LOG_WARN, WX_LOG_INFO };

/* quiet: errors only.  json: one JSON object per line. */
void wx_log_setup(int quiet, int json);
/* subject (an input, a file) may be NULL.  A TTY progress line is erased first. */
void wx_log(int level, const char *subject, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A message with extra fields: as JSON they become members, as text
 * "key=value" pairs after the message.  fields is a JSON object (borrowed). */
void wx_log_fields(int level, const char *msg, json_t *fields);
int wx_log_quiet(void);
void wx_log_progress_shown(int shown);

#endif

