/*
 * wxingest: the command-line driver.  It only wires the modules together:
 * ingest (inputs → documents) → parse (document → record) → output.
 * Exit codes follow sysexits(3): 0 ok, 64 usage, 65 some input could not be
 * parsed (or, for fetch and run, some URL could not be fetched), 66 an input
 * path does not exist, 74 output or store write error; 130/143 after
 * SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "output/output.h"
#include "parse/parse.h"

#ifndef WX_VERSION
#define WX_VERSION "dev"
#endif

enum { EXIT_USAGE = 64, EXIT_DATAERR = 65, EXIT_NOINPUT = 66, EXIT_IOERR = 74 };

static const char usage_text[] =
    "usage: wxingest parse [-o FILE] [-j N] [--files-from LIST] PATH...\n"
    "       wxingest fetch [--store DIR] [-i LIST] [options] [URL...]\n"
    "       wxingest run [--store DIR] [-i LIST] [options] [-o FILE] [URL...]\n"
    "       wxingest --help | --version\n"
    "\n"
    "Parse saved WeChat Official Account article pages into JSON Lines records\n"
    "(schema wxingest.record/1), one per input page, in input order.\n"
    "\n"
    "PATH is a file (.html, .htm, .mht, .mhtml, markdown archives, any of them\n"
    "gzip-compressed), a directory (walked recursively in sorted order), or -\n"
    "for standard input.\n"
    "\n"
    "  -o, --output FILE   write records to FILE instead of standard output\n"
    "  -j, --jobs N        parse in N threads (default 1); records stay in input order\n"
    "  --files-from LIST   also read PATHs from LIST, one a line (- is stdin)\n"
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
    "Exit status: 0 every input gave a record; 65 some inputs could not be\n"
    "parsed (they still get a record with status \"error\") or some URL could\n"
    "not be fetched; 66 an input path or URL list does not exist; 64 usage\n"
    "error; 74 output or store write error; 130/143 interrupted by SIGINT/SIGTERM.\n";

static void report(void *ctx, const char *path, const char *reason)
{
    (void)ctx;
    fprintf(stderr, "wxingest: %s: %s\n", path, reason);
}

typedef struct {
    FILE *out;
    const char *out_name;
    int exit_code;
    size_t done, total;
    int progress;
} run_state;

static void note_exit(run_state *st, int code)
{
    /* 74 beats 66 beats 65: the most serious problem decides. */
    if (code == EXIT_IOERR || (code == EXIT_NOINPUT && st->exit_code != EXIT_IOERR) ||
        (code == EXIT_DATAERR && st->exit_code == 0))
        st->exit_code = code;
}

/* Write the record of one document; name is what problems are reported
 * under.  Takes ownership of doc (may be NULL) and rec. */
static int emit_record(run_state *st, wx_doc *doc, json_t *rec, const char *name)
{
    const char *status = rec ? json_string_value(json_object_get(rec, "status")) : "error";
    if (status && strcmp(status, "error") == 0) {
        json_t *err = rec ? json_object_get(json_object_get(rec, "error"), "message") : NULL;
        fprintf(stderr, "wxingest: %s: %s\n", name, err ? json_string_value(err) : "cannot parse");
        note_exit(st, EXIT_DATAERR);
    }
    int rc = 0;
    if (rec && wx_jsonl_write(st->out, rec) != 0) {
        fprintf(stderr, "wxingest: %s: %s\n", st->out_name, strerror(errno));
        note_exit(st, EXIT_IOERR);
        rc = -1;
    }
    json_decref(rec);
    wx_doc_free(doc);
    st->done++;
    if (st->progress) {
        if (st->total) fprintf(stderr, "\rwxingest: %zu/%zu", st->done, st->total);
        else fprintf(stderr, "\rwxingest: %zu", st->done);
    }
    return rc;
}

/* Parse one loaded document and write its record.  Takes ownership of doc. */
static int parse_doc(run_state *st, wx_doc *doc, const char *name)
{
    return emit_record(st, doc, wx_parse(doc), name);
}

/* ---------- the inputs of parse, and parsing them in N threads ----------
 *
 * Inputs come from a path source: the command-line arguments (each walked
 * as it is reached) and, with --files-from, a list read one line at a time.
 * Nothing holds the whole batch, so memory does not grow with it.
 *
 * parse_all() loads and parses documents in `jobs` worker threads and hands
 * each record to the caller's callback on the calling thread, in input
 * order.  A worker frees the page as soon as it is parsed; at most `window`
 * inputs are in flight (being parsed, or parsed and their record waiting
 * for an earlier one), so memory is bounded by the window, not the batch.
 * wx_parse is thread-safe; everything else (output, exit status, progress)
 * happens on the calling thread. */

