/*
 * The two input sources of the pipeline (source.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/ingest.h"
#include "../ingest/util.h"
#include "../ingest/warc.h"
#include "output.h"
#include "source.h"

struct wx_path_source {
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
};

/* The list is opened up front so a missing one fails before any output. */
wx_path_source *wx_path_source_new(char **args, int nargs, const char *files_from, int nul,
                                   unsigned shard_k, unsigned shard_n)
{
    wx_path_source *ps = calloc(1, sizeof *ps);
    if (!ps) return NULL;
    *ps = (wx_path_source){.args = args, .nargs = nargs, .list_name = files_from, .nul = nul,
                           .shard_k = shard_k, .shard_n = shard_n};
    if (files_from) {
        ps->list = strcmp(files_from, "-") == 0 ? stdin : fopen(files_from, "r");
        if (!ps->list) {
            int e = errno;
            free(ps);
            errno = e;
            return NULL;
        }
    }
    return ps;
}

int wx_path_source_missing(const wx_path_source *ps) { return ps->missing; }

/* Also what an interrupted run left unread. */
void wx_path_source_free(wx_path_source *ps)
{
    if (!ps) return;
    wx_pathlist_free(&ps->pending);
    wx_warc_close(ps->warc);
    if (ps->list && ps->list != stdin) fclose(ps->list);
    free(ps);
}

/* The next entry of the --files-from list (malloc'd), or NULL at its end. */
static char *list_next(wx_path_source *src)
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

/* A path that cannot be walked is reported as it is reached. */
static void report(void *ctx, const char *path, const char *reason)
{
    (void)ctx;
    wx_log(WX_LOG_ERROR, path, "%s", reason);
}

/* The next input file of this shard (malloc'd), or NULL when there are no
 * more.  A WARC file is many inputs: its documents come one by one in
 * *doc, already loaded, named FILE#OFFSET (ingest/warc.h). */
static char *source_next(wx_path_source *src, wx_doc **doc)
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
            if (src->shard_n && wx_shard_of(p, src->shard_n) != src->shard_k) { free(p); continue; }
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

/* wx_source's next for paths: the name is the path, loaded by a worker
 * unless a web archive handed the document over already. */
static int path_next(void *ctx, wx_input *in)
{
    memset(in, 0, sizeof *in);
    in->name = source_next(ctx, &in->doc);
    return in->name != NULL;
}

/* The pipeline sees paths only through wx_source. */
wx_source wx_path_source_iface(wx_path_source *ps)
{
    return (wx_source){path_next, ps, 0, NULL};
}

/* The capture time in a Wayback URL (…/web/20190102030405id_/…) as the
 * records write times, for copies stored by --via wayback, whose index
 * line names the capture only in final_url.  NULL when there is none. */
static char *capture_time(const char *final_url)
{
    const char *p = final_url ? strstr(final_url, "/web/") : NULL;
    if (!p || strspn(p + 5, "0123456789") != 14) return NULL;
    p += 5;
    return wx_strf("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", p, p + 4, p + 6, p + 8, p + 10, p + 12);
}

/* wx_source's next for the store: a URL whose fetch failed is absent (it
 * was reported by the fetch); the object is loaded by a worker. */
static int store_next(void *ctx, wx_input *in)
{
    wx_store_source *ss = ctx;
    memset(in, 0, sizeof *in);
    if (ss->next >= ss->urls->count) return 0;
    const char *url = ss->urls->urls[ss->next++];
    const wx_fetch_rec *fr = wx_store_latest(ss->store, url);
    in->name = strdup(url);
    if (!fr) { in->absent = 1; return 1; }
    in->load_path = wx_store_object_path(ss->store, fr->sha256);
    in->url = strdup(url);
    in->fetched_at = fr->fetched_at ? strdup(fr->fetched_at) : NULL;
    int fail = fr->fetched_at && !in->fetched_at;
    if (fr->via && strcmp(fr->via, "wayback") == 0) {
        in->wayback = 1;
        in->captured_at = fr->captured_at ? strdup(fr->captured_at) : capture_time(fr->final_url);
        fail |= fr->captured_at && !in->captured_at;
    }
    in->failed = fail || !in->load_path || !in->url;
    return 1;
}

/* total is the URL count, for the progress line. */
wx_source wx_store_source_iface(wx_store_source *ss)
{
    return (wx_source){store_next, ss, ss->urls->count, ss->store};
}
