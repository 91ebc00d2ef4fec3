/*
 * wxingest: the command line.  It only reads options into option structs
 * and hands them to the drivers: output/pipeline.h (parse), output/
 * fetchrun.h (fetch, run) and output/discover.h (discover); the data flows
 * ingest (inputs → documents) → parse (document → record) → output.
 * Exit codes follow sysexits(3): 0 ok, 64 usage, 65 some input could not be
 * parsed (or, for fetch and run, some URL could not be fetched), 66 an input
 * path does not exist, 74 output, database or store write error, 75 the
 * --lock is held by another run; 130/143 after SIGINT/SIGTERM (after
 * committing and saving what was done).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/fetch.h"
#include "output/discover.h"
#include "output/fetchrun.h"
#include "output/help.h"
#include "output/images.h"
#include "output/ocr_images.h"
#include "output/output.h"
#include "output/pipeline.h"
#include "output/source.h"
#include "parse/ocr.h"

#ifndef WX_VERSION
#define WX_VERSION "dev"
#endif

/* Every usage problem looks the same: what was wrong, then where to look. */
static int usage_error(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "wxingest: %s: %s%s%s\n", cmd, what, arg ? ": " : "", arg ? arg : "");
    fputs("Try 'wxingest --help'.\n", stderr);
    return WX_EXIT_USAGE;
}

/* ---------- options about sinks and unattended runs (parse, run; fetch in part) ---------- */

enum { O_RUN = 300, O_FILES_FROM, O_OCR, O_OCR_CACHE };   /* O_RUN: a run option, named by its long name */

#define RUN_OPTIONS                                                                                 \
    {"output", required_argument, NULL, 'o'}, {"db", required_argument, NULL, O_RUN},             \
    {"lock", required_argument, NULL, O_RUN}, {"incremental", no_argument, NULL, O_RUN},          \
    {"append", no_argument, NULL, O_RUN}, {"quiet", no_argument, NULL, O_RUN},                    \
    {"log-format", required_argument, NULL, O_RUN}, {"shard", required_argument, NULL, O_RUN},    \
    {"batch", required_argument, NULL, O_RUN}, {"no-search-index", no_argument, NULL, O_RUN}

/* A run option (by its long name; -o is "output"): 0 when set, or 64. */
static int run_option(wx_run_opts *r, const char *name, const char *cmd)
{
    const char *bad = wx_run_opt_set(r, name, optarg);
    return bad ? usage_error(cmd, bad, optarg) : 0;
}

/* The rules that need every run option, as a usage error. */
static int run_check(const wx_run_opts *r, const char *cmd)
{
    const char *bad = wx_run_opts_check(r);
    return bad ? usage_error(cmd, bad, NULL) : 0;
}

/* ---------- parse ---------- */

/* What parse was told besides the run options (extend here, e.g. for
 * options handed on to the parser). */
typedef struct parse_cli {
    wx_run_opts run;
    const char *files_from;
    int nul;                    /* -0: files-from is NUL-separated */
    int want_ocr;               /* --ocr */
    wx_ocr_run ocr;             /* its cache and counters */
} parse_cli;

