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
#include <unistd.h>

#include "ingest/fetch.h"
#include "output/discover.h"
#include "output/fetchrun.h"
#include "output/help.h"
#include "output/output.h"
#include "output/pipeline.h"
#include "output/source.h"

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

enum { O_DB = 300, O_LOCK, O_INCREMENTAL, O_APPEND, O_QUIET, O_LOG_FORMAT, O_SHARD, O_BATCH, O_FILES_FROM };

#define RUN_OPTIONS                                                                               \
    {"output", required_argument, NULL, 'o'}, {"db", required_argument, NULL, O_DB},            \
    {"lock", required_argument, NULL, O_LOCK}, {"incremental", no_argument, NULL, O_INCREMENTAL}, \
    {"append", no_argument, NULL, O_APPEND}, {"quiet", no_argument, NULL, O_QUIET},             \
    {"log-format", required_argument, NULL, O_LOG_FORMAT}, {"shard", required_argument, NULL, O_SHARD}, \
    {"batch", required_argument, NULL, O_BATCH}

/* One run option; returns 1 when c was one, 0 when not, or 64. */
static int run_option(int c, const char *arg, wx_run_opts *r, const char *cmd)
{
    char extra;
    switch (c) {
    case 'o': r->out_path = arg; return 1;
    case O_DB:
        if (!wx_db_url_is_db(arg)) return usage_error(cmd, "--db wants sqlite:PATH or postgres://...", arg);
        r->db_url = arg;
        return 1;
    case O_LOCK: r->lock_path = arg; return 1;
    case O_INCREMENTAL: r->incremental = 1; return 1;
    case O_APPEND: r->append = 1; return 1;
    case O_QUIET: r->quiet = 1; return 1;
    case O_LOG_FORMAT:
        if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0) return usage_error(cmd, "--log-format is text or json", arg);
        r->json_log = strcmp(arg, "json") == 0;
        return 1;
    case O_SHARD:
        if (sscanf(arg, "%u/%u%c", &r->shard_k, &r->shard_n, &extra) != 2 || r->shard_n == 0 ||
            r->shard_n > 65536 || r->shard_k >= r->shard_n)
            return usage_error(cmd, "--shard wants K/N with 0 <= K < N", arg);
        return 1;
    case O_BATCH:
        if (sscanf(arg, "%d%c", &r->batch, &extra) != 1 || r->batch < 1 || r->batch > 1000000)
            return usage_error(cmd, "--batch wants a record count from 1", arg);
        return 1;
    default: return 0;
    }
}

/* Checks that need all the options. */
static int run_check(const wx_run_opts *r, const char *cmd)
{
    int to_stdout = !r->out_path || strcmp(r->out_path, "-") == 0;
    if (r->append && to_stdout) return usage_error(cmd, "--append needs -o FILE", NULL);
    if (r->incremental && !r->db_url && to_stdout)
        return usage_error(cmd, "--incremental needs --db or -o FILE (where the state is kept)", NULL);
    return 0;
}

/* ---------- parse ---------- */

/* What parse was told besides the run options (extend here, e.g. for
 * options handed on to the parser). */
typedef struct parse_cli {
    wx_run_opts run;
    const char *files_from;
    int nul;                    /* -0: files-from is NUL-separated */
} parse_cli;

