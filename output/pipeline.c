/*
 * The pipeline behind parse and run (pipeline.h): run state, sinks,
 * --incremental, the ordered thread pool, progress and summary.
 *
 * wx_pipeline_run() loads and parses documents in `jobs` worker threads and
 * stores each result on the calling thread, in input order.  A worker
 * also serialises the record to its JSON line and frees it (unless a
 * database sink reads the object), so the calling thread only writes
 * bytes.  At most a window of inputs is in flight (being parsed, or parsed
 * and waiting for an earlier one); a worker frees the page bytes once
 * parsed, so only lines wait.  wx_parse is thread-safe; the sinks are not,
 * so with --incremental (the workers' lookup) every sink call holds
 * sink_mu.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../ingest/strmap.h"
#include "../ingest/util.h"
#include "../parse/parse.h"
#include "../parse/ocr.h"
#include "ocr_images.h"
#include "output.h"
#include "pipeline.h"
#include "sink.h"

/* Set by SIGINT/SIGTERM; the pool and the fetcher poll it and wind down. */
static volatile sig_atomic_t got_signal = 0;

/* Async-signal-safe: only the flag is touched. */
static void on_signal(int sig) { got_signal = sig; }

/* No SA_RESTART: a blocked read or poll should return and let us stop. */
void wx_signals_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Callers ask rather than share the variable, so one file owns it. */
int wx_signal_caught(void) { return got_signal; }

/* The fetcher's options hold a pointer to poll between transfers. */
volatile sig_atomic_t *wx_signal_flag(void) { return &got_signal; }

/* 128 + the signal, as shells report it. */
int wx_signal_exit(void) { return got_signal == SIGINT ? WX_EXIT_SIGINT : WX_EXIT_SIGTERM; }

/* FNV-1a of the path or URL, so every machine given the same list agrees
 * on the shards without talking to the others. */
unsigned wx_shard_of(const char *s, unsigned n)
{
    return (unsigned)(wx_hash_str(s) % n);
}

/* A whole number from the environment: 0, or -1 when unset or not one. */
static int env_count(const char *name, long *out)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v) return -1;
    long n = strtol(v, &end, 10);
    if (*end || n < 0 || n > 1000000) return -1;
    *out = n;
    return 0;
}

/* --shard auto: K and N from the batch system that started us.  A
 * Kubernetes indexed Job numbers its pods 0..JOB_COMPLETIONS-1, as --shard
 * does; a Slurm array numbers its tasks from SLURM_ARRAY_TASK_MIN (often
 * 1) in steps of SLURM_ARRAY_TASK_STEP, so its task ID is moved to 0..N-1.
 * Returns NULL or a message for the user. */
static const char *shard_auto(unsigned *k, unsigned *n)
{
    long id, count, min = 0, max, step = 1;
    if (env_count("JOB_COMPLETION_INDEX", &id) == 0) {
        if (env_count("JOB_COMPLETIONS", &count) != 0)
            return "--shard auto: JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not a count "
                   "(give the Job's completions to the pod, see the README)";
    } else if (env_count("SLURM_ARRAY_TASK_ID", &id) == 0) {
        int have_min = env_count("SLURM_ARRAY_TASK_MIN", &min) == 0;
        if (env_count("SLURM_ARRAY_TASK_STEP", &step) != 0 || step < 1) step = 1;
        if (env_count("SLURM_ARRAY_TASK_COUNT", &count) != 0) {
            if (!have_min || env_count("SLURM_ARRAY_TASK_MAX", &max) != 0 || max < min)
                return "--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT "
                       "nor SLURM_ARRAY_TASK_MIN and _MAX are";
            count = (max - min) / step + 1;
        }
        if (id < min || (id - min) % step) return "--shard auto: SLURM_ARRAY_TASK_ID is not a task of the array";
        id = (id - min) / step;
    } else {
        return "--shard auto: neither JOB_COMPLETION_INDEX and JOB_COMPLETIONS (Kubernetes indexed Job) "
               "nor SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm array) are set";
    }
    if (count < 1 || count > 65536 || id >= count)
        return "--shard auto: the task index is not below the task count (or the count is over 65536)";
    *k = (unsigned)id;
    *n = (unsigned)count;
    return NULL;
}

