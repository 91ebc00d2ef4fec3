/*
 * fetch and run (fetchrun.h): the fetcher's callbacks, result lines and
 * exit codes, and run's hand-over to the pipeline.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ingest/util.h"
#include "fallback.h"
#include "fetchrun.h"
#include "images.h"
#include "output.h"
#include "source.h"

#ifndef WX_VERSION
#define WX_VERSION "dev"
#endif

/* The fetcher's callbacks print what they are told about as it happens:
 * result lines in input order (a line waits for the URLs listed before it),
 * problems on stderr. */
typedef struct fetch_out {
    const wx_urllist *urls;
    wx_fetch_result *results;
    unsigned char *finished;
    size_t next;                /* first URL whose line is not printed yet */
    int print_lines;            /* fetch: JSON lines on stdout; run: stdout has the records */
    int write_failed;
    unsigned char *via_wayback; /* --fallback: lines wait for it and say "via"; else NULL */
} fetch_out;

/* Empty and absent both mean "no value" in a result line. */
static json_t *json_str_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* One result line, flushed at once so a pipe sees progress. */
static void print_result(fetch_out *fo, size_t i)
{
    const wx_fetch_result *r = &fo->results[i];
    json_t *line = json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:o}", "url", fo->urls->urls[i],
                             "status", wx_fetch_status_name(r->status),
                             "http_status", r->http_status ? json_integer(r->http_status) : json_null(),
                             "sha256", json_str_or_null(r->sha256), "path", json_str_or_null(r->path),
                             "attempts", r->attempts, "error", json_str_or_null(r->error));
    if (line && fo->via_wayback)
        json_object_set_new(line, "via", r->sha256[0] ? json_string(fo->via_wayback[i] ? "wayback" : "live") : json_null());
    if (!line || wx_jsonl_write(stdout, line) != 0 || fflush(stdout) != 0) fo->write_failed = 1;
    json_decref(line);
}

/* A URL finished: report a failure now, print every line now in order. */
static void on_fetch_done(void *ctx, size_t index, const wx_fetch_result *res)
{
    fetch_out *fo = ctx;
    fo->finished[index] = 1;
    if (fo->via_wayback) return;   /* --fallback: reported once it has had its say (report_all) */
    /* wx_log erases a progress line first so problems stay readable */
    if (res->status == WX_FETCH_FAILED) wx_log(WX_LOG_ERROR, fo->urls->urls[index], "%s", res->error ? res->error : "failed");
    while (fo->next < fo->urls->count && fo->finished[fo->next]) {
        if (fo->print_lines) print_result(fo, fo->next);
        fo->next++;
    }
}

/* --fallback: every URL's outcome, in order, once the fallback is done. */
static void report_all(fetch_out *fo)
{
    for (size_t i = 0; i < fo->urls->count; i++) {
        const wx_fetch_result *r = &fo->results[i];
        if (r->status == WX_FETCH_FAILED) wx_log(WX_LOG_ERROR, fo->urls->urls[i], "%s", r->error ? r->error : "failed");
        if (fo->print_lines) print_result(fo, i);
    }
}

/* Host-level news from the fetcher (a host given up on). */
static void on_fetch_note(void *ctx, const char *msg)
{
    (void)ctx;
    wx_log(WX_LOG_WARN, NULL, "%s", msg);
}

/* fetch and run --shard K/N: keep the URLs of shard K, in order. */
static void keep_url_shard(wx_urllist *urls, unsigned k, unsigned n)
{
    wx_urllist kept = {0};
    for (size_t i = 0; i < urls->count; i++)
        if (wx_shard_of(urls->urls[i], n) == k && wx_urllist_add(&kept, urls->urls[i]) != 0) {
            wx_log(WX_LOG_ERROR, NULL, "out of memory");
            break;
        }
    wx_urllist_free(urls);
    *urls = kept;
}

/* Fetch every URL; the worst failure decides the exit code (a store write
 * 74, a URL 65).  Returns 0 or that code; *ran is 0 when the fetcher could
 * not start at all. */