/* parse's options.  Returns 0 to go on, -1 for --help, or an exit code. */
static int parse_parse_args(int argc, char **argv, parse_cli *cli)
{
    static const struct option opts[] = {
        RUN_OPTIONS, {"files-from", required_argument, NULL, O_FILES_FROM},
        {"jobs", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, r;
    double d;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:j:0h", opts, NULL)) != -1) {
        if ((r = run_option(c, optarg, &cli->run, "parse")) == WX_EXIT_USAGE) return r;
        if (r) continue;
        if (c == O_FILES_FROM) cli->files_from = optarg;
        else if (c == '0') cli->nul = 1;
        else if (c == 'j') {
            if (wx_number_arg(optarg, 1, 256, 1, &d) != 0) return usage_error("parse", "bad --jobs", optarg);
            cli->run.jobs = (int)d;
        } else if (c == 'h') { fputs(wx_usage_text, stdout); return -1; }
        else { fputs(wx_usage_text, stderr); return WX_EXIT_USAGE; }
    }
    if (optind >= argc && !cli->files_from) return usage_error("parse", "no input given", NULL);
    return run_check(&cli->run, "parse");
}

/* parse: the paths (and --files-from list) through the pipeline. */
static int cmd_parse(int argc, char **argv)
{
    parse_cli cli = {.run = {.key_field = "path", .jobs = 1, .batch = WX_DB_BATCH}};
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

/* ---------- fetch, run and discover ---------- */

enum { O_STORE = 256, O_FETCH = 257 };   /* O_FETCH: a fetcher option, named by its long name */

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

/* The URLs of the -i LISTs, in order.  Read after the options so their
 * problems are logged as --quiet and --log-format say. */
static int read_url_lists(wx_fetch_cmd *c, const char **lists, size_t n)
{
    char *err = NULL;
    wx_log_setup(c->run.quiet, c->run.json_log);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(lists[i], "-") != 0 && access(lists[i], R_OK) != 0) {
            wx_log(WX_LOG_ERROR, lists[i], "%s", strerror(errno));
            return WX_EXIT_NOINPUT;
        }
        if (wx_urllist_read(lists[i], &c->urls, &err) != 0) {
            wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : lists[i]);
            free(err);
            return WX_EXIT_DATAERR;
        }
    }
    return 0;
}

/* fetch's and run's options, then the URLs (lists, then arguments).
 * Returns 0 to go on, -1 for --help, -2 for an empty list, or an exit code. */
static int parse_fetch_args(int argc, char **argv, wx_fetch_cmd *c, const char **lists)
{
    static const struct option opts[] = {
        FETCH_OPTIONS, {"input", required_argument, NULL, 'i'}, {"jobs", required_argument, NULL, 'j'},
        {"refresh", no_argument, NULL, O_FETCH},
        {"via", required_argument, NULL, O_FETCH}, RUN_OPTIONS, {NULL, 0, NULL, 0}};
    const char *cmd = c->is_run ? "run" : "fetch";
    int ch, idx, r;
    size_t nlists = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, c->is_run ? "i:j:A:o:h" : "i:j:A:h", opts, &idx)) != -1) {
        if (ch >= O_DB || ch == 'o') {
            if (!c->is_run && ch != O_LOCK && ch != O_QUIET && ch != O_LOG_FORMAT)
                return usage_error(cmd, "output options are for run; fetch writes its lines to stdout", NULL);
            if ((r = run_option(ch, optarg, &c->run, cmd)) == WX_EXIT_USAGE) return r;
        } else if (ch == O_FETCH || ch == 'A' || ch == 'j') {
            const char *name = ch == 'A' ? "user-agent" : ch == 'j' ? "jobs" : opts[idx].name;
            if ((r = fetch_option(&c->fetch, name, cmd)) != 1) return r;
        } else if (ch == O_STORE) c->store_dir = optarg;
        else if (ch == 'i') lists[nlists++] = optarg;
        else if (ch == 'h') { fputs(wx_usage_text, stdout); return -1; }
        else { fputs("Try 'wxingest --help'.\n", stderr); return WX_EXIT_USAGE; }
    }
    if ((r = read_url_lists(c, lists, nlists)) != 0) return r;
    for (int i = optind; i < argc; i++) {
        int rc = wx_urllist_add(&c->urls, argv[i]);
        if (rc == -2) return usage_error(cmd, "URL is not valid UTF-8", NULL);
        if (rc != 0) { fprintf(stderr, "wxingest: out of memory\n"); return WX_EXIT_USAGE; }
    }
    if (c->urls.count == 0) return nlists ? -2 : usage_error(cmd, "no URL given", NULL);
    return c->is_run ? run_check(&c->run, cmd) : 0;
}