/* The values live beside the run they steer, as the fetcher's do
 * (wx_fetch_opt_set), so main.c only maps option names. */
const char *wx_run_opt_set(wx_run_opts *o, const char *name, const char *v)
{
    char extra;
    if (strcmp(name, "output") == 0) o->out_path = v;
    else if (strcmp(name, "lock") == 0) o->lock_path = v;
    else if (strcmp(name, "incremental") == 0) o->incremental = 1;
    else if (strcmp(name, "no-search-index") == 0) o->no_search_index = 1;
    else if (strcmp(name, "append") == 0) o->append = 1;
    else if (strcmp(name, "quiet") == 0) o->quiet = 1;
    else if (strcmp(name, "changes") == 0) o->changes = 1;
    else if (strcmp(name, "db") == 0) {
        if (!wx_db_url_is_db(v)) return "--db wants sqlite:PATH or postgres://...";
        o->db_url = v;
    } else if (strcmp(name, "log-format") == 0) {
        if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0) return "--log-format is text or json";
        o->json_log = strcmp(v, "json") == 0;
    } else if (strcmp(name, "shard") == 0) {
        if (strcmp(v, "auto") == 0) return shard_auto(&o->shard_k, &o->shard_n);
        if (sscanf(v, "%u/%u%c", &o->shard_k, &o->shard_n, &extra) != 2 || o->shard_n == 0 ||
            o->shard_n > 65536 || o->shard_k >= o->shard_n)
            return "--shard wants K/N with 0 <= K < N";
    } else if (strcmp(name, "batch") == 0) {
        if (sscanf(v, "%d%c", &o->batch, &extra) != 1 || o->batch < 1 || o->batch > 1000000)
            return "--batch wants a record count from 1";
    } else return "not a run option";
    return NULL;
}

/* Caught before anything is opened: a usage error, not a failed run. */
const char *wx_run_opts_check(const wx_run_opts *o)
{
    int to_stdout = !o->out_path || strcmp(o->out_path, "-") == 0;
    if (o->append && to_stdout) return "--append needs -o FILE";
    if (o->incremental && !o->db_url && to_stdout) return "--incremental needs --db or -o FILE (where the state is kept)";
    return NULL;
}

struct wx_pipeline {
    wx_sinks sinks;
    int incremental;
    int lock_fd;
    int jobs;
    int exit_code;
    int stop;                   /* a sink failed: no point going on */
    size_t done, total;
    int progress;
    size_t parsed, ok, failed, n_new, n_changed, n_unchanged;
    struct timespec t0;
    wx_ocr_run *ocr;            /* --ocr; NULL without */
    wx_image_files *files;      /* the files behind records' images (and their OCR) */
    int keep_objects;           /* a sink reads record objects, not only lines */
};

/* 74 beats 66 beats 65: the most serious problem decides. */
void wx_pipeline_note_exit(wx_pipeline *pl, int code)
{
    if (code == WX_EXIT_IOERR || (code == WX_EXIT_NOINPUT && pl->exit_code != WX_EXIT_IOERR) ||
        (code == WX_EXIT_DATAERR && pl->exit_code == 0))
        pl->exit_code = code;
}

/* A sink that fails ends the run: log why, exit 74. */
static void sink_failed(wx_pipeline *pl, char *err)
{
    wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
    free(err);
    wx_pipeline_note_exit(pl, WX_EXIT_IOERR);
    pl->stop = 1;
}

/* What every unattended command sets up before touching anything, so a
 * run that finds the lock held has done nothing. */