static int fetch_urls(wx_fetch_cmd *c, wx_store *store, int *ran)
{
    int tty = wx_progress_wanted(&c->run), rc = 0;
    wx_fetch_result *results = calloc(c->urls.count, sizeof *results);
    fetch_out fo = {&c->urls, results, calloc(c->urls.count, 1), 0, !c->is_run, 0, NULL};
    if (c->fallback) fo.via_wayback = calloc(c->urls.count ? c->urls.count : 1, 1);
    char *err = NULL;
    c->fetch.progress = tty;
    wx_log_progress_shown(tty);
    c->fetch.stop = wx_signal_flag();
    c->fetch.on_done = on_fetch_done;
    c->fetch.on_note = on_fetch_note;
    c->fetch.ctx = &fo;
    if (!results || !fo.finished || (c->fallback && !fo.via_wayback) ||
        wx_fetch_all(store, &c->urls, &c->fetch, results, &err) != 0) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "out of memory");
        free(err);
        rc = WX_EXIT_IOERR;
        *ran = 0;
    } else {
        *ran = 1;
        if (c->fallback) {
            if (!wx_signal_caught()) wx_fallback_wayback(store, &c->urls, &c->fetch, results, fo.via_wayback);
            report_all(&fo);
        }
        for (size_t i = 0; i < c->urls.count; i++) {
            if (results[i].status == WX_FETCH_FAILED && rc != WX_EXIT_IOERR)
                rc = results[i].store_error ? WX_EXIT_IOERR : WX_EXIT_DATAERR;
            wx_fetch_result_free(&results[i]);
        }
        if (fo.write_failed) {
            wx_log(WX_LOG_ERROR, "stdout", "%s", strerror(errno ? errno : EIO));
            rc = WX_EXIT_IOERR;
        }
    }
    free(results);
    free(fo.finished);
    free(fo.via_wayback);
    return rc;
}

/* --warc: opened before any request, so a bad name has fetched nothing
 * (exit 74), and kept open until the images are fetched too. */
static int warc_open(wx_fetch_cmd *c)
{
    char *err = NULL;
    if (!c->fetch.warc_path) return 0;
    c->fetch.warc = wx_warc_writer_open(c->fetch.warc_path, c->fetch.warc_max_size, "wxingest/" WX_VERSION, &err);
    if (c->fetch.warc) return 0;
    wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : c->fetch.warc_path);
    free(err);
    return WX_EXIT_IOERR;
}

/* The last WARC file closed: 0, or 74 when its last bytes could not be
 * written. */
static int warc_close(wx_fetch_cmd *c)
{
    char *err = NULL;
    int rc = 0;
    if (c->fetch.warc && wx_warc_writer_close(c->fetch.warc, &err) != 0) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : "warc: close failed");
        free(err);
        rc = WX_EXIT_IOERR;
    }
    c->fetch.warc = NULL;
    return rc;
}

/* --images: the images of the listed pages, after the pages.  A failed
 * image is logged and counted, never the page's failure; only a store that
 * cannot be written changes the exit code (74). */
static int fetch_page_images(wx_fetch_cmd *c, wx_store *store)
{
    if (!c->image_roles || wx_signal_caught()) return 0;
    wx_image_counts n;
    c->fetch.on_done = NULL;
    c->fetch.ctx = NULL;
    int rc = wx_fetch_images(store, &c->urls, &c->fetch, c->image_roles, &n);
    json_t *f = json_pack("{s:I, s:I, s:I, s:I}", "stored", (json_int_t)n.stored, "skipped", (json_int_t)n.skipped,
                          "failed", (json_int_t)n.failed, "placeholder", (json_int_t)n.placeholder);
    wx_log_fields(WX_LOG_INFO, "images:", f);
    json_decref(f);
    return rc;
}

const char *wx_fetch_images_opt(wx_fetch_cmd *c, const char *roles)
{
    c->image_roles = roles ? wx_image_roles_parse(roles) : WX_ROLES_DEFAULT;
    return c->image_roles ? NULL : "bad --images (all, or a comma list of cover, content, decoration, qrcode, avatar, banner)";
}

