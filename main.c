/*
 * wxingest: the command-line driver.  It only wires the modules together:
 * ingest (inputs → documents) → parse (document → record) → output.
 * Exit codes follow sysexits(3): 0 ok, 64 usage, 65 some input could not be
 * parsed (or, for fetch and run, some URL could not be fetched), 66 an input
 * path does not exist, 74 output, database or store write error, 75 the
 * --lock is held by another run; 130/143 after SIGINT/SIGTERM (after
 * committing and saving what was done).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "ingest/strmap.h"
#include "ingest/fetch.h"
#include "output/ocr_images.h"
#include "ingest/warc.h"
#include "output/output.h"
#include "output/discover.h"
#include "parse/ocr.h"
#include "parse/parse.h"

#ifndef WX_VERSION
#define WX_VERSION "dev"
#endif

enum { EXIT_USAGE = 64, EXIT_DATAERR = 65, EXIT_NOINPUT = 66, EXIT_IOERR = 74 };

static const char usage_text[] =
    "usage: wxingest parse [-j N] [output options] [--files-from LIST [-0]] PATH...\n"
    "       wxingest fetch [--store DIR] [-i LIST] [options] [URL...]\n"
    "       wxingest run [--store DIR] [-i LIST] [options] [output options] [URL...]\n"
    "       wxingest discover [--from-pages [PATH...]] [--history FILE] [--album URL]\n"
    "                         [--wayback BIZ|PREFIX] [options]\n"
    "       wxingest schema sqlite|postgres\n"
    "       wxingest --help | --version\n"
    "\n"
    "Parse saved WeChat Official Account article pages into JSON Lines records\n"
    "(schema wxingest.record/1), one per input page, in input order.\n"
    "\n"
    "PATH is a file (.html, .htm, .mht, .mhtml, markdown archives, any of them\n"
    "gzip-compressed; a WARC, WACZ or ARC web archive gives one record per\n"
    "HTML page it holds), a directory (walked recursively in sorted order), or -\n"
    "for standard input.\n"
    "\n"
    "  -j, --jobs N        parse in N threads (default 1); records stay in input order\n"
    "  --files-from LIST   read input paths from LIST, one a line (- is stdin)\n"
    "  -0                  LIST is NUL-separated (find -print0)\n"
    "  --ocr               read the text inside content images saved beside a page\n"
    "                      (NAME_files/) into images[].text (tesseract chi_sim+eng)\n"
    "  --ocr-cache DIR     keep OCR results in DIR by image SHA-256 (re-runs reuse them)\n"
    "\n"
    "Output options (parse and run; --lock, --quiet and --log-format for fetch too):\n"
    "  -o, --output FILE   write records to FILE (replaced atomically at the end;\n"
    "                      - is stdout, the default unless --db is given)\n"
    "  --append            append to FILE instead, one flushed line per record\n"
    "  --db URL            store records in sqlite:PATH or postgres://USER@HOST:PORT/DB\n"
    "  --batch N           records per database transaction (default 200)\n"
    "  --incremental       skip inputs whose bytes are already stored (database,\n"
    "                      or FILE.state next to -o FILE); report new/changed/unchanged\n"
    "  --lock FILE         exclusive lock; exit 75 if another run holds it\n"
    "  --shard K/N         only the inputs (paths or URLs) that hash to shard K of N\n"
    "  --quiet             errors only on stderr\n"
    "  --log-format F      text (default) or json (one object per line)\n"
    "\n"
    "schema prints the DDL of the database tables.\n"
    "\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "fetch downloads each URL into the store and prints one JSON line per URL\n"
    "({\"url\", \"status\", \"http_status\", \"sha256\", \"path\", \"attempts\",\n"
    "\"error\"}); run fetches what is missing, then parses the stored page of\n"
    "each URL and writes records as parse does.\n"
    "\n"
    "  --store DIR         the archive store (default ./wxstore)\n"
    "  -i, --input LIST    read URLs from LIST, one a line (# comments; - is stdin)\n"
    "  -j, --jobs N        transfers at once (default 4)\n"
    "  --rate R            requests per host: N, N/s, N/m or N/h (default 1/s; 0: no limit)\n"
    "  --timeout T         total seconds per transfer (default 60; connect 10, stall 30),\n"
    "                      or CONNECT,TOTAL,STALL\n"
    "  --retries N         extra attempts on timeouts, resets, 408, 429, 5xx (default 3)\n"
    "  --backoff S         first retry delay in seconds, doubled each time (default 1)\n"
    "  --max-bytes N       largest body accepted, suffix K, M or G (default 20M)\n"
    "  --refresh           refetch stored URLs (conditional requests)\n"
    "  -A, --user-agent UA the User-Agent header\n"
    "  --via wayback[:TS]  fetch the Wayback Machine's raw capture instead\n"
    "  --base-url URL      send requests to URL's host instead (mirrors, tests)\n"
    "\n"
    "discover prints one JSON line per article URL found ({\"url\", \"id\", \"biz\",\n"
    "\"found_in\", \"source\", \"captured_at\"}), canonical, once per article id.\n"
    "It takes fetch's --rate, --timeout, --retries, --backoff, --max-bytes, -A and\n"
    "--base-url for its requests, and:\n"
    "\n"
    "  --from-pages [PATH...] article links in saved pages (files or directories;\n"
    "                      without PATH the store's pages)\n"
    "  --depth N           follow links N levels deep into pages held locally (default 1)\n"
    "  --follow-in DIR     saved pages links may be followed into (and the store)\n"
    "  --any-account       keep links to other accounts' articles too\n"
    "  --history FILE      a saved account history page (msgList) or getmsg JSON\n"
    "  --album URL         an album (appmsgalbum?__biz=...&album_id=...), every page of it\n"
    "  --wayback BIZ       the account's captures in the Wayback Machine (CDX API);\n"
    "                      a URL prefix instead of BIZ lists that prefix\n"
    "  --from TS, --to TS  captures from/to this time (1-14 digits, YYYYMMDDhhmmss)\n"
    "  --limit N           CDX rows per request (default 1000)\n"
    "  --urls              print bare URLs (for fetch -i - or run -i -)\n"
    "  --store DIR         the store (default ./wxstore when it exists)\n"
    "\n"
    "  e.g. wxingest discover --wayback BIZ --urls | wxingest run -i - --via wayback -o out.jsonl\n"
    "\n"
    "Exit status: 0 every input gave a record; 65 some inputs could not be\n"
    "parsed (they still get a record with status \"error\") or some URL could\n"
    "not be fetched; 66 an input path or URL list does not exist; 64 usage\n"
    "error; 74 output, database or store write error (or database unreachable);\n"
    "75 the --lock is held by another run; 130/143 interrupted by SIGINT/SIGTERM.\n";

enum { EXIT_SIGINT = 130, EXIT_SIGTERM = 143 };

/* Set by SIGINT/SIGTERM; the fetcher polls it and winds down. */
static volatile sig_atomic_t got_signal = 0;

static void on_signal(int sig) { got_signal = sig; }