int wx_unattended_start(const wx_run_opts *o, int *lock_fd)
{
    char *err = NULL;
    long holder = 0;
    wx_log_setup(o->quiet, o->json_log);
    if (!o->lock_path) return 0;
    *lock_fd = wx_lock_take(o->lock_path, &holder, &err);
    if (*lock_fd == -2) {
        /* not an error: the previous run is still going (quiet under --quiet) */
        wx_log(WX_LOG_WARN, o->lock_path, "another wxingest run (pid %ld) holds the lock; exiting", holder);
        return WX_EXIT_TEMPFAIL;
    }
    if (*lock_fd < 0) { wx_log(WX_LOG_ERROR, NULL, "%s", err); free(err); return WX_EXIT_IOERR; }
    return 0;
}

/* A progress line is for a person watching a terminal: not under --quiet,
 * and not between JSON log lines. */
int wx_progress_wanted(const wx_run_opts *o)
{
    return isatty(STDERR_FILENO) && !o->quiet && !o->json_log;
}

/* The database first (a server that cannot be reached leaves no output
 * file behind), then JSON Lines when -o is given or there is no --db. */
static int open_sinks(wx_pipeline *pl, const wx_run_opts *o)
{
    char *err = NULL;
    wx_sink *s;
    if (o->db_url) {
        int flags = o->no_search_index ? WX_DB_NO_SEARCH : 0;
        if (!(s = wx_db_sink_new(o->db_url, o->batch, flags, &err)) || wx_sinks_add(&pl->sinks, s) != 0) goto fail;
    }
    if (o->changes) {
        /* FILE.changes beside -o FILE, else the caller's place (the store) */
        int to_file = o->out_path && strcmp(o->out_path, "-") != 0;
        char *state = to_file ? wx_strf("%s.changes", o->out_path) : o->changes_state ? strdup(o->changes_state) : NULL;
        s = state ? wx_changes_sink_new(o->out_path, o->append, state, o->key_field, &err) : NULL;
        free(state);
        if (!s || wx_sinks_add(&pl->sinks, s) != 0) goto fail;
    } else if (o->out_path || !o->db_url) {
        s = wx_jsonl_sink_new(o->out_path, o->append, o->incremental, o->key_field, &err);
        if (!s || wx_sinks_add(&pl->sinks, s) != 0) goto fail;
    }
    return 0;
fail:
    wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
    free(err);
    return WX_EXIT_IOERR;
}

/* Everything a run needs before its first input.  On failure the
 * pipeline is closed here (without a summary: nothing ran). */
int wx_pipeline_open(const wx_run_opts *o, wx_pipeline **out)
{
    wx_pipeline *pl = calloc(1, sizeof *pl);
    *out = NULL;
    if (!pl) return WX_EXIT_IOERR;
    clock_gettime(CLOCK_MONOTONIC, &pl->t0);
    pl->incremental = o->incremental;
    pl->jobs = o->jobs;
    pl->ocr = o->ocr;
    pl->lock_fd = -1;
    pl->progress = wx_progress_wanted(o);
    int rc = wx_unattended_start(o, &pl->lock_fd);
    if (rc == 0) rc = open_sinks(pl, o);
    if (rc != 0) {
        char *err = NULL;
        wx_sinks_finish(&pl->sinks, 1, &err);
        free(err);
        wx_sinks_free(&pl->sinks);
        if (pl->lock_fd >= 0) close(pl->lock_fd);
        free(pl);
        return rc;
    }
    *out = pl;
    return 0;
}

/* With --incremental: which sinks lack these bytes.  Returns 1 when the
 * document can be skipped (every sink has it, or a sink failed). */
static int already_stored(wx_pipeline *pl, const wx_doc *doc, const char *key, wx_sink_mask *want)
{
    *want = wx_sinks_all(&pl->sinks);
    if (!pl->incremental || doc->status != WX_DOC_OK) return 0;
    int seen;
    char *err = NULL;
    if (wx_sinks_seen(&pl->sinks, key, doc->sha256, want, &seen, &err) != 0) { sink_failed(pl, err); return 1; }
    if (!*want) { pl->n_unchanged++; return 1; }
    if (seen == WX_SEEN_CHANGED) pl->n_changed++;
    else pl->n_new++;
    return 0;
}