typedef struct path_source {
    char **args; int nargs, next_arg;   /* command-line PATHs */
    FILE *list;                         /* --files-from: one PATH a line, or NULL */
    const char *list_name;
    wx_pathlist pending;                /* files of the argument being walked */
    size_t next_pending;
    int missing;                        /* some PATH did not exist (exit 66) */
} path_source;

/* The next input file (malloc'd), or NULL when there are no more. */
static char *source_next(path_source *src)
{
    for (;;) {
        if (src->next_pending < src->pending.count) {
            char *p = src->pending.paths[src->next_pending];
            src->pending.paths[src->next_pending++] = NULL;
            return p;
        }
        wx_pathlist_free(&src->pending);
        memset(&src->pending, 0, sizeof src->pending);
        src->next_pending = 0;
        const char *arg = NULL;
        char *line = NULL;
        size_t cap = 0;
        if (src->next_arg < src->nargs) {
            arg = src->args[src->next_arg++];
        } else if (src->list) {
            ssize_t n = getline(&line, &cap, src->list);
            if (n < 0) { free(line); src->list = NULL; continue; }
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            if (n == 0) { free(line); continue; }
            arg = line;
        } else {
            return NULL;
        }
        if (wx_walk(arg, &src->pending, report, NULL) != 0) src->missing = 1;
        free(line);
    }
}

/* Gets each record (NULL: the document could not even be allocated). */
typedef int (*record_fn)(void *ctx, json_t *rec, const char *path);

/* Load and parse one input; the page bytes are freed at once, so only
 * records wait in the window. */
static json_t *load_and_parse(const char *path)
{
    wx_doc *doc = wx_doc_load(path);
    json_t *rec = doc ? wx_parse(doc) : NULL;
    wx_doc_free(doc);
    return rec;
}

typedef struct {
    char *path;
    json_t *rec;
    int ready;
} parse_slot;

typedef struct {
    path_source *src;
    parse_slot *slots;
    size_t window;
    size_t taken, emitted;     /* inputs handed to workers; records given to the callback */
    int exhausted, stop;
    pthread_mutex_t mu;
    pthread_cond_t room;       /* a slot was freed (or stop) */
    pthread_cond_t done;       /* a slot became ready */
} parse_pool;

static void *parse_worker(void *arg)
{
    parse_pool *pool = arg;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        while (!pool->stop && !pool->exhausted && pool->taken >= pool->emitted + pool->window)
            pthread_cond_wait(&pool->room, &pool->mu);
        if (pool->stop || pool->exhausted) break;
        char *path = source_next(pool->src);
        if (!path) { pool->exhausted = 1; pthread_cond_broadcast(&pool->done); break; }
        parse_slot *slot = &pool->slots[pool->taken++ % pool->window];
        pthread_mutex_unlock(&pool->mu);
        json_t *rec = load_and_parse(path);
        pthread_mutex_lock(&pool->mu);
        slot->path = path;
        slot->rec = rec;
        slot->ready = 1;
        pthread_cond_broadcast(&pool->done);
    }
    pthread_mutex_unlock(&pool->mu);
    return NULL;
}

/* Parse every input of src with `jobs` threads; fn gets the records in
 * input order and may return non-zero to stop.  Returns 0, or -1 when the
 * threads could not be started. */
static int parse_all(path_source *src, int jobs, record_fn fn, void *ctx)
{
    if (jobs <= 1) {                            /* no threads: the plain loop */
        char *path;
        int stop = 0;
        while (!stop && (path = source_next(src)) != NULL) {
            stop = fn(ctx, load_and_parse(path), path) != 0;
            free(path);
        }
        return 0;
    }
    parse_pool pool = {.src = src, .window = (size_t)jobs * 4};
    pool.slots = calloc(pool.window, sizeof *pool.slots);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!pool.slots || !threads) { free(pool.slots); free(threads); return -1; }
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.room, NULL);
    pthread_cond_init(&pool.done, NULL);
    int started = 0;
    while (started < jobs && pthread_create(&threads[started], NULL, parse_worker, &pool) == 0) started++;
    int rc = started ? 0 : -1;
    pthread_mutex_lock(&pool.mu);
    while (started) {
        parse_slot *slot = &pool.slots[pool.emitted % pool.window];
        while (!slot->ready && !(pool.exhausted && pool.emitted == pool.taken))
            pthread_cond_wait(&pool.done, &pool.mu);
        if (!slot->ready) break;                /* every input is done */
        parse_slot mine = *slot;
        memset(slot, 0, sizeof *slot);
        pool.emitted++;
        pthread_cond_broadcast(&pool.room);
        pthread_mutex_unlock(&pool.mu);
        int stop = fn(ctx, mine.rec, mine.path) != 0;
        free(mine.path);
        pthread_mutex_lock(&pool.mu);
        if (stop) { pool.stop = 1; pthread_cond_broadcast(&pool.room); break; }
    }
    pool.stop = 1;
    pthread_cond_broadcast(&pool.room);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    for (size_t i = 0; i < pool.window; i++) {  /* parsed after a stop: dropped */
        json_decref(pool.slots[i].rec);
        free(pool.slots[i].path);
    }
    pthread_mutex_destroy(&pool.mu);
    pthread_cond_destroy(&pool.room);
    pthread_cond_destroy(&pool.done);
    free(pool.slots);
    free(threads);
    return rc;
}