/* No SA_RESTART: a blocked read or poll should return and let us stop. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* 128 + the signal, as shells report it. */
static int signal_exit(void) { return got_signal == SIGINT ? EXIT_SIGINT : EXIT_SIGTERM; }

/* ---------- where records go (shared by parse and run) ---------- */

enum { EXIT_TEMPFAIL = 75 };

/* Options about sinks and unattended runs, shared by parse and run. */
typedef struct sink_cli {
    const char *out_path;       /* -o; NULL: stdout unless --db is given */
    const char *db_url;
    const char *lock_path;
    const char *files_from;     /* parse only */
    int nul;                    /* -0: files-from is NUL-separated */
    int append, incremental, quiet, json_log, batch;
    unsigned shard_k, shard_n;  /* shard_n 0: no sharding */
} sink_cli;

enum { O_DB = 300, O_LOCK, O_INCREMENTAL, O_APPEND, O_QUIET, O_LOG_FORMAT, O_SHARD, O_FILES_FROM, O_BATCH };

#define SINK_OPTIONS                                                                              \
    {"output", required_argument, NULL, 'o'}, {"db", required_argument, NULL, O_DB},            \
    {"lock", required_argument, NULL, O_LOCK}, {"incremental", no_argument, NULL, O_INCREMENTAL}, \
    {"append", no_argument, NULL, O_APPEND}, {"quiet", no_argument, NULL, O_QUIET},             \
    {"log-format", required_argument, NULL, O_LOG_FORMAT}, {"shard", required_argument, NULL, O_SHARD}, \
    {"batch", required_argument, NULL, O_BATCH}

static int usage_error(const char *cmd, const char *what, const char *arg);

/* One sink option; returns 1 when c was one, 0 when not, or EXIT_USAGE. */
static int sink_option(int c, const char *arg, sink_cli *s, const char *cmd)
{
    char extra;
    switch (c) {
    case 'o': s->out_path = arg; return 1;
    case O_DB:
        if (!wx_db_url_is_db(arg)) return usage_error(cmd, "--db wants sqlite:PATH or postgres://...", arg);
        s->db_url = arg;
        return 1;
    case O_LOCK: s->lock_path = arg; return 1;
    case O_INCREMENTAL: s->incremental = 1; return 1;
    case O_APPEND: s->append = 1; return 1;
    case O_QUIET: s->quiet = 1; return 1;
    case O_LOG_FORMAT:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) return usage_error(cmd, "--log-format is text or json", arg);
        s->json_log = strcmp(arg, "json") == 0;
        return 1;
    case O_SHARD:
        if (sscanf(arg, "%u/%u%c", &s->shard_k, &s->shard_n, &extra) != 2 || s->shard_n == 0 ||
            s->shard_n > 65536 || s->shard_k >= s->shard_n)
            return usage_error(cmd, "--shard wants K/N with 0 <= K < N", arg);
        return 1;
    case O_BATCH:
        if (sscanf(arg, "%d%c", &s->batch, &extra) != 1 || s->batch < 1 || s->batch > 1000000)
            return usage_error(cmd, "--batch wants a record count from 1", arg);
        return 1;
    default: return 0;
    }
}

/* Checks that need all the options. */
static int sink_check(const sink_cli *s, const char *cmd)
{
    int to_stdout = !s->out_path || strcmp(s->out_path, "-") == 0;
    if (s->append && to_stdout) return usage_error(cmd, "--append needs -o FILE", NULL);
    if (s->incremental && !s->db_url && to_stdout)
        return usage_error(cmd, "--incremental needs --db or -o FILE (where the state is kept)", NULL);
    return 0;
}

/* Which of N shards an input belongs to: FNV-1a of its path or URL, so
 * every machine given the same list agrees without talking to the others. */
static unsigned shard_of(const char *s, unsigned n)
{
    return (unsigned)(wx_hash_str(s) % n);
}

typedef struct run_state {
    wx_jsonl_sink out;
    int want_jsonl;             /* JSON Lines are written (stdout or -o) */
    wx_db *db;
    int incremental;
    int exit_code;
    int stop;                   /* a sink failed: no point going on */
    size_t done, total;
    int progress;
    size_t parsed, ok, failed, n_new, n_changed, n_unchanged;
    struct timespec t0;
    wx_ocr_run *ocr;            /* parse --ocr; NULL without */
} run_state;

static void note_exit(run_state *st, int code)
{
    /* 74 beats 66 beats 65: the most serious problem decides. */
    if (code == EXIT_IOERR || (code == EXIT_NOINPUT && st->exit_code != EXIT_IOERR) ||
        (code == EXIT_DATAERR && st->exit_code == 0))
        st->exit_code = code;
}

static void sink_failed(run_state *st, char *err)
{
    wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
    free(err);
    note_exit(st, EXIT_IOERR);
    st->stop = 1;
}

/* The log format and the --lock: what every unattended command (parse,
 * fetch, run) sets up before touching anything, so a run that finds the
 * lock held has done nothing.  Returns 0 or an exit code; *lock_fd stays
 * open for the whole run. */
static int start_unattended(const sink_cli *s, int *lock_fd)
{
    char *err = NULL;
    long holder = 0;
    wx_log_setup(s->quiet, s->json_log);
    if (!s->lock_path) return 0;
    *lock_fd = wx_lock_take(s->lock_path, &holder, &err);
    if (*lock_fd == -2) {
        /* not an error: the previous run is still going (quiet under --quiet) */
        wx_log(WX_LOG_WARN, s->lock_path, "another wxingest run (pid %ld) holds the lock; exiting", holder);
        return EXIT_TEMPFAIL;
    }
    if (*lock_fd < 0) { wx_log(WX_LOG_ERROR, NULL, "%s", err); free(err); return EXIT_IOERR; }
    return 0;
}

/* A progress line is for a person watching a terminal: not under --quiet,
 * and not between JSON log lines. */
static int progress_wanted(const sink_cli *s)
{
    return isatty(STDERR_FILENO) && !s->quiet && !s->json_log;
}

/* Open the lock, the log, the database and the JSON Lines output.  Returns
 * 0 or an exit code; *lock_fd stays open for the whole run. */
static int open_sinks(run_state *st, const sink_cli *s, const char *key_field, int *lock_fd)
{
    char *err = NULL;
    memset(st, 0, sizeof *st);
    clock_gettime(CLOCK_MONOTONIC, &st->t0);
    st->incremental = s->incremental;
    int rc = start_unattended(s, lock_fd);
    if (rc != 0) return rc;
    if (s->db_url) {
        st->db = wx_db_open(s->db_url, s->batch, &err);
        if (!st->db) { wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory"); free(err); return EXIT_IOERR; }
    }
    st->want_jsonl = s->out_path || !s->db_url;
    if (st->want_jsonl && wx_sink_open(&st->out, s->out_path, s->append, s->incremental, key_field, &err) != 0) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
        free(err);
        return EXIT_IOERR;
    }
    return 0;
}