/* One input on its way through: what the source gave, then what parsing
 * gave, waiting for its turn to be stored.  The slot owns everything in
 * it; whoever holds the slot frees it (slot_free). */
typedef struct parse_slot {
    wx_input in;
    char *line;                 /* the record's JSON line; NULL when skipped or out of memory */
    size_t len;
    json_t *rec;                /* the record, kept only for sinks that read it */
    char *sha256;               /* source.sha256, kept only for --incremental */
    char *error;                /* a record with status "error": its message */
    int loaded, skipped, parsed, failed;
    wx_sink_mask want;
    int ready;
} parse_slot;

/* Count a parsed record, report it when it is an error, and write it to
 * the sinks that lack it.  The only place records reach the sinks, called
 * in input order from one thread.  Returns -1 when a sink failed. */
static int store_record(wx_pipeline *pl, const parse_slot *slot)
{
    const char *name = slot->in.name;
    pl->parsed++;
    if (slot->failed) {
        wx_log(WX_LOG_ERROR, name, "%s", slot->error ? slot->error : "cannot parse");
        wx_pipeline_note_exit(pl, WX_EXIT_DATAERR);
        pl->failed++;
    } else {
        pl->ok++;
    }
    char *err = NULL;
    wx_sink_rec r = {slot->line, slot->len, slot->rec, slot->sha256};
    if (slot->parsed && !slot->line) sink_failed(pl, NULL);     /* out of memory serialising */
    else if (slot->line && wx_sinks_put(&pl->sinks, &r, name, slot->want, &err) != 0) sink_failed(pl, err);
    if (pl->progress && pl->total) fprintf(stderr, "\rwxingest: %zu/%zu", pl->done, pl->total);
    else if (pl->progress) fprintf(stderr, "\rwxingest: %zu", pl->done);
    return pl->stop ? -1 : 0;
}

/* A stored copy is parsed as the URL it was fetched from. */
static void take_source_of(wx_doc *doc, wx_input *in)
{
    free(doc->url);
    free(doc->fetched_at);
    doc->url = in->url;
    doc->fetched_at = in->fetched_at;
    doc->wayback = in->wayback;
    free(doc->captured_at);
    doc->captured_at = in->captured_at;
    in->url = in->fetched_at = in->captured_at = NULL;
}

/* Where a page's image files are looked for: its NAME_files/ folder beside
 * a saved page, or the store its path is in; a WARC record's path
 * (FILE#OFFSET) has neither. */
static const char *image_page_path(const wx_doc *doc)
{
    return doc->container == WX_CONTAINER_WARC ? NULL : doc->path;
}

/* Everything the calling thread needs from a record, taken in the worker
 * that built it: its line (serialising is a fifth of a small document's
 * time), whether it is an error and why, its sha256 for --incremental.
 * The record itself is freed here unless a sink reads it (a database). */
static void digest_record(wx_pipeline *pl, parse_slot *slot, json_t *rec)
{
    const char *status = json_string_value(json_object_get(rec, "status"));
    if (status && strcmp(status, "error") == 0) {
        const char *msg = json_string_value(json_object_get(json_object_get(rec, "error"), "message"));
        slot->failed = 1;
        slot->error = msg ? strdup(msg) : NULL;
    }
    const char *sha = json_string_value(json_object_get(json_object_get(rec, "source"), "sha256"));
    if (pl->incremental && sha) slot->sha256 = strdup(sha);
    slot->parsed = 1;
    slot->line = wx_jsonl_line(rec, &slot->len);
    if (pl->keep_objects && slot->line) slot->rec = rec;
    else json_decref(rec);
}

/* Load and parse one input into slot.  With --incremental, a document the
 * sinks already have is not parsed.  sink_mu: held around sink calls
 * (NULL when this is the only thread using the sinks). */