/* parse's callback: write the record (or report a document that could not
 * even be allocated). */
static int emit_parsed(void *ctx, json_t *rec, const char *path)
{
    run_state *st = ctx;
    if (!rec) {
        fprintf(stderr, "wxingest: %s: out of memory\n", path);
        note_exit(st, EXIT_DATAERR);
        return 0;
    }
    return emit_record(st, NULL, rec, path);
}

static int parse_double(const char *s, double lo, double hi, double *out);
static int usage_error(const char *cmd, const char *what, const char *arg);

static int cmd_parse(int argc, char **argv)
{
    enum { O_FILES_FROM = 256 };
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"jobs", required_argument, NULL, 'j'},
        {"files-from", required_argument, NULL, O_FILES_FROM}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *files_from = NULL;
    int c, jobs = 1;
    double d;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:j:h", opts, NULL)) != -1) {
        if (c == 'o') out_path = optarg;
        else if (c == 'j') {
            if (parse_double(optarg, 1, 256, &d) != 0 || d != (int)d) return usage_error("parse", "bad --jobs", optarg);
            jobs = (int)d;
        } else if (c == O_FILES_FROM) files_from = optarg;
        else if (c == 'h') { fputs(usage_text, stdout); return 0; }
        else { fputs(usage_text, stderr); return EXIT_USAGE; }
    }
    if (optind >= argc && !files_from) { fputs("wxingest: parse: no input given\n", stderr); fputs(usage_text, stderr); return EXIT_USAGE; }
    path_source src = {.args = argv + optind, .nargs = argc - optind, .list_name = files_from};
    if (files_from) {
        src.list = strcmp(files_from, "-") == 0 ? stdin : fopen(files_from, "r");
        if (!src.list) { fprintf(stderr, "wxingest: %s: %s\n", files_from, strerror(errno)); return EXIT_NOINPUT; }
    }

    run_state st = {stdout, "stdout", 0, 0, 0, 0};
    if (out_path) {
        st.out = fopen(out_path, "w");
        st.out_name = out_path;
        if (!st.out) { fprintf(stderr, "wxingest: %s: %s\n", out_path, strerror(errno)); return EXIT_IOERR; }
    }
    st.progress = isatty(STDERR_FILENO);
    wx_parse_init();
    json_decref(json_object());                 /* jansson's hash seed, before any thread */
    if (parse_all(&src, jobs, emit_parsed, &st) != 0) {
        fprintf(stderr, "wxingest: parse: cannot start threads\n");
        note_exit(&st, EXIT_IOERR);
    }
    if (src.missing) note_exit(&st, EXIT_NOINPUT);
    if (st.progress && st.done) fputc('\n', stderr);
    wx_pathlist_free(&src.pending);
    if (src.list && src.list != stdin) fclose(src.list);
    if (fflush(st.out) != 0 || ferror(st.out) || (out_path && fclose(st.out) != 0)) {
        fprintf(stderr, "wxingest: %s: %s\n", st.out_name, strerror(errno ? errno : EIO));
        note_exit(&st, EXIT_IOERR);
    }
    return st.exit_code;
}

/* ---------- fetch and run ---------- */

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

/* Everything fetch and run were told on the command line. */
typedef struct fetch_cli {
    wx_fetch_opts o;
    const char *store_dir;
    const char *out_path;       /* run only */
    int is_run;
    int had_list;               /* -i was given (an empty list is not a usage error) */
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
        {"output", required_argument, NULL, 'o'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cmd = cli->is_run ? "run" : "fetch";
    double d;
    char *err = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, cli->is_run ? "i:j:A:o:h" : "i:j:A:h", opts, NULL)) != -1) {
        switch (c) {
        case O_STORE: cli->store_dir = optarg; break;
        case 'i':
            cli->had_list = 1;
            if (strcmp(optarg, "-") != 0 && access(optarg, R_OK) != 0) {
                fprintf(stderr, "wxingest: %s: %s\n", optarg, strerror(errno));
                return EXIT_NOINPUT;
            }
            if (wx_urllist_read(optarg, &cli->urls, &err) != 0) {
                fprintf(stderr, "wxingest: %s\n", err ? err : optarg);
                free(err);
                return EXIT_DATAERR;
            }
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
        case 'o':
            if (!cli->is_run) return usage_error(cmd, "-o is for run; fetch writes its lines to stdout", NULL);
            cli->out_path = optarg;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: fputs("Try 'wxingest --help'.\n", stderr); return EXIT_USAGE;
        }
    }
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