/* Commit what is open and put the output in place, even after a signal or a
 * failed sink: what was written is then consistent with the state, and a
 * rerun with --incremental takes up exactly the rest. */
static void close_sinks(run_state *st)
{
    char *err = NULL;
    if (st->db) {
        if (!st->stop && wx_db_commit(st->db, &err) != 0) sink_failed(st, err), err = NULL;
        wx_db_close(st->db);
        st->db = NULL;
    }
    if (st->want_jsonl && wx_sink_finish(&st->out, &err) != 0) sink_failed(st, err);
    wx_sink_free(&st->out);
}

/* The end-of-run line: documents, ok, failed, seconds (and the
 * incremental counts). */
static void log_summary(const run_state *st)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - st->t0.tv_sec) + (double)(t1.tv_nsec - st->t0.tv_nsec) / 1e9;
    if (st->incremental) {
        json_t *f = json_pack("{s:I, s:I, s:I}", "new", (json_int_t)st->n_new, "changed", (json_int_t)st->n_changed,
                              "unchanged", (json_int_t)st->n_unchanged);
        wx_log_fields(WX_LOG_INFO, "incremental:", f);
        json_decref(f);
    }
    json_t *f = json_pack("{s:I, s:I, s:I, s:f}", "documents", (json_int_t)st->parsed, "ok", (json_int_t)st->ok,
                          "failed", (json_int_t)st->failed, "seconds", secs);
    wx_log_fields(WX_LOG_INFO, "summary:", f);
    json_decref(f);
    if (st->ocr) {
        f = json_pack("{s:I, s:I, s:I, s:I}", "read", (json_int_t)st->ocr->read, "cached", (json_int_t)st->ocr->cached,
                      "skipped", (json_int_t)st->ocr->skipped, "failed", (json_int_t)st->ocr->failed);
        wx_log_fields(WX_LOG_INFO, "ocr images:", f);
        json_decref(f);
    }
}

/* With --incremental: whether each sink already has these bytes.  Returns
 * 1 when the document can be skipped; sets *to_jsonl / *to_db otherwise. */
static int already_stored(run_state *st, const wx_doc *doc, const char *key, int *to_jsonl, int *to_db)
{
    *to_jsonl = st->want_jsonl;
    *to_db = st->db != NULL;
    if (!st->incremental || doc->status != WX_DOC_OK) return 0;
    int sj = st->want_jsonl ? wx_sink_seen(&st->out, key, doc->sha256) : WX_SEEN_UNCHANGED;
    int sd = WX_SEEN_UNCHANGED;
    char *err = NULL;
    if (st->db && (sd = wx_db_seen(st->db, key, doc->sha256, &err)) < 0) { sink_failed(st, err); return 1; }
    *to_jsonl = sj != WX_SEEN_UNCHANGED;
    *to_db = sd != WX_SEEN_UNCHANGED;
    int seen = st->db ? sd : sj;
    if (!*to_jsonl && !*to_db) { st->n_unchanged++; return 1; }
    if (seen == WX_SEEN_CHANGED) st->n_changed++;
    else st->n_new++;
    return 0;
}

/* Count a parsed record, report it when it is an error, and write it to
 * the sinks that lack it (to_jsonl / to_db from already_stored).  The only
 * place records reach the sinks: with parallel parsing, call it in input
 * order from one thread.  Takes ownership of rec (may be NULL).  Returns -1
 * when a sink failed. */
static int store_record(run_state *st, json_t *rec, const char *name, const char *key, int to_jsonl, int to_db)
{
    const char *status = rec ? json_string_value(json_object_get(rec, "status")) : "error";
    st->parsed++;
    if (status && strcmp(status, "error") == 0) {
        json_t *msg = rec ? json_object_get(json_object_get(rec, "error"), "message") : NULL;
        wx_log(WX_LOG_ERROR, name, "%s", msg ? json_string_value(msg) : "cannot parse");
        note_exit(st, EXIT_DATAERR);
        st->failed++;
    } else {
        st->ok++;
    }
    char *err = NULL;
    if (rec && to_jsonl && wx_sink_write(&st->out, rec, key, &err) != 0) sink_failed(st, err), err = NULL;
    if (rec && to_db && !st->stop && wx_db_put(st->db, rec, key, &err) != 0) sink_failed(st, err);
    json_decref(rec);
    if (st->progress && st->total) fprintf(stderr, "\rwxingest: %zu/%zu", st->done, st->total);
    else if (st->progress) fprintf(stderr, "\rwxingest: %zu", st->done);
    return st->stop ? -1 : 0;
}

/* Where --ocr looks for a page's NAME_files/ folder: beside a saved page;
 * a WARC record's path (FILE#OFFSET) has no such folder. */
static const char *ocr_page_path(const wx_doc *doc)
{
    return doc->container == WX_CONTAINER_WARC ? NULL : doc->path;
}

/* Parse one loaded document and write its record; name is what problems
 * are reported under, key what --incremental remembers it by.  Takes
 * ownership of doc.  Returns -1 when a sink failed. */
static int parse_doc(run_state *st, wx_doc *doc, const char *name, const char *key)
{
    int to_jsonl, to_db;
    st->done++;
    if (already_stored(st, doc, key, &to_jsonl, &to_db)) {
        wx_doc_free(doc);
        return st->stop ? -1 : 0;
    }
    json_t *rec = wx_parse(doc);
    if (rec && st->ocr) wx_ocr_record(rec, ocr_page_path(doc), st->ocr);
    wx_doc_free(doc);
    return store_record(st, rec, name, key, to_jsonl, to_db);
}

static void report(void *ctx, const char *path, const char *reason)
{
    (void)ctx;
    wx_log(WX_LOG_ERROR, path, "%s", reason);
}

/* ---------- the inputs of parse, and parsing them in N threads ----------
 *
 * Inputs come from a path source: the command-line arguments (each walked
 * as it is reached) and, with --files-from, a list read one entry at a
 * time.  Nothing holds the whole batch, so memory does not grow with it.
 *
 * parse_all() loads and parses documents in `jobs` worker threads and hands
 * each result to store_record on the calling thread, in input order.  At
 * most 4 × jobs inputs are in flight (being parsed, or parsed and waiting
 * for an earlier one); a worker frees the page bytes once parsed, so only
 * records wait.  wx_parse is thread-safe; the sinks are not, so every sink
 * call (the --incremental lookup in the workers, the writes on the calling
 * thread) holds sink_mu. */

typedef struct path_source {
    char **args;
    int nargs, next_arg;            /* command-line PATHs */
    FILE *list;                     /* --files-from, or NULL */
    const char *list_name;
    int nul;                        /* -0: the list is NUL-separated */
    unsigned shard_k, shard_n;      /* shard_n 0: every input */
    wx_pathlist pending;            /* files of the argument being walked */
    size_t next_pending;
    wx_warc *warc;                  /* the web archive whose documents come next, or NULL */
    int missing;                    /* some PATH did not exist, or the list broke (exit 66) */
} path_source;