static void parse_input(wx_pipeline *pl, pthread_mutex_t *sink_mu, parse_slot *slot)
{
    wx_input *in = &slot->in;
    if (in->absent) { slot->loaded = slot->skipped = 1; return; }
    if (in->failed) return;
    wx_doc *doc = in->doc ? in->doc : wx_doc_load(in->load_path ? in->load_path : in->name);
    in->doc = NULL;
    if (!doc) return;
    if (in->url) take_source_of(doc, in);
    slot->loaded = 1;
    if (sink_mu) pthread_mutex_lock(sink_mu);
    slot->skipped = already_stored(pl, doc, in->name, &slot->want);
    if (sink_mu) pthread_mutex_unlock(sink_mu);
    json_t *rec = slot->skipped ? NULL : wx_parse(doc);
    if (rec && pl->files) wx_image_files_fill(pl->files, rec, image_page_path(doc));
    wx_doc_free(doc);
    if (rec) digest_record(pl, slot, rec);
    else if (!slot->skipped) slot->failed = 1;     /* out of memory parsing: "cannot parse" */
}

/* Free what the source handed out (whatever was not taken). */
static void input_free(wx_input *in)
{
    free(in->name);
    free(in->load_path);
    free(in->url);
    free(in->fetched_at);
    free(in->captured_at);
    wx_doc_free(in->doc);
    memset(in, 0, sizeof *in);
}

/* Everything a slot holds, and the slot emptied for the next input. */
static void slot_free(parse_slot *slot)
{
    input_free(&slot->in);
    free(slot->line);
    json_decref(slot->rec);
    free(slot->sha256);
    free(slot->error);
    memset(slot, 0, sizeof *slot);
}

/* Store one parsed input, on the calling thread, in input order.  Returns
 * -1 when a sink failed. */
static int store_input(wx_pipeline *pl, pthread_mutex_t *sink_mu, parse_slot *slot)
{
    pl->done++;
    if (!slot->loaded) {
        wx_log(WX_LOG_ERROR, slot->in.name, "out of memory");
        wx_pipeline_note_exit(pl, WX_EXIT_DATAERR);
        return 0;
    }
    if (slot->skipped) return pl->stop ? -1 : 0;
    if (sink_mu) pthread_mutex_lock(sink_mu);
    int rc = store_record(pl, slot);
    if (sink_mu) pthread_mutex_unlock(sink_mu);
    return rc;
}

/* The ordered window.  Workers take inputs in order and park each result
 * in its slot; the calling thread stores them in order, a run of ready
 * slots at a time.  Nobody is woken per document: the sleeping calling
 * thread is woken when both the next slot in order and the slot `wake_at`
 * (a quarter window ahead, or the last input) are ready, and workers
 * waiting for room are woken once per stored run. */
typedef struct parse_pool {
    wx_source *src;
    wx_pipeline *pl;
    parse_slot *slots;
    size_t window, batch;
    size_t taken, emitted;      /* inputs handed to workers; results stored */
    size_t wake_at;             /* the slot the sleeping calling thread waits for */
    int exhausted, stop;
    int storer_waits, workers_waiting;
    pthread_mutex_t mu;         /* guards the fields above and src */
    pthread_mutex_t sink_mu;    /* --incremental: the workers ask the sinks too */
    pthread_cond_t room;        /* slots were freed (or stop) */
    pthread_cond_t done;        /* slot wake_at became ready (or no more will) */
} parse_pool;

/* A worker parks its last result and takes the next input in one visit to
 * the lock, then parses unlocked. */
