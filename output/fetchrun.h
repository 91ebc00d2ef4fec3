/*
 * fetchrun: the drivers of `fetch` and `run` once their options are read.
 *
 * fetch downloads every URL into the store and prints one JSON result line
 * per URL in input order; run fetches what is missing, then hands the
 * store's latest copy of each URL to the pipeline (parsed with run.jobs
 * threads, records in input order).
 */
#ifndef WX_FETCHRUN_H
#define WX_FETCHRUN_H

#include "../ingest/fetch.h"
#include "pipeline.h"

typedef struct wx_fetch_cmd {
    wx_fetch_opts fetch;
    wx_run_opts run;            /* run: the sinks too; fetch: lock and log only */
    const char *store_dir;
    wx_urllist urls;            /* freed by wx_fetch_command */
    int is_run;
    int fallback;               /* --fallback wayback (output/fallback.h) */
} wx_fetch_cmd;

/* Add the URLs of the -i LISTs to c->urls, in order; the log is set up
 * first (c->run's --quiet, --log-format).  Returns 0 or an exit code. */
int wx_fetch_read_lists(wx_fetch_cmd *c, const char **lists, size_t n);
/* Returns the exit code. */
int wx_fetch_command(wx_fetch_cmd *c);

#endif