/* The next entry of the --files-from list (malloc'd), or NULL at its end. */
static char *list_next(path_source *src)
{
    char *line = NULL;
    size_t cap = 0;
    int delim = src->nul ? '\0' : '\n';
    ssize_t n;
    while ((n = getdelim(&line, &cap, delim, src->list)) >= 0) {
        if (n > 0 && line[n - 1] == delim) line[--n] = '\0';
        if (!src->nul && n > 0 && line[n - 1] == '\r') line[--n] = '\0';
        if (n > 0) return line;
    }
    free(line);
    if (ferror(src->list)) {
        wx_log(WX_LOG_ERROR, src->list_name, "read error");
        src->missing = 1;
    }
    if (src->list != stdin) fclose(src->list);
    src->list = NULL;
    return NULL;
}

/* A web archive's records that are no documents but deserve a word. */
static void warc_note(void *ctx, const char *where, const char *msg)
{
    (void)ctx;
    wx_log(WX_LOG_WARN, where, "%s", msg);
}

/* The next input file of this shard (malloc'd), or NULL when there are no
 * more.  A WARC file is many inputs: its documents come one by one in
 * *doc, already loaded, named FILE#OFFSET (ingest/warc.h). */
static char *source_next(path_source *src, wx_doc **doc)
{
    *doc = NULL;
    for (;;) {
        if (src->warc) {
            wx_doc *d = wx_warc_next(src->warc);
            char *name = d ? strdup(d->path) : NULL;
            if (name) { *doc = d; return name; }
            wx_doc_free(d);
            wx_warc_close(src->warc);
            src->warc = NULL;
        }
        while (src->next_pending < src->pending.count) {
            char *p = src->pending.paths[src->next_pending];
            src->pending.paths[src->next_pending++] = NULL;
            if (src->shard_n && shard_of(p, src->shard_n) != src->shard_k) { free(p); continue; }
            if (strcmp(p, "-") == 0 || !wx_warc_open(p, warc_note, NULL, &src->warc)) return p;
            free(p);
            break;
        }
        if (src->warc) continue;
        wx_pathlist_free(&src->pending);
        memset(&src->pending, 0, sizeof src->pending);
        src->next_pending = 0;
        char *line = NULL;
        const char *arg;
        if (src->next_arg < src->nargs) arg = src->args[src->next_arg++];
        else if (src->list && (line = list_next(src)) != NULL) arg = line;
        else return NULL;
        if (wx_walk(arg, &src->pending, report, NULL) != 0) src->missing = 1;
        free(line);
    }
}

/* What parsing one input gave, waiting for its turn to be stored. */
typedef struct parse_slot {
    char *path;
    wx_doc *doc;                /* already loaded (a WARC record), or NULL: load path */
    json_t *rec;                /* NULL when skipped or out of memory */
    int loaded, skipped, to_jsonl, to_db;
    int ready;
} parse_slot;

/* Load and parse one input into slot (path is already set).  With
 * --incremental, a document the sinks already have is not parsed. */
static void parse_input(run_state *st, pthread_mutex_t *sink_mu, parse_slot *slot)
{
    wx_doc *doc = slot->doc ? slot->doc : wx_doc_load(slot->path);
    slot->doc = NULL;
    if (!doc) return;
    slot->loaded = 1;
    if (sink_mu) pthread_mutex_lock(sink_mu);
    slot->skipped = already_stored(st, doc, slot->path, &slot->to_jsonl, &slot->to_db);
    if (sink_mu) pthread_mutex_unlock(sink_mu);
    if (!slot->skipped) slot->rec = wx_parse(doc);
    if (slot->rec && st->ocr) wx_ocr_record(slot->rec, ocr_page_path(doc), st->ocr);
    wx_doc_free(doc);
}

/* Store one parsed input, on the calling thread, in input order.  Takes
 * the slot's record.  Returns -1 when a sink failed. */
static int store_input(run_state *st, pthread_mutex_t *sink_mu, parse_slot *slot)
{
    st->done++;
    if (!slot->loaded) {
        wx_log(WX_LOG_ERROR, slot->path, "out of memory");
        note_exit(st, EXIT_DATAERR);
        return 0;
    }
    if (slot->skipped) return st->stop ? -1 : 0;
    if (sink_mu) pthread_mutex_lock(sink_mu);
    int rc = store_record(st, slot->rec, slot->path, slot->path, slot->to_jsonl, slot->to_db);
    if (sink_mu) pthread_mutex_unlock(sink_mu);
    slot->rec = NULL;
    return rc;
}

typedef struct parse_pool {
    path_source *src;
    run_state *st;
    parse_slot *slots;
    size_t window;
    size_t taken, emitted;      /* inputs handed to workers; results stored */
    int exhausted, stop;
    pthread_mutex_t mu;         /* guards the fields above and src */
    pthread_mutex_t sink_mu;
    pthread_cond_t room;        /* a slot was freed (or stop) */
    pthread_cond_t done;        /* a slot became ready */
} parse_pool;

static void *parse_worker(void *arg)
{
    parse_pool *pool = arg;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->stop && !pool->exhausted && pool->taken >= pool->emitted + pool->window)
            pthread_cond_wait(&pool->room, &pool->mu);
        if (pool->stop || pool->exhausted) break;
        wx_doc *doc;
        char *path = source_next(pool->src, &doc);
        if (!path) { pool->exhausted = 1; pthread_cond_broadcast(&pool->done); break; }
        parse_slot *slot = &pool->slots[pool->taken++ % pool->window];
        pthread_mutex_unlock(&pool->mu);
        parse_slot mine = {.path = path, .doc = doc};
        parse_input(pool->st, &pool->sink_mu, &mine);
        mine.ready = 1;
        pthread_mutex_lock(&pool->mu);
        *slot = mine;
        pthread_cond_broadcast(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

/* The pool's calling thread: store results in input order until every
 * input is done, a sink fails or a signal arrives. */
static void store_in_order(parse_pool *pool)
{
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        parse_slot *slot = &pool->slots[pool->emitted % pool->window];
        while (!slot->ready && !(pool->exhausted && pool->emitted == pool->taken) && !got_signal)
            pthread_cond_wait(&pool->done, &pool->mu);
        if (!slot->ready) break;                    /* every input is done, or a signal */
        parse_slot mine = *slot;
        memset(slot, 0, sizeof *slot);
        pool->emitted++;
        pthread_cond_broadcast(&pool->room);
        pthread_mutex_unlock(&pool->mu);
        int stop = store_input(pool->st, &pool->sink_mu, &mine) != 0 || got_signal;
        free(mine.path);
        pthread_mutex_lock(&pool->mu);
        if (stop) break;
    }
    pool->stop = 1;
    pthread_cond_broadcast(&pool->room);
    pthread_mutex_unlock(&pool->mu);
}

/* Parse every input of src with `jobs` threads, storing the records in
 * input order.  Returns 0, or -1 when no thread could be started. */
