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
#include "ocr_images.h"
#include "pipeline.h"

typedef struct wx_fetch_cmd {
    wx_fetch_opts fetch;
    wx_run_opts run;            /* run: the sinks too; fetch: lock and log only */
    const char *store_dir;
    wx_urllist urls;            /* freed by wx_fetch_command */
    int is_run;
    int fallback;               /* --fallback wayback (output/fallback.h) */
    unsigned image_roles;       /* --images: the roles to archive (images.h); 0: none */
    wx_ocr_run ocr;             /* run --ocr: c->run.ocr points here (cache default STORE/ocr) */
} wx_fetch_cmd;

/* --images [ROLES] (roles NULL: the default ones).  Returns NULL, or a
 * message for the user. */
const char *wx_fetch_images_opt(wx_fetch_cmd *c, const char *roles);

/* Add the URLs of the -i LISTs to c->urls, in order; the log is set up
 * first (c->run's --quiet, --log-format).  Returns 0 or an exit code. */
int wx_fetch_read_lists(wx_fetch_cmd *c, const char **lists, size_t n);
/* Returns the exit code. */
int wx_fetch_command(wx_fetch_cmd *c);

#endif