static void *parse_worker(void *arg)
{
    parse_pool *pool = arg;
    pthread_mutex_t *sink_mu = pool->pl->incremental ? &pool->sink_mu : NULL;
    parse_slot mine;
    size_t at = 0;
    int have = 0;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        if (have) {
            pool->slots[at % pool->window] = mine;
            if (pool->storer_waits && pool->slots[pool->emitted % pool->window].ready &&
                pool->slots[pool->wake_at % pool->window].ready)
                pthread_cond_signal(&pool->done);
            have = 0;
        }
        while (!pool->stop && !pool->exhausted && pool->taken >= pool->emitted + pool->window) {
            pool->workers_waiting++;
            pthread_cond_wait(&pool->room, &pool->mu);
            pool->workers_waiting--;
        }
        if (pool->stop || pool->exhausted) break;
        memset(&mine, 0, sizeof mine);
        if (!pool->src->next(pool->src->ctx, &mine.in)) {
            pool->exhausted = 1;
            pthread_cond_signal(&pool->done);
            break;
        }
        at = pool->taken++;
        pthread_mutex_unlock(&pool->mu);
        parse_input(pool->pl, sink_mu, &mine);
        mine.ready = 1;
        have = 1;
        pthread_mutex_lock(&pool->mu);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

/* The pool's calling thread: store results in input order, a run of ready
 * slots per visit to the lock, until every input is done, a sink fails or
 * a signal arrives. */
static void store_in_order(parse_pool *pool, parse_slot *run)
{
    pthread_mutex_t *sink_mu = pool->pl->incremental ? &pool->sink_mu : NULL;
    int stop = 0;
    pthread_mutex_lock(&pool->mu);
    while (!stop) {
        size_t n = 0;
        for (parse_slot *s; n < pool->window && (s = &pool->slots[pool->emitted % pool->window])->ready; n++) {
            run[n] = *s;
            memset(s, 0, sizeof *s);
            pool->emitted++;
        }
        if (n == 0) {
            if ((pool->exhausted && pool->emitted == pool->taken) || got_signal) break;
            pool->wake_at = pool->emitted + pool->batch - 1;
            if (pool->exhausted && pool->wake_at >= pool->taken) pool->wake_at = pool->taken - 1;
            pool->storer_waits = 1;
            pthread_cond_wait(&pool->done, &pool->mu);
            pool->storer_waits = 0;
            continue;
        }
        if (pool->workers_waiting) pthread_cond_broadcast(&pool->room);
        pthread_mutex_unlock(&pool->mu);
        for (size_t i = 0; i < n; i++) {
            if (!stop) stop = store_input(pool->pl, sink_mu, &run[i]) != 0 || got_signal;
            slot_free(&run[i]);                     /* after a stop: dropped */
        }
        pthread_mutex_lock(&pool->mu);
    }
    pool->stop = 1;
    pthread_cond_broadcast(&pool->room);
    pthread_mutex_unlock(&pool->mu);
}

/* No threads: the plain loop, for -j 1. */
static void run_serial(wx_pipeline *pl, wx_source *src)
{
    parse_slot slot = {0};
    while (!got_signal && src->next(src->ctx, &slot.in)) {
        parse_input(pl, NULL, &slot);
        int stop = store_input(pl, NULL, &slot) != 0;
        slot_free(&slot);
        if (stop) break;
    }
}

/* The threads, the ordered hand-over, and the clean-up of results parsed
 * after a stop (dropped).  The window is 32 inputs a thread (at most 256):
 * only results wait in it, and a long one lets the calling thread store a
 * quarter window per wake-up.  A database gets 256 at any -j: its writer
 * stalls at commits and WAL restarts, and 32 results at -j 1 (12 ms of
 * archives) left the worker waiting (5,000 archives: 2.63 -> 2.29 s).
 * Returns -1 when no thread could be started. */
static int run_pool(wx_pipeline *pl, wx_source *src)
{
    int jobs = pl->jobs;
    size_t window = (size_t)jobs * 32 < 256 && !pl->keep_objects ? (size_t)jobs * 32 : 256;
    parse_pool pool = {.src = src, .pl = pl, .window = window, .batch = window / 4};
    pool.slots = calloc(pool.window, sizeof *pool.slots);
    parse_slot *run = calloc(pool.window, sizeof *run);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!pool.slots || !run || !threads) { free(pool.slots); free(run); free(threads); return -1; }
    pthread_mutex_init(&pool.mu, NULL);
    pthread_mutex_init(&pool.sink_mu, NULL);
    pthread_cond_init(&pool.room, NULL);
    pthread_cond_init(&pool.done, NULL);
    int started = 0;
    while (started < jobs && pthread_create(&threads[started], NULL, parse_worker, &pool) == 0) started++;
    if (started) store_in_order(&pool, run);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    for (size_t i = 0; i < pool.window; i++) slot_free(&pool.slots[i]);
    pthread_mutex_destroy(&pool.mu);
    pthread_mutex_destroy(&pool.sink_mu);
    pthread_cond_destroy(&pool.room);
    pthread_cond_destroy(&pool.done);
    free(pool.slots);
    free(run);
    free(threads);
    return started ? 0 : -1;
}