/* fetch and run: the options, then output/fetchrun.c. */
static int cmd_fetch(int argc, char **argv, int is_run)
{
    wx_fetch_cmd c = {.store_dir = "wxstore", .is_run = is_run,
                      .run = {.key_field = "url", .batch = WX_DB_BATCH}};
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

enum { O_PAGES = 400, O_FOLLOW, O_HISTORY, O_ALBUM, O_WAYBACK, O_FROM, O_TO, O_LIMIT, O_DEPTH, O_ANY, O_URLS };

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

/* One of discover's own options; 0 or 64. */
static int discover_option(int c, discover_cli *cli)
{
    const char *cmd = "discover";
    wx_discover_opts *o = &cli->o;
    double d;
    switch (c) {
    case O_PAGES: o->from_pages = 1; return 0;
    case O_FOLLOW: case O_HISTORY: case O_ALBUM:
        return cli_list_add(cli, c - O_FOLLOW, optarg) != 0 ? WX_EXIT_USAGE : 0;
    case O_WAYBACK:
        if (!*optarg || strpbrk(optarg, " \t\r\n")) return usage_error(cmd, "--wayback wants a biz or a URL prefix", optarg);
        o->wayback = optarg;
        return 0;
    case O_FROM: case O_TO:
        if (!is_timestamp(optarg))
            return usage_error(cmd, "--from and --to want 1 to 14 digits (YYYYMMDDhhmmss)", optarg);
        if (c == O_FROM) o->from = optarg; else o->to = optarg;
        return 0;
    case O_LIMIT:
        if (wx_number_arg(optarg, 1, 1e6, 1, &d) != 0) return usage_error(cmd, "bad --limit", optarg);
        o->limit = (long)d;
        return 0;
    case O_DEPTH:
        if (wx_number_arg(optarg, 1, 100, 1, &d) != 0) return usage_error(cmd, "bad --depth (1 to 100)", optarg);
        o->depth = (int)d;
        return 0;
    case O_ANY: o->any_account = 1; return 0;
    case O_URLS: o->urls_only = 1; return 0;
    default: fputs("Try 'wxingest --help'.\n", stderr); return WX_EXIT_USAGE;
    }
}

/* discover's options (parsing only; wx_discover runs them).  Returns 0 to
 * go on, -1 for --help, or an exit code. */
static int parse_discover_args(int argc, char **argv, discover_cli *cli)
{
    static const struct option opts[] = {
        FETCH_OPTIONS, {"from-pages", no_argument, NULL, O_PAGES}, {"follow-in", required_argument, NULL, O_FOLLOW},
        {"history", required_argument, NULL, O_HISTORY}, {"album", required_argument, NULL, O_ALBUM},
        {"wayback", required_argument, NULL, O_WAYBACK}, {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO}, {"limit", required_argument, NULL, O_LIMIT},
        {"depth", required_argument, NULL, O_DEPTH}, {"any-account", no_argument, NULL, O_ANY},
        {"urls", no_argument, NULL, O_URLS}, {NULL, 0, NULL, 0}};
    wx_discover_opts *o = &cli->o;
    int c, idx, r;
    optind = 1;
    while ((c = getopt_long(argc, argv, "A:h", opts, &idx)) != -1) {
        if (c == 'h') { fputs(wx_usage_text, stdout); return -1; }
        if (c == O_STORE) o->store_dir = optarg;
        else if (c == O_FETCH || c == 'A') {
            if ((r = fetch_option(&o->fetch, c == 'A' ? "user-agent" : opts[idx].name, "discover")) != 1) return r;
        } else if ((r = discover_option(c, cli)) != 0) return r;
    }
    if (optind < argc && !o->from_pages) return usage_error("discover", "PATHs are read with --from-pages", argv[optind]);
    o->pages = argv + optind;
    o->npages = (size_t)(argc - optind);
    o->follow_in = cli->lists[0], o->nfollow_in = cli->counts[0];
    o->histories = cli->lists[1], o->nhistories = cli->counts[1];
    o->albums = cli->lists[2], o->nalbums = cli->counts[2];
    if (!o->from_pages && !o->nhistories && !o->nalbums && !o->wayback)
        return usage_error("discover", "no source given (--from-pages, --history, --album or --wayback)", NULL);
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
        wx_signals_catch();
        cli.o.fetch.stop = wx_signal_flag();
        rc = wx_discover(&cli.o, stdout);
        if (wx_signal_caught()) rc = wx_signal_exit();
    } else if (rc == -1) {
        rc = 0;
    }
    for (int i = 0; i < 3; i++) free(cli.lists[i]);
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
    if (strcmp(cmd, "discover") == 0) return cmd_discover(argc - 1, argv + 1);
    fprintf(stderr, "wxingest: unknown command or option '%s'\n", cmd);
    fputs(wx_usage_text, stderr);
    return WX_EXIT_USAGE;
}