static int parse_all(path_source *src, int jobs, run_state *st)
{
    if (jobs <= 1) {                                /* no threads: the plain loop */
        char *path;
        wx_doc *doc;
        while (!got_signal && (path = source_next(src, &doc)) != NULL) {
            parse_slot slot = {.path = path, .doc = doc};
            parse_input(st, NULL, &slot);
            int stop = store_input(st, NULL, &slot) != 0;
            free(path);
            if (stop) break;
        }
        return 0;
    }
    parse_pool pool = {.src = src, .st = st, .window = (size_t)jobs * 4};
    pool.slots = calloc(pool.window, sizeof *pool.slots);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!pool.slots || !threads) { free(pool.slots); free(threads); return -1; }
    pthread_mutex_init(&pool.mu, NULL);
    pthread_mutex_init(&pool.sink_mu, NULL);
    pthread_cond_init(&pool.room, NULL);
    pthread_cond_init(&pool.done, NULL);
    int started = 0;
    while (started < jobs && pthread_create(&threads[started], NULL, parse_worker, &pool) == 0) started++;
    if (started) store_in_order(&pool);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    for (size_t i = 0; i < pool.window; i++) {      /* parsed after a stop: dropped */
        json_decref(pool.slots[i].rec);
        free(pool.slots[i].path);
    }
    pthread_mutex_destroy(&pool.mu);
    pthread_mutex_destroy(&pool.sink_mu);
    pthread_cond_destroy(&pool.room);
    pthread_cond_destroy(&pool.done);
    free(pool.slots);
    free(threads);
    return started ? 0 : -1;
}

static int parse_double(const char *s, double lo, double hi, double *out);

enum { O_OCR = 400, O_OCR_CACHE };

static int cmd_parse(int argc, char **argv)
{
    static const struct option opts[] = {
        SINK_OPTIONS, {"files-from", required_argument, NULL, O_FILES_FROM},
        {"ocr", no_argument, NULL, O_OCR}, {"ocr-cache", required_argument, NULL, O_OCR_CACHE},
        {"jobs", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    sink_cli s = {0};
    wx_ocr_run ocr = {0};
    int want_ocr = 0;
    int c, r, jobs = 1;
    double d;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:j:0h", opts, NULL)) != -1) {
        if ((r = sink_option(c, optarg, &s, "parse")) == EXIT_USAGE) return r;
        if (r) continue;
        if (c == O_FILES_FROM) s.files_from = optarg;
        else if (c == O_OCR) want_ocr = 1;
        else if (c == O_OCR_CACHE) ocr.cache_dir = optarg;
        else if (c == '0') s.nul = 1;
        else if (c == 'j') {
            if (parse_double(optarg, 1, 256, &d) != 0 || d != (int)d) return usage_error("parse", "bad --jobs", optarg);
            jobs = (int)d;
        } else if (c == 'h') { fputs(usage_text, stdout); return 0; }
        else { fputs(usage_text, stderr); return EXIT_USAGE; }
    }
    if (optind >= argc && !s.files_from) return usage_error("parse", "no input given", NULL);
    if ((r = sink_check(&s, "parse")) != 0) return r;
    if (ocr.cache_dir && !want_ocr) return usage_error("parse", "--ocr-cache needs --ocr", NULL);
    const char *ocr_err = NULL;
    if (want_ocr && wx_ocr_load(&ocr_err) != 0) return usage_error("parse", ocr_err, NULL);

    path_source src = {.args = argv + optind, .nargs = argc - optind, .list_name = s.files_from,
                       .nul = s.nul, .shard_k = s.shard_k, .shard_n = s.shard_n};
    if (s.files_from) {
        src.list = strcmp(s.files_from, "-") == 0 ? stdin : fopen(s.files_from, "r");
        if (!src.list) {
            wx_log_setup(s.quiet, s.json_log);
            wx_log(WX_LOG_ERROR, s.files_from, "%s", strerror(errno));
            return EXIT_NOINPUT;
        }
    }
    run_state st;
    int lock_fd = -1;
    if ((r = open_sinks(&st, &s, "path", &lock_fd)) != 0) {
        close_sinks(&st);
        if (src.list && src.list != stdin) fclose(src.list);
        return r;
    }
    st.progress = progress_wanted(&s);
    st.ocr = want_ocr ? &ocr : NULL;
    wx_log_progress_shown(st.progress);
    catch_signals();
    wx_parse_init();
    json_decref(json_object());                     /* jansson's hash seed, before any thread */
    if (parse_all(&src, jobs, &st) != 0) {
        wx_log(WX_LOG_ERROR, NULL, "parse: cannot start threads");
        note_exit(&st, EXIT_IOERR);
    }
    if (src.missing) note_exit(&st, EXIT_NOINPUT);
    if (st.progress && st.done) fputc('\n', stderr);
    wx_log_progress_shown(0);
    wx_pathlist_free(&src.pending);
    wx_warc_close(src.warc);
    if (src.list && src.list != stdin) fclose(src.list);
    close_sinks(&st);
    if (got_signal) wx_log(WX_LOG_WARN, NULL, "interrupted by %s; the work done so far is saved", strsignal(got_signal));
    log_summary(&st);
    if (want_ocr) wx_ocr_thread_end();
    if (lock_fd >= 0) close(lock_fd);
    return got_signal ? signal_exit() : st.exit_code;
}

/* `wxingest schema sqlite|postgres`: the DDL, for users who create the
 * tables themselves. */
static int cmd_schema(int argc, char **argv)
{
    const char *sql = argc == 2 ? wx_db_schema_sql(argv[1]) : NULL;
    if (!sql) return usage_error("schema", "want: wxingest schema sqlite|postgres", argc > 1 ? argv[1] : NULL);
    fputs(sql, stdout);
    return fflush(stdout) == 0 ? 0 : EXIT_IOERR;
}

/* ---------- fetch and run ---------- */

/* Everything fetch and run were told on the command line. */
typedef struct fetch_cli {
    wx_fetch_opts o;
    const char *store_dir;
    sink_cli sink;              /* run: -o, --db, --lock, ...; fetch: --lock, --quiet, --log-format */
    int is_run;
    int had_list;               /* -i was given (an empty list is not a usage error) */
    const char **lists;         /* the -i LISTs, read once every option is known */
    size_t nlists;
    wx_urllist urls;
} fetch_cli;

/* A number in [lo, hi] with nothing after it. */
static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

/* --rate: "2", "2/s", "30/m", "30/min", "100/h"; 0 or "none" turns it off. */
static int parse_rate(const char *s, double *out)
{
    if (strcmp(s, "none") == 0) { *out = 0; return 0; }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v >= 0 && v <= 1e6)) return -1;
    if (*end == '\0' || strcmp(end, "/s") == 0) *out = v;
    else if (strcmp(end, "/m") == 0 || strcmp(end, "/min") == 0) *out = v / 60;
    else if (strcmp(end, "/h") == 0) *out = v / 3600;
    else return -1;
    return 0;
}