/* fetch: lock and log, the store, the fetches. */
static int fetch_only(wx_fetch_cmd *c)
{
    int lock_fd = -1, rc = wx_unattended_start(&c->run, &lock_fd);
    char *err = NULL;
    if (rc == 0 && c->run.shard_n) keep_url_shard(&c->urls, c->run.shard_k, c->run.shard_n);
    wx_store *store = rc == 0 ? wx_store_open(c->store_dir, &err) : NULL;
    if (rc == 0 && !store) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : c->store_dir);
        free(err);
        rc = WX_EXIT_IOERR;
    }
    if (store && (rc = warc_open(c)) == 0) {
        int ran;
        wx_signals_catch();
        rc = fetch_urls(c, store, &ran);
        int irc = ran ? fetch_page_images(c, store) : 0;
        if (irc) rc = irc;
        if ((irc = warc_close(c)) != 0) rc = irc;
    }
    wx_store_close(store);
    if (lock_fd >= 0) close(lock_fd);
    return wx_signal_caught() ? wx_signal_exit() : rc;
}

/* run: the pipeline first (lock, sinks), so a held lock or an unreachable
 * database has fetched nothing; then fetch, then parse what is stored. */
static int fetch_and_parse(wx_fetch_cmd *c)
{
    wx_pipeline *pl;
    char *changes_state = wx_strf("%s/changes.state", c->store_dir);   /* --changes without -o FILE */
    c->run.changes_state = changes_state;
    int rc = changes_state ? wx_pipeline_open(&c->run, &pl) : WX_EXIT_IOERR;
    c->run.changes_state = NULL;
    free(changes_state);
    if (rc != 0) return rc;
    if (c->run.shard_n) keep_url_shard(&c->urls, c->run.shard_k, c->run.shard_n);
    char *err = NULL;
    wx_store *store = wx_store_open(c->store_dir, &err);
    if (!store) {
        wx_log(WX_LOG_ERROR, NULL, "%s", err ? err : c->store_dir);
        free(err);
        wx_pipeline_note_exit(pl, WX_EXIT_IOERR);
        return wx_pipeline_close(pl);
    }
    int ran = 0;
    if ((rc = warc_open(c)) == 0) {
        wx_signals_catch();
        rc = fetch_urls(c, store, &ran);
        if (rc) wx_pipeline_note_exit(pl, rc);
        if (ran && (rc = fetch_page_images(c, store)) != 0) wx_pipeline_note_exit(pl, rc);
        rc = warc_close(c);
    }
    if (rc) wx_pipeline_note_exit(pl, rc);
    char *ocr_cache = NULL;
    if (c->run.ocr && !c->run.ocr->cache_dir) c->run.ocr->cache_dir = ocr_cache = wx_strf("%s/ocr", c->store_dir);
    if (ran && !wx_signal_caught()) {
        wx_store_source ss = {store, &c->urls, 0};
        wx_source src = wx_store_source_iface(&ss);
        wx_pipeline_run(pl, &src);
    }
    wx_store_close(store);
    rc = wx_pipeline_close(pl);
    free(ocr_cache);
    return rc;
}

/* The URLs of the -i LISTs, in order.  Read after the options so their
 * problems are logged as --quiet and --log-format say. */
int wx_fetch_read_lists(wx_fetch_cmd *c, const char **lists, size_t n)
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

/* The URL list is the command's to free, whichever way it ends. */
int wx_fetch_command(wx_fetch_cmd *c)
{
    /* pages and their images share the per-host politeness state */
    if (c->image_roles && !c->fetch.hosts) c->fetch.hosts = wx_fetch_hosts_new();
    int rc = c->is_run ? fetch_and_parse(c) : fetch_only(c);
    wx_fetch_hosts_free(c->fetch.hosts);
    c->fetch.hosts = NULL;
    wx_urllist_free(&c->urls);
    return rc;
}