/* Parse every input of src with pl->jobs threads, storing the records in
 * input order; the progress line is ended here. */
void wx_pipeline_run(wx_pipeline *pl, wx_source *src)
{
    pl->total = src->total;
    if (pl->total == 1) pl->progress = 0;           /* one URL: nothing to count */
    pl->files = wx_image_files_new(pl->ocr, src->store);
    if (!pl->files) wx_log(WX_LOG_WARN, NULL, "out of memory: images are not looked up in files");
    wx_log_progress_shown(pl->progress);
    wx_parse_init();
    json_decref(json_object());                     /* jansson's hash seed, before any thread */
    pl->keep_objects = wx_sinks_need_object(&pl->sinks);
    /* A database's writes take longer than the parsing itself: even at
     * -j 1 they get the calling thread while a worker parses ahead.  Not
     * with --incremental, where each input is looked up only once the one
     * before it is stored (so a copy later in the same run is known). */
    if (pl->jobs <= 1 && (!pl->keep_objects || pl->incremental)) run_serial(pl, src);
    else if (run_pool(pl, src) != 0) {
        wx_log(WX_LOG_ERROR, NULL, "parse: cannot start threads");
        wx_pipeline_note_exit(pl, WX_EXIT_IOERR);
    }
    if (pl->progress && pl->done) fputc('\n', stderr);
    wx_log_progress_shown(0);
    wx_image_files_free(pl->files);
    pl->files = NULL;
}

/* The end-of-run line: documents, ok, failed, seconds (and the
 * incremental counts). */
static void log_summary(const wx_pipeline *pl)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - pl->t0.tv_sec) + (double)(t1.tv_nsec - pl->t0.tv_nsec) / 1e9;
    if (pl->incremental) {
        json_t *f = json_pack("{s:I, s:I, s:I}", "new", (json_int_t)pl->n_new, "changed", (json_int_t)pl->n_changed,
                              "unchanged", (json_int_t)pl->n_unchanged);
        wx_log_fields(WX_LOG_INFO, "incremental:", f);
        json_decref(f);
    }
    json_t *f = json_pack("{s:I, s:I, s:I, s:f}", "documents", (json_int_t)pl->parsed, "ok", (json_int_t)pl->ok,
                          "failed", (json_int_t)pl->failed, "seconds", secs);
    wx_log_fields(WX_LOG_INFO, "summary:", f);
    json_decref(f);
    if (pl->ocr) {
        f = json_pack("{s:I, s:I, s:I, s:I}", "read", (json_int_t)pl->ocr->read, "cached", (json_int_t)pl->ocr->cached,
                      "skipped", (json_int_t)pl->ocr->skipped, "failed", (json_int_t)pl->ocr->failed);
        wx_log_fields(WX_LOG_INFO, "ocr images:", f);
        json_decref(f);
    }
}

/* Commit what is open and put the output in place, even after a signal or
 * a failed sink: what was written is then consistent with the state, and
 * a rerun with --incremental takes up exactly the rest. */
int wx_pipeline_close(wx_pipeline *pl)
{
    char *err = NULL;
    if (wx_sinks_finish(&pl->sinks, pl->stop, &err) != 0) sink_failed(pl, err);
    wx_sinks_free(&pl->sinks);
    if (got_signal) wx_log(WX_LOG_WARN, NULL, "interrupted by %s; the work done so far is saved", strsignal(got_signal));
    log_summary(pl);
    if (pl->ocr) wx_ocr_thread_end();           /* the calling thread's engines (-j 1) */
    if (pl->lock_fd >= 0) close(pl->lock_fd);
    int rc = got_signal ? wx_signal_exit() : pl->exit_code;
    free(pl);
    return rc;
}