/* --max-bytes: bytes, or with K/M/G (binary, optionally KiB/MiB/GiB). */
static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return -1;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k') mult = 1ULL << 10;
    else if (*end == 'M' || *end == 'm') mult = 1ULL << 20;
    else if (*end == 'G' || *end == 'g') mult = 1ULL << 30;
    if (mult > 1) {
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0) end += strlen(end);
    }
    if (*end || v == 0 || v > (1ULL << 40) / mult) return -1;
    *out = (size_t)(v * mult);
    return 0;
}

/* --timeout: TOTAL (connect and stall capped by it) or CONNECT,TOTAL,STALL. */
static int parse_timeout(const char *s, wx_fetch_opts *o)
{
    double c, t, st;
    char extra;
    if (sscanf(s, "%lf,%lf,%lf%c", &c, &t, &st, &extra) == 3) {
        if (!(c > 0 && t > 0 && st > 0 && c <= 86400 && t <= 86400 && st <= 86400)) return -1;
    } else {
        if (parse_double(s, 0.001, 86400, &t) != 0) return -1;
        c = t < 10 ? t : 10;
        st = t < 30 ? t : 30;
    }
    o->connect_timeout = c;
    o->timeout = t;
    o->stall_time = st;
    return 0;
}

/* --via wayback or wayback:TIMESTAMP (1 to 14 digits). */
static int parse_via(const char *s, wx_fetch_opts *o)
{
    if (strcmp(s, "wayback") == 0) { o->wayback = ""; return 0; }
    if (strncmp(s, "wayback:", 8) != 0) return -1;
    const char *ts = s + 8;
    size_t n = strspn(ts, "0123456789");
    if (n == 0 || n > 14 || ts[n]) return -1;
    o->wayback = ts;
    return 0;
}

static int usage_error(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "wxingest: %s: %s%s%s\n", cmd, what, arg ? ": " : "", arg ? arg : "");
    fputs("Try 'wxingest --help'.\n", stderr);
    return EXIT_USAGE;
}

/* The URLs of the -i LISTs, in order.  Read after the options so their
 * problems are logged as --quiet and --log-format say.  Returns 0 or an
 * exit code. */
static int read_url_lists(fetch_cli *cli)
{
    char *err = NULL;
    wx_log_setup(cli->sink.quiet, cli->sink.json_log);
    for (size_t i = 0; i < cli->nlists; i++) {
        const char *list = cli->lists[i];
        if (strcmp(list, "-") != 0 && access(list, R_OK) != 0) {
            wx_log(WX_LOG_ERROR, list, "%s", strerror(errno));
            return EXIT_NOINPUT;
        }
        if (wx_urllist_read(list, &cli->urls, &err) != 0) {
            wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : list);
            free(err);
            return EXIT_DATAERR;
        }
    }
    return 0;
}

/* Options shared by fetch and run.  Returns 0 to go on, or an exit code
 * (-1 for --help, which exits 0). */
static int parse_fetch_args(int argc, char **argv, fetch_cli *cli)
{
    enum { O_STORE = 256, O_RATE, O_TIMEOUT, O_RETRIES, O_BACKOFF, O_MAXBYTES, O_REFRESH, O_VIA, O_BASE };
    static const struct option opts[] = {
        {"store", required_argument, NULL, O_STORE},   {"input", required_argument, NULL, 'i'},
        {"jobs", required_argument, NULL, 'j'},         {"rate", required_argument, NULL, O_RATE},
        {"timeout", required_argument, NULL, O_TIMEOUT}, {"retries", required_argument, NULL, O_RETRIES},
        {"backoff", required_argument, NULL, O_BACKOFF}, {"max-bytes", required_argument, NULL, O_MAXBYTES},
        {"refresh", no_argument, NULL, O_REFRESH},      {"user-agent", required_argument, NULL, 'A'},
        {"via", required_argument, NULL, O_VIA},        {"base-url", required_argument, NULL, O_BASE},
        {"help", no_argument, NULL, 'h'},               SINK_OPTIONS,
        {NULL, 0, NULL, 0}};
    const char *cmd = cli->is_run ? "run" : "fetch";
    double d;
    int c, r;
    if (!(cli->lists = calloc((size_t)argc, sizeof *cli->lists))) {
        fprintf(stderr, "wxingest: out of memory\n");
        return EXIT_USAGE;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, cli->is_run ? "i:j:A:o:h" : "i:j:A:h", opts, NULL)) != -1) {
        if (c >= O_DB || c == 'o') {
            int unattended = c == O_LOCK || c == O_QUIET || c == O_LOG_FORMAT;
            if (!cli->is_run && !unattended)
                return usage_error(cmd, "output options are for run; fetch writes its lines to stdout", NULL);
            if ((r = sink_option(c, optarg, &cli->sink, cmd)) == EXIT_USAGE) return r;
            continue;
        }
        switch (c) {
        case O_STORE: cli->store_dir = optarg; break;
        case 'i':
            cli->had_list = 1;
            cli->lists[cli->nlists++] = optarg;
            break;
        case 'j':
            if (parse_double(optarg, 1, 256, &d) != 0 || d != (int)d) return usage_error(cmd, "bad --jobs", optarg);
            cli->o.jobs = (int)d;
            break;
        case O_RATE:
            if (parse_rate(optarg, &cli->o.rate) != 0) return usage_error(cmd, "bad --rate", optarg);
            break;
        case O_TIMEOUT:
            if (parse_timeout(optarg, &cli->o) != 0) return usage_error(cmd, "bad --timeout", optarg);
            break;
        case O_RETRIES:
            if (parse_double(optarg, 0, 20, &d) != 0 || d != (int)d) return usage_error(cmd, "bad --retries", optarg);
            cli->o.retries = (int)d;
            break;
        case O_BACKOFF:
            if (parse_double(optarg, 0, 3600, &cli->o.backoff) != 0) return usage_error(cmd, "bad --backoff", optarg);
            break;
        case O_MAXBYTES:
            if (parse_size(optarg, &cli->o.max_bytes) != 0) return usage_error(cmd, "bad --max-bytes", optarg);
            break;
        case O_REFRESH: cli->o.refresh = 1; break;
        case 'A': cli->o.user_agent = optarg; break;
        case O_VIA:
            if (parse_via(optarg, &cli->o) != 0) return usage_error(cmd, "bad --via (wayback or wayback:TIMESTAMP)", optarg);
            break;
        case O_BASE:
            if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
                return usage_error(cmd, "--base-url must be an http:// or https:// URL", optarg);
            cli->o.base_url = optarg;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: fputs("Try 'wxingest --help'.\n", stderr); return EXIT_USAGE;
        }
    }
    if ((r = read_url_lists(cli)) != 0) return r;
    for (int i = optind; i < argc; i++) {
        int rc = wx_urllist_add(&cli->urls, argv[i]);
        if (rc == -2) return usage_error(cmd, "URL is not valid UTF-8", NULL);
        if (rc != 0) { fprintf(stderr, "wxingest: out of memory\n"); return EXIT_USAGE; }
    }
    return 0;
}

/* The fetcher's callbacks print what they are told about as it happens:
 * result lines in input order (a line waits for the URLs listed before it),
 * problems on stderr. */
