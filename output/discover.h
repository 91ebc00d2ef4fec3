/*
 * discover: build URL lists for fetch and run (output/discover.c drives
 * ingest/discover.c's readers, the fetcher and the parser).
 *
 * Sources, in this order: saved or stored pages (article links in them,
 * followed to --depth through pages available locally or in the store),
 * saved account history pages, WeChat album JSON, the Wayback Machine's
 * CDX index.  Every URL is put in canonical form (parse/url.c) and printed
 * once per article id, as a JSON line or (urls_only) as a bare URL.
 */
#ifndef WX_OUTPUT_DISCOVER_H
#define WX_OUTPUT_DISCOVER_H

#include <stdio.h>
#include "../ingest/fetch.h"

typedef struct wx_discover_opts {
    char **pages;               /* --from-pages PATH...: saved pages, files or directories */
    size_t npages;
    int from_pages;             /* --from-pages given (no PATH: the store's objects) */
    char **follow_in;           /* directories of saved pages links may be followed into */
    size_t nfollow_in;
    char **histories;           /* saved history pages / getmsg JSON files */
    size_t nhistories;
    char **albums;              /* album page URLs */
    size_t nalbums;
    const char *wayback;        /* BIZ or a URL prefix; NULL: no CDX query */
    const char *from, *to;      /* CDX from/to timestamps (1-14 digits); may be NULL */
    long limit;                 /* CDX rows per request (1000) */
    int album_count;            /* album articles per request (20) */
    int depth;                  /* link levels followed from the given pages (1: their own links) */
    int any_account;            /* keep links to other accounts' articles */
    int urls_only;              /* print bare URLs */
    const char *store_dir;      /* NULL: ./wxstore when it exists */
    wx_fetch_opts fetch;        /* politeness, retries, --base-url */
} wx_discover_opts;

void wx_discover_opts_init(wx_discover_opts *o);

/* Run every source given and print to out.  Returns an exit code: 0, 65
 * (some source failed: a request, an unreadable answer or page; the others
 * still ran), 66 (a path does not exist), 74 (out could not be written). */
int wx_discover(const wx_discover_opts *o, FILE *out);

#endif