/* On a terminal the progress line is erased first so problems stay readable. */
static void problem(const fetch_out *fo, const char *subject, const char *msg)
{
    fprintf(stderr, "%swxingest: %s: %s\n", fo->progress ? "\r\033[K" : "", subject, msg);
}

/* A URL finished: report a failure now, print every line now in order. */
static void on_fetch_done(void *ctx, size_t index, const wx_fetch_result *res)
{
    fetch_out *fo = ctx;
    fo->finished[index] = 1;
    if (res->status == WX_FETCH_FAILED) problem(fo, fo->cli->urls.urls[index], res->error ? res->error : "failed");
    while (fo->next < fo->cli->urls.count && fo->finished[fo->next]) {
        if (fo->print_lines) print_result(fo, fo->next);
        fo->next++;
    }
}

/* Host-level news from the fetcher (a host given up on). */
static void on_fetch_note(void *ctx, const char *msg)
{
    const fetch_out *fo = ctx;
    fprintf(stderr, "%swxingest: %s\n", fo->progress ? "\r\033[K" : "", msg);
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
        if (!doc) { fprintf(stderr, "wxingest: %s: out of memory\n", url); note_exit(st, EXIT_DATAERR); continue; }
        free(doc->url);
        free(doc->fetched_at);
        doc->url = strdup(url);
        doc->fetched_at = fr->fetched_at ? strdup(fr->fetched_at) : NULL;
        if (parse_doc(st, doc, url) != 0) break;
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
    if (rc != 0 || cli.urls.count == 0) {
        wx_urllist_free(&cli.urls);
        if (rc == -1) return 0;
        if (rc != 0) return rc;
        if (cli.had_list) return 0;   /* an empty list: nothing to do */
        return usage_error(is_run ? "run" : "fetch", "no URL given", NULL);
    }

    run_state st = {stdout, "stdout", 0, 0, 0, 0};
    char *err = NULL;
    wx_store *store = wx_store_open(cli.store_dir, &err);
    if (!store) {
        fprintf(stderr, "wxingest: %s\n", err ? err : cli.store_dir);
        free(err);
        wx_urllist_free(&cli.urls);
        return EXIT_IOERR;
    }
    if (is_run && cli.out_path) {
        st.out = fopen(cli.out_path, "w");
        st.out_name = cli.out_path;
        if (!st.out) {
            fprintf(stderr, "wxingest: %s: %s\n", cli.out_path, strerror(errno));
            wx_store_close(store);
            wx_urllist_free(&cli.urls);
            return EXIT_IOERR;
        }
    }
    catch_signals();
    int tty = isatty(STDERR_FILENO);
    wx_fetch_result *results = calloc(cli.urls.count, sizeof *results);
    fetch_out fo = {&cli, results, calloc(cli.urls.count, 1), 0, !is_run, tty, 0};
    cli.o.progress = tty;
    cli.o.stop = &got_signal;
    cli.o.on_done = on_fetch_done;
    cli.o.on_note = on_fetch_note;
    cli.o.ctx = &fo;
    if (!results || !fo.finished || wx_fetch_all(store, &cli.urls, &cli.o, results, &err) != 0) {
        fprintf(stderr, "wxingest: %s\n", err ? err : "out of memory");
        free(err);
        note_exit(&st, EXIT_IOERR);
    } else {
        for (size_t i = 0; i < cli.urls.count; i++) {
            if (results[i].status == WX_FETCH_FAILED) note_exit(&st, results[i].store_error ? EXIT_IOERR : EXIT_DATAERR);
            wx_fetch_result_free(&results[i]);
        }
        if (fo.write_failed) {
            fprintf(stderr, "wxingest: stdout: %s\n", strerror(errno ? errno : EIO));
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
    if (is_run && (fflush(st.out) != 0 || ferror(st.out) || (cli.out_path && fclose(st.out) != 0))) {
        fprintf(stderr, "wxingest: %s: %s\n", st.out_name, strerror(errno ? errno : EIO));
        note_exit(&st, EXIT_IOERR);
    }
    return got_signal ? signal_exit() : st.exit_code;
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
    fprintf(stderr, "wxingest: unknown command or option '%s'\n", cmd);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}