typedef struct fetch_out {
    fetch_cli *cli;
    wx_fetch_result *results;
    unsigned char *finished;
    size_t next;                /* first URL whose line is not printed yet */
    int print_lines;            /* fetch: JSON lines on stdout; run: stdout has the records */
    int progress;
    int write_failed;
} fetch_out;

/* Empty and absent both mean "no value" in a result line. */
static json_t *json_str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* One result line, flushed at once so a pipe sees progress. */
static void print_result(fetch_out *fo, size_t i)
{
    const wx_fetch_result *r = &fo->results[i];
    json_t *line = json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:o}", "url", fo->cli->urls.urls[i],
                             "status", wx_fetch_status_name(r->status),
                             "http_status", r->http_status ? json_integer(r->http_status) : json_null(),
                             "sha256", json_str_or_null(r->sha256), "path", json_str_or_null(r->path),
                             "attempts", r->attempts, "error", json_str_or_null(r->error));
    if (!line || wx_jsonl_write(stdout, line) != 0 || fflush(stdout) != 0) fo->write_failed = 1;
    json_decref(line);
}

/* A URL finished: report a failure now, print every line now in order. */
static void on_fetch_done(void *ctx, size_t index, const wx_fetch_result *res)
{
    fetch_out *fo = ctx;
    fo->finished[index] = 1;
    /* wx_log erases a progress line first so problems stay readable */
    if (res->status == WX_FETCH_FAILED) wx_log(WX_LOG_ERROR, fo->cli->urls.urls[index], "%s", res->error ? res->error : "failed");
    while (fo->next < fo->cli->urls.count && fo->finished[fo->next]) {
        if (fo->print_lines) print_result(fo, fo->next);
        fo->next++;
    }
}

/* Host-level news from the fetcher (a host given up on). */
static void on_fetch_note(void *ctx, const char *msg)
{
    (void)ctx;
    wx_log(WX_LOG_WARN, NULL, "%s", msg);
}

/* run --shard K/N: keep the URLs of shard K, in order. */
static void keep_url_shard(wx_urllist *urls, unsigned k, unsigned n)
{
    wx_urllist kept = {0};
    for (size_t i = 0; i < urls->count; i++)
        if (shard_of(urls->urls[i], n) == k && wx_urllist_add(&kept, urls->urls[i]) != 0) {
            wx_log(WX_LOG_ERROR, NULL, "out of memory");
            break;
        }
    wx_urllist_free(urls);
    *urls = kept;
}

/* run's second half: parse the latest stored page of every listed URL,
 * with the URL and fetch time from the index as the record's source. */
static void parse_stored(fetch_cli *cli, wx_store *store, run_state *st)
{
    wx_parse_init();
    st->total = cli->urls.count;
    for (size_t i = 0; i < cli->urls.count && !got_signal; i++) {
        const char *url = cli->urls.urls[i];
        const wx_fetch_rec *fr = wx_store_latest(store, url);
        if (!fr) { st->done++; continue; }   /* its fetch failed; already reported */
        char *path = wx_store_object_path(store, fr->sha256);
        wx_doc *doc = path ? wx_doc_load(path) : NULL;
        free(path);
        if (!doc) { wx_log(WX_LOG_ERROR, url, "out of memory"); note_exit(st, EXIT_DATAERR); continue; }
        free(doc->url);
        free(doc->fetched_at);
        doc->url = strdup(url);
        doc->fetched_at = fr->fetched_at ? strdup(fr->fetched_at) : NULL;
        if (parse_doc(st, doc, url, url) != 0) break;
    }
    if (st->progress) fputc('\n', stderr);
}

/* fetch and run share everything up to the end of fetching; run then parses
 * instead of printing result lines. */
static int cmd_fetch(int argc, char **argv, int is_run)
{
    fetch_cli cli = {0};
    cli.is_run = is_run;
    cli.store_dir = "wxstore";
    wx_fetch_opts_init(&cli.o);
    int rc = parse_fetch_args(argc, argv, &cli);
    free(cli.lists);
    if (rc != 0 || cli.urls.count == 0) {
        wx_urllist_free(&cli.urls);
        if (rc == -1) return 0;
        if (rc != 0) return rc;
        if (cli.had_list) return 0;   /* an empty list: nothing to do */
        return usage_error(is_run ? "run" : "fetch", "no URL given", NULL);
    }

    run_state st;
    int lock_fd = -1;
    if (is_run) {
        if ((rc = sink_check(&cli.sink, "run")) != 0 || (rc = open_sinks(&st, &cli.sink, "url", &lock_fd)) != 0) {
            close_sinks(&st);
            wx_urllist_free(&cli.urls);
            return rc;
        }
        if (cli.sink.shard_n) keep_url_shard(&cli.urls, cli.sink.shard_k, cli.sink.shard_n);
    } else {
        memset(&st, 0, sizeof st);
        if ((rc = start_unattended(&cli.sink, &lock_fd)) != 0) {
            wx_urllist_free(&cli.urls);
            return rc;
        }
    }
    char *err = NULL;
    wx_store *store = wx_store_open(cli.store_dir, &err);
    if (!store) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : cli.store_dir);
        free(err);
        wx_urllist_free(&cli.urls);
        if (is_run) close_sinks(&st);
        if (lock_fd >= 0) close(lock_fd);
        return EXIT_IOERR;
    }
    catch_signals();
    int tty = progress_wanted(&cli.sink);
    wx_fetch_result *results = calloc(cli.urls.count, sizeof *results);
    fetch_out fo = {&cli, results, calloc(cli.urls.count, 1), 0, !is_run, tty, 0};
    cli.o.progress = tty;
    wx_log_progress_shown(tty);
    cli.o.stop = &got_signal;
    cli.o.on_done = on_fetch_done;
    cli.o.on_note = on_fetch_note;
    cli.o.ctx = &fo;
    if (!results || !fo.finished || wx_fetch_all(store, &cli.urls, &cli.o, results, &err) != 0) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
        free(err);
        note_exit(&st, EXIT_IOERR);
    } else {
        for (size_t i = 0; i < cli.urls.count; i++) {
            if (results[i].status == WX_FETCH_FAILED) note_exit(&st, results[i].store_error ? EXIT_IOERR : EXIT_DATAERR);
            wx_fetch_result_free(&results[i]);
        }
        if (fo.write_failed) {
            wx_log(WX_LOG_ERROR, "stdout", "%s", strerror(errno ? errno : EIO));
            note_exit(&st, EXIT_IOERR);
        }
        if (is_run && !got_signal) {
            st.progress = tty && cli.urls.count > 1;
            parse_stored(&cli, store, &st);
        }
    }
    free(results);
    free(fo.finished);
    wx_store_close(store);
    wx_urllist_free(&cli.urls);
    if (is_run) {
        close_sinks(&st);
        log_summary(&st);
    }
    if (lock_fd >= 0) close(lock_fd);
    return got_signal ? signal_exit() : st.exit_code;
}