/* parse's options.  Returns 0 to go on, -1 for --help, or an exit code. */
static int parse_parse_args(int argc, char **argv, parse_cli *cli)
{
    static const struct option opts[] = {
        RUN_OPTIONS, {"files-from", required_argument, NULL, O_FILES_FROM},
        {"ocr", no_argument, NULL, O_OCR}, {"ocr-cache", required_argument, NULL, O_OCR_CACHE},
        {"jobs", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, idx, r;
    double d;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:j:0h", opts, &idx)) != -1) {
        if (c == O_RUN || c == 'o') {
            if ((r = run_option(&cli->run, c == 'o' ? "output" : opts[idx].name, "parse")) != 0) return r;
        } else if (c == O_FILES_FROM) cli->files_from = optarg;
        else if (c == O_OCR) cli->want_ocr = 1;
        else if (c == O_OCR_CACHE) cli->ocr.cache_dir = optarg;
        else if (c == '0') cli->nul = 1;
        else if (c == 'j') {
            if (wx_number_arg(optarg, 1, 256, 1, &d) != 0) return usage_error("parse", "bad --jobs", optarg);
            cli->run.jobs = (int)d;
        } else if (c == 'h') { fputs(wx_usage_text, stdout); return -1; }
        else { fputs(wx_usage_text, stderr); return WX_EXIT_USAGE; }
    }
    if (optind >= argc && !cli->files_from) return usage_error("parse", "no input given", NULL);
    if ((r = run_check(&cli->run, "parse")) != 0) return r;
    if (cli->ocr.cache_dir && !cli->want_ocr) return usage_error("parse", "--ocr-cache needs --ocr", NULL);
    const char *ocr_err = NULL;
    if (cli->want_ocr && wx_ocr_load(&ocr_err) != 0) return usage_error("parse", ocr_err, NULL);
    if (cli->want_ocr) cli->run.ocr = &cli->ocr;
    return 0;
}

/* parse: the paths (and --files-from list) through the pipeline. */
static int cmd_parse(int argc, char **argv)
{
    parse_cli cli = {.run = {.key_field = "path", .jobs = 1, .batch = 0}};
    int rc = parse_parse_args(argc, argv, &cli);
    if (rc != 0) return rc == -1 ? 0 : rc;
    wx_path_source *ps = wx_path_source_new(argv + optind, argc - optind, cli.files_from, cli.nul,
                                            cli.run.shard_k, cli.run.shard_n);
    if (!ps) {
        wx_log_setup(cli.run.quiet, cli.run.json_log);
        wx_log(WX_LOG_ERROR, cli.files_from, "%s", strerror(errno));
        return WX_EXIT_NOINPUT;
    }
    wx_pipeline *pl;
    if ((rc = wx_pipeline_open(&cli.run, &pl)) != 0) { wx_path_source_free(ps); return rc; }
    wx_signals_catch();
    wx_source src = wx_path_source_iface(ps);
    wx_pipeline_run(pl, &src);
    if (wx_path_source_missing(ps)) wx_pipeline_note_exit(pl, WX_EXIT_NOINPUT);
    wx_path_source_free(ps);
    return wx_pipeline_close(pl);
}

/* `wxingest schema sqlite|postgres`: the DDL, for users who create the
 * tables themselves. */
static int cmd_schema(int argc, char **argv)
{
    const char *sql = argc == 2 ? wx_db_schema_sql(argv[1]) : NULL;
    if (!sql) return usage_error("schema", "want: wxingest schema sqlite|postgres", argc > 1 ? argv[1] : NULL);
    fputs(sql, stdout);
    return fflush(stdout) == 0 ? 0 : WX_EXIT_IOERR;
}

/* `wxingest index URL`: the search index of a database loaded with
 * --no-search-index, built over every stored article at once (opening a
 * database without that flag builds what is missing). */
static int cmd_index(int argc, char **argv)
{
    if (argc != 2 || !wx_db_url_is_db(argv[1]))
        return usage_error("index", "want: wxingest index sqlite:PATH|postgres://...", argc > 1 ? argv[1] : NULL);
    char *err = NULL;
    wx_db *db = wx_db_open(argv[1], 0, WX_DB_EXISTING, &err);     /* indexing is no reason to make a file */
    if (!db) wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
    free(err);
    wx_db_close(db);
    return db ? 0 : WX_EXIT_IOERR;
}

/* ---------- fetch, run and discover ---------- */

enum { O_STORE = 256, O_FETCH = 257, O_FALLBACK = 258, O_IMAGES = 259 };   /* O_FETCH: a fetcher option, named by its long name */

#define FETCH_OPTIONS                                                                                    \
    {"rate", required_argument, NULL, O_FETCH}, {"timeout", required_argument, NULL, O_FETCH},          \
    {"retries", required_argument, NULL, O_FETCH}, {"backoff", required_argument, NULL, O_FETCH},       \
    {"max-bytes", required_argument, NULL, O_FETCH}, {"base-url", required_argument, NULL, O_FETCH},    \
    {"user-agent", required_argument, NULL, 'A'}, {"store", required_argument, NULL, O_STORE},          \
    {"help", no_argument, NULL, 'h'}

/* A fetcher option (getopt's long name, or -A/-j): 1 when set, or 64. */
static int fetch_option(wx_fetch_opts *o, const char *name, const char *cmd)
{
    const char *bad = wx_fetch_opt_set(o, name, optarg);
    return bad ? usage_error(cmd, bad, optarg) : 1;
}

/* fetch's and run's options, then the URLs (lists, then arguments).
 * Returns 0 to go on, -1 for --help, -2 for an empty list, or an exit code. */
static int parse_fetch_args(int argc, char **argv, wx_fetch_cmd *c, const char **lists)
{
    static const struct option opts[] = {
        FETCH_OPTIONS, {"input", required_argument, NULL, 'i'}, {"jobs", required_argument, NULL, 'j'},
        {"refresh", no_argument, NULL, O_FETCH}, {"via", required_argument, NULL, O_FETCH},
        {"warc", required_argument, NULL, O_FETCH}, {"warc-max-size", required_argument, NULL, O_FETCH}, RUN_OPTIONS,
        {"changes", no_argument, NULL, O_RUN}, {"fallback", required_argument, NULL, O_FALLBACK},
        {"images", optional_argument, NULL, O_IMAGES}, {"ocr", no_argument, NULL, O_OCR},
        {"ocr-cache", required_argument, NULL, O_OCR_CACHE}, {NULL, 0, NULL, 0}};
    const char *cmd = c->is_run ? "run" : "fetch";
    int ch, idx, r;
    size_t nlists = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, c->is_run ? "i:j:A:o:h" : "i:j:A:h", opts, &idx)) != -1) {
        if (ch == O_RUN || ch == 'o') {
            const char *name = ch == 'o' ? "output" : opts[idx].name;
            if (!c->is_run && strcmp(name, "lock") && strcmp(name, "quiet") && strcmp(name, "log-format") &&
                strcmp(name, "shard"))
                return usage_error(cmd, "output options are for run; fetch writes its lines to stdout", NULL);
            if ((r = run_option(&c->run, name, cmd)) != 0) return r;
        } else if (ch == O_FETCH || ch == 'A' || ch == 'j') {
            const char *name = ch == 'A' ? "user-agent" : ch == 'j' ? "jobs" : opts[idx].name;
            if ((r = fetch_option(&c->fetch, name, cmd)) != 1) return r;
        } else if (ch == O_IMAGES) {
            /* --images ROLES with a space too: the next word when it is a roles list (a URL never is) */
            const char *roles = optarg;
            if (!roles && optind < argc && wx_image_roles_parse(argv[optind])) roles = argv[optind++];
            const char *bad = wx_fetch_images_opt(c, roles);
            if (bad) return usage_error(cmd, bad, roles);
        } else if ((ch == O_OCR || ch == O_OCR_CACHE) && !c->is_run) {
            return usage_error(cmd, "--ocr is for run and parse", NULL);
        } else if (ch == O_OCR) c->run.ocr = &c->ocr;
        else if (ch == O_OCR_CACHE) c->ocr.cache_dir = optarg;
        else if (ch == O_STORE) c->store_dir = optarg;
        else if (ch == O_FALLBACK) {
            if (strcmp(optarg, "wayback") != 0) return usage_error(cmd, "--fallback wants wayback", optarg);
            c->fallback = 1;
        } else if (ch == 'i') lists[nlists++] = optarg;
        else if (ch == 'h') { fputs(wx_usage_text, stdout); return -1; }
        else { fputs("Try 'wxingest --help'.\n", stderr); return WX_EXIT_USAGE; }
    }
    if (c->fallback && c->fetch.wayback)
        return usage_error(cmd, "--fallback wayback is for live fetches, not with --via wayback", NULL);
    if ((r = wx_fetch_read_lists(c, lists, nlists)) != 0) return r;
    for (int i = optind; i < argc; i++) {
        int rc = wx_urllist_add(&c->urls, argv[i]);
        if (rc == -2) return usage_error(cmd, "URL is not valid UTF-8", NULL);
        if (rc != 0) { fprintf(stderr, "wxingest: out of memory\n"); return WX_EXIT_USAGE; }
    }
    if (c->urls.count == 0) return nlists ? -2 : usage_error(cmd, "no URL given", NULL);
    if (c->ocr.cache_dir && !c->run.ocr) return usage_error(cmd, "--ocr-cache needs --ocr", NULL);
    const char *ocr_err = NULL;
    if (c->run.ocr && wx_ocr_load(&ocr_err) != 0) return usage_error(cmd, ocr_err, NULL);
    return c->is_run ? run_check(&c->run, cmd) : 0;
}