/* Everything discover was told; the lists point into argv. */
typedef struct discover_cli {
    wx_discover_opts o;
    char **lists[3];            /* --follow-in, --history, --album */
    size_t counts[3];
} discover_cli;

/* Append an argument to one of discover's lists. */
static int cli_list_add(discover_cli *cli, int which, char *arg)
{
    char **l = realloc(cli->lists[which], (cli->counts[which] + 1) * sizeof *l);
    if (!l) return -1;
    l[cli->counts[which]++] = arg;
    cli->lists[which] = l;
    return 0;
}

/* A CDX timestamp bound: 1 to 14 digits. */
static int is_timestamp(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n >= 1 && n <= 14 && !s[n];
}

/* discover's options (parsing only; wx_discover runs them).  Returns 0 to
 * go on, -1 for --help, or an exit code. */
static int parse_discover_args(int argc, char **argv, discover_cli *cli)
{
    enum { O_STORE = 256, O_RATE, O_TIMEOUT, O_RETRIES, O_BACKOFF, O_MAXBYTES, O_BASE, O_PAGES, O_FOLLOW,
           O_HISTORY, O_ALBUM, O_WAYBACK, O_FROM, O_TO, O_LIMIT, O_DEPTH, O_ANY, O_URLS };
    static const struct option opts[] = {
        {"store", required_argument, NULL, O_STORE},     {"rate", required_argument, NULL, O_RATE},
        {"timeout", required_argument, NULL, O_TIMEOUT}, {"retries", required_argument, NULL, O_RETRIES},
        {"backoff", required_argument, NULL, O_BACKOFF}, {"max-bytes", required_argument, NULL, O_MAXBYTES},
        {"user-agent", required_argument, NULL, 'A'},    {"base-url", required_argument, NULL, O_BASE},
        {"from-pages", no_argument, NULL, O_PAGES},      {"follow-in", required_argument, NULL, O_FOLLOW},
        {"history", required_argument, NULL, O_HISTORY}, {"album", required_argument, NULL, O_ALBUM},
        {"wayback", required_argument, NULL, O_WAYBACK}, {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},           {"limit", required_argument, NULL, O_LIMIT},
        {"depth", required_argument, NULL, O_DEPTH},     {"any-account", no_argument, NULL, O_ANY},
        {"urls", no_argument, NULL, O_URLS},             {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = "discover";
    wx_discover_opts *o = &cli->o;
    double d;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "A:h", opts, NULL)) != -1) {
        switch (c) {
        case O_STORE: o->store_dir = optarg; break;
        case O_RATE: if (parse_rate(optarg, &o->fetch.rate) != 0) return usage_error(cmd, "bad --rate", optarg); break;
        case O_TIMEOUT: if (parse_timeout(optarg, &o->fetch) != 0) return usage_error(cmd, "bad --timeout", optarg); break;
        case O_RETRIES:
            if (parse_double(optarg, 0, 20, &d) != 0 || d != (int)d) return usage_error(cmd, "bad --retries", optarg);
            o->fetch.retries = (int)d;
            break;
        case O_BACKOFF:
            if (parse_double(optarg, 0, 3600, &o->fetch.backoff) != 0) return usage_error(cmd, "bad --backoff", optarg);
            break;
        case O_MAXBYTES:
            if (parse_size(optarg, &o->fetch.max_bytes) != 0) return usage_error(cmd, "bad --max-bytes", optarg);
            break;
        case 'A': o->fetch.user_agent = optarg; break;
        case O_BASE:
            if (strncmp(optarg, "http://", 7) != 0 && strncmp(optarg, "https://", 8) != 0)
                return usage_error(cmd, "--base-url must be an http:// or https:// URL", optarg);
            o->fetch.base_url = optarg;
            break;
        case O_PAGES: o->from_pages = 1; break;
        case O_FOLLOW: case O_HISTORY: case O_ALBUM:
            if (cli_list_add(cli, c == O_FOLLOW ? 0 : c == O_HISTORY ? 1 : 2, optarg) != 0) return EXIT_USAGE;
            break;
        case O_WAYBACK:
            if (!*optarg || strpbrk(optarg, " \t\r\n")) return usage_error(cmd, "--wayback wants a biz or a URL prefix", optarg);
            o->wayback = optarg;
            break;
        case O_FROM: case O_TO:
            if (!is_timestamp(optarg)) return usage_error(cmd, "--from and --to want 1 to 14 digits (YYYYMMDDhhmmss)", optarg);
            if (c == O_FROM) o->from = optarg; else o->to = optarg;
            break;
        case O_LIMIT:
            if (parse_double(optarg, 1, 1e6, &d) != 0 || d != (long)d) return usage_error(cmd, "bad --limit", optarg);
            o->limit = (long)d;
            break;
        case O_DEPTH:
            if (parse_double(optarg, 1, 100, &d) != 0 || d != (int)d) return usage_error(cmd, "bad --depth (1 to 100)", optarg);
            o->depth = (int)d;
            break;
        case O_ANY: o->any_account = 1; break;
        case O_URLS: o->urls_only = 1; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: fputs("Try 'wxingest --help'.\n", stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc && !o->from_pages) return usage_error(cmd, "PATHs are read with --from-pages", argv[optind]);
    o->pages = argv + optind;
    o->npages = (size_t)(argc - optind);
    o->follow_in = cli->lists[0];
    o->nfollow_in = cli->counts[0];
    o->histories = cli->lists[1];
    o->nhistories = cli->counts[1];
    o->albums = cli->lists[2];
    o->nalbums = cli->counts[2];
    if (!o->from_pages && !o->nhistories && !o->nalbums && !o->wayback)
        return usage_error(cmd, "no source given (--from-pages, --history, --album or --wayback)", NULL);
    return 0;
}

/* discover: parse the options, then run the sources (output/discover.c). */
static int cmd_discover(int argc, char **argv)
{
    discover_cli cli;
    memset(&cli, 0, sizeof cli);
    wx_discover_opts_init(&cli.o);
    int rc = parse_discover_args(argc, argv, &cli);
    if (rc == 0) {
        catch_signals();
        cli.o.fetch.stop = &got_signal;
        rc = wx_discover(&cli.o, stdout);
        if (got_signal) rc = signal_exit();
    } else if (rc == -1) {
        rc = 0;
    }
    for (int i = 0; i < 3; i++) free(cli.lists[i]);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fputs(usage_text, stderr); return EXIT_USAGE; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("wxingest %s\n", WX_VERSION);
        return 0;
    }
    if (strcmp(cmd, "parse") == 0) return cmd_parse(argc - 1, argv + 1);
    if (strcmp(cmd, "fetch") == 0) return cmd_fetch(argc - 1, argv + 1, 0);
    if (strcmp(cmd, "run") == 0) return cmd_fetch(argc - 1, argv + 1, 1);
    if (strcmp(cmd, "schema") == 0) return cmd_schema(argc - 1, argv + 1);
    if (strcmp(cmd, "discover") == 0) return cmd_discover(argc - 1, argv + 1);
    fprintf(stderr, "wxingest: unknown command or option '%s'\n", cmd);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}