/* fetch and run: the options, then output/fetchrun.c. */
static int cmd_fetch(int argc, char **argv, int is_run)
{
    wx_fetch_cmd c = {.store_dir = "wxstore", .is_run = is_run,
                      .run = {.key_field = "url", .batch = 0}};
    wx_fetch_opts_init(&c.fetch);
    const char **lists = calloc((size_t)argc, sizeof *lists);
    int rc = lists ? parse_fetch_args(argc, argv, &c, lists) : WX_EXIT_USAGE;
    free(lists);
    if (rc != 0) {
        wx_urllist_free(&c.urls);
        return rc < 0 ? 0 : rc;       /* --help; an empty list: nothing to do */
    }
    c.run.jobs = c.fetch.jobs;        /* run parses with as many threads as it fetches */
    return wx_fetch_command(&c);
}

/* discover's options: each is handed to wx_discover_opt_set by name.
 * Returns 0 to go on, -1 for --help, or an exit code. */
static int parse_discover_args(int argc, char **argv, wx_discover_opts *o)
{
    enum { O_DISCOVER = 400 };
    static const struct option opts[] = {
        FETCH_OPTIONS, {"from-pages", no_argument, NULL, O_DISCOVER}, {"follow-in", required_argument, NULL, O_DISCOVER},
        {"history", required_argument, NULL, O_DISCOVER}, {"album", required_argument, NULL, O_DISCOVER},
        {"wayback", required_argument, NULL, O_DISCOVER}, {"from", required_argument, NULL, O_DISCOVER},
        {"to", required_argument, NULL, O_DISCOVER}, {"limit", required_argument, NULL, O_DISCOVER},
        {"depth", required_argument, NULL, O_DISCOVER}, {"any-account", no_argument, NULL, O_DISCOVER},
        {"urls", no_argument, NULL, O_DISCOVER}, {NULL, 0, NULL, 0}};
    int c, idx;
    const char *bad;
    optind = 1;
    while ((c = getopt_long(argc, argv, "A:h", opts, &idx)) != -1) {
        if (c == 'h') { fputs(wx_usage_text, stdout); return -1; }
        if (c != O_DISCOVER && c != O_FETCH && c != O_STORE && c != 'A') {
            fputs("Try 'wxingest --help'.\n", stderr);
            return WX_EXIT_USAGE;
        }
        if ((bad = wx_discover_opt_set(o, c == 'A' ? "user-agent" : opts[idx].name, optarg)))
            return usage_error("discover", bad, optarg);
    }
    if ((bad = wx_discover_opts_finish(o, argv + optind, (size_t)(argc - optind))))
        return usage_error("discover", bad, optind < argc && !o->from_pages ? argv[optind] : NULL);
    return 0;
}

/* discover: parse the options, then run the sources (output/discover.c). */
static int cmd_discover(int argc, char **argv)
{
    wx_discover_opts o;
    wx_discover_opts_init(&o);
    int rc = parse_discover_args(argc, argv, &o);
    if (rc == 0) {
        wx_signals_catch();
        o.fetch.stop = wx_signal_flag();
        rc = wx_discover(&o, stdout);
        if (wx_signal_caught()) rc = wx_signal_exit();
    } else if (rc == -1) {
        rc = 0;
    }
    wx_discover_opts_free(&o);
    return rc;
}

/* The command word picks the cmd_*; --help and --version need none. */
int main(int argc, char **argv)
{
    if (argc < 2) { fputs(wx_usage_text, stderr); return WX_EXIT_USAGE; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(wx_usage_text, stdout);
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
    if (strcmp(cmd, "index") == 0) return cmd_index(argc - 1, argv + 1);
    if (strcmp(cmd, "discover") == 0) return cmd_discover(argc - 1, argv + 1);
    fprintf(stderr, "wxingest: unknown command or option '%s'\n", cmd);
    fputs(wx_usage_text, stderr);
    return WX_EXIT_USAGE;
}
