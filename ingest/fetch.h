/*
 * fetch: download pages into an archive store (fetch.c, store.c).
 *
 * The store is a directory: objects/ab/cdef….html holds the raw bytes of
 * each distinct page body, named by its SHA-256 (never by the URL or the
 * page), and index.jsonl maps URLs to their fetches, one JSON object per
 * line, appended only after the object it names is safely in place.
 * tmp/ holds objects being written, claims/ the URLs fetchers sharing the
 * store are fetching now.  Readers ignore unparsable lines (a torn
 * last line after a crash).  README.md, "Fetching", has the details. */
#ifndef WX_INGEST_FETCH_H
#define WX_INGEST_FETCH_H

#include <stddef.h>
#include <stdio.h>
#include "doc.h"
#include <signal.h>
#include "warcwrite.h"

typedef struct wx_store wx_store;

/* One successful fetch as the index keeps it.  Strings owned, may be NULL. */
typedef struct wx_fetch_rec {
    char *url;              /* the URL as listed (the index key) */
    char *fetched_at;       /* UTC, 2026-01-02T03:04:05Z */
    char *final_url;        /* the URL the body came from, after redirects */
    long http_status;
    char *content_type;
    char *etag;
    char *last_modified;
    char *via;              /* "live" or "wayback" */
    char *captured_at;      /* via wayback: the capture's time (UTC, 2019-01-02T03:04:05Z), may be NULL */
    size_t bytes;
    char sha256[65];        /* names the object */
    char *page;             /* an image: the page it was fetched for; NULL for a page */
    char *format;           /* an image: its sniffed format ("jpeg", …); NULL for a page */
} wx_fetch_rec;

/* Open (creating when needed) the store at dir and read its index.
 * Returns NULL with a malloc'd message in *err on failure. */
wx_store *wx_store_open(const char *dir, char **err);
/* An existing store, for reading its index and objects only: nothing is
 * created, synced or cleaned up; not to be stored into. */
wx_store *wx_store_open_readonly(const char *dir, char **err);
void wx_store_close(wx_store *st);

/* The latest fetch of url recorded in the index, or NULL.  Owned by the store. */
const wx_fetch_rec *wx_store_latest(const wx_store *st, const char *url);

/* Earlier copies of url: the distinct bytes the index named for it before
 * its latest fetch (never the latest's own), newest first, at most
 * WX_STORE_EARLIER of them.  *copies is owned by the store and valid until
 * the URL's next index line is read.  Returns how many. */
#define WX_STORE_EARLIER 4
typedef struct wx_store_copy {
    char sha256[65];
    int wayback;            /* the copy came from the Wayback Machine (via "wayback") */
} wx_store_copy;
size_t wx_store_earlier(const wx_store *st, const char *url, const wx_store_copy **copies);

/* Path of the object with this SHA-256 (malloc'd), and whether it exists.
 * Pages are objects/ab/cdef….html; an image is stored under the extension
 * of its sniffed format (ext "jpg", "png", …; NULL means "html"). */
char *wx_store_object_path(const wx_store *st, const char *sha256);
char *wx_store_object_path_ext(const wx_store *st, const char *sha256, const char *ext);
int wx_store_has_object(const wx_store *st, const char *sha256);
/* The object an index entry names (a page's or an image's), and whether it
 * exists. */
char *wx_store_rec_path(const wx_store *st, const wx_fetch_rec *rec);
int wx_store_has_rec_object(const wx_store *st, const wx_fetch_rec *rec);

/* Storing, a batch at a time: every object's bytes on disk, then their
 * renames into objects/ on disk, then their index lines, one flush per
 * step for the whole batch (syncfs of the store's filesystem for the
 * objects, one fsync of the index for its lines).  Objects already present
 * are left alone; an index line is written only for an object in place,
 * and makes it the latest fetch of its URL.
 * errs[i] gets a malloc'd message for each entry that failed (NULL when it
 * succeeded); returns 0 when all did, else -1. */
typedef struct wx_store_object {
    const void *bytes;
    size_t len;
    const char *sha256;
    const char *ext;        /* NULL: a page (.html); else an image's extension */
} wx_store_object;
int wx_store_put_objects(wx_store *st, const wx_store_object *objs, size_t n, char **errs);
int wx_store_append_batch(wx_store *st, const wx_fetch_rec *recs, size_t n, char **errs);

void wx_fetch_rec_free(wx_fetch_rec *rec);   /* frees the strings, not rec */

/* Several fetchers on one store: before fetching url a fetcher claims it.
 * Under the index lock, the index is read again (lines other processes
 * appended meanwhile); when one of them has stored url since this store
 * was opened the answer is WX_CLAIM_DONE (wx_store_latest has it), when
 * another holds a live claim on it WX_CLAIM_BUSY (ask again later), else
 * this process now holds the claim (DIR/claims/<SHA-256 of url>, created
 * with O_EXCL, saying host, pid and time) and gets WX_CLAIM_OURS.  The
 * claim ends with the URL's index line (wx_store_append_batch) or with
 * wx_store_release.  A claim whose holder died (same host, pid gone) or
 * that is an hour old is taken over.  Returns -1 with a malloc'd message
 * in *err when the store cannot be locked or written. */
enum { WX_CLAIM_OURS = 0, WX_CLAIM_BUSY = 1, WX_CLAIM_DONE = 2 };
int wx_store_claim(wx_store *st, const char *url, char **err);
void wx_store_release(wx_store *st, const char *url);

/* A list of URLs. */
typedef struct wx_urllist {
    char **urls;
    size_t count, cap;
    size_t *slots, nslots;  /* internal: hash set of urls (index + 1), for de-duplication */
} wx_urllist;

/* Add one URL (copied) unless the list already has it.  Returns 0, -1 (out
 * of memory) or -2 (not valid UTF-8, so it could not be written as JSON). */
int wx_urllist_add(wx_urllist *list, const char *url);
/* Position of url in the list, or -1. */
long wx_urllist_find(const wx_urllist *list, const char *url);
/* Read a URL list: one URL a line, blank lines and lines starting with '#'
 * ignored, surrounding whitespace trimmed; path "-" is stdin.
 * Returns 0, or -1 with a malloc'd message in *err. */
int wx_urllist_read(const char *path, wx_urllist *list, char **err);
void wx_urllist_free(wx_urllist *list);

typedef enum {
    WX_FETCH_STORED = 0,    /* a new fetch went into the index */
    WX_FETCH_UNCHANGED,     /* 304, or the same bytes as the latest fetch (or as the live copy a
                               Wayback copy, now the latest, replaced) */
    WX_FETCH_FAILED,
    WX_FETCH_SKIPPED        /* already in the store and no --refresh */
} wx_fetch_status;

const char *wx_fetch_status_name(wx_fetch_status s);

/* The outcome for one URL. */
typedef struct wx_fetch_result {
    wx_fetch_status status;
    long http_status;       /* last HTTP status seen, 0 when none */
    char sha256[65];        /* the object now standing for the URL, "" when none */
    char *path;             /* its path in the store; owned, may be NULL */
    int attempts;           /* requests made */
    char *error;            /* why it failed ("verify: …" for the anti-bot page); owned, may be NULL */
    int store_error;        /* the failure was writing to the store (exit 74) */
    unsigned char *body;    /* to_memory: the 2xx body, NUL-terminated; owned, may be NULL */
    size_t body_len;
    char *final_url;        /* to_memory: where the body came from, after redirects; owned, may be NULL */
    char *content_type;     /* to_memory: the server's Content-Type; owned, may be NULL */
} wx_fetch_result;

typedef void (*wx_fetch_done_fn)(void *ctx, size_t index, const wx_fetch_result *res);
typedef void (*wx_fetch_note_fn)(void *ctx, const char *msg);

/* Per-host politeness state (rate, Retry-After and verification pauses,
 * hosts given up on) that outlives one wx_fetch_all call, for callers that
 * make request after request (discover's paged CDX and album queries). */
typedef struct wx_fetch_hosts wx_fetch_hosts;
wx_fetch_hosts *wx_fetch_hosts_new(void);
void wx_fetch_hosts_free(wx_fetch_hosts *hosts);

typedef struct wx_fetch_opts {
    int jobs;                   /* transfers at once (4) */
    double rate;                /* requests per second per host (1); <= 0: no limit */
    double connect_timeout;     /* seconds (10) */
    double timeout;             /* seconds for a whole transfer (60) */
    double stall_time;          /* abort below stall_bytes/s for this long (30 s) */
    long stall_bytes;           /* (100) */
    int retries;                /* extra attempts after the first (3) */
    double backoff;             /* first retry delay in seconds, doubled each time (1) */
    double max_retry_after;     /* a longer Retry-After fails the URL instead (300 s) */
    size_t max_bytes;           /* body cap (20 MiB) */
    int refresh;                /* refetch stored URLs, with conditional requests */
    const char *user_agent;     /* NULL: "wxingest/VERSION (archiver of …) libcurl/…" */
    const char *wayback;        /* NULL: live pages; else the Wayback timestamp ("" = latest) */
    const char *base_url;       /* NULL, or scheme://host[:port] to send requests to */
    int progress;               /* draw a progress line on stderr */
    volatile sig_atomic_t *stop;/* set (to the signal number) to stop early; may be NULL */
    wx_fetch_done_fn on_done;   /* called once per URL as it finishes; may be NULL */
    wx_fetch_note_fn on_note;   /* host-level news ("stopping fetches from …"); may be NULL */
    void *ctx;
    int to_memory;              /* hand each 2xx body to the caller (result.body) instead of
                                 * storing it: any media type, empty bodies too; the store may
                                 * be NULL and nothing is skipped */
    wx_fetch_hosts *hosts;      /* NULL: politeness state for this call only */
    const char *warc_path;      /* --warc FILE.warc.gz: the caller opens warc from it */
    size_t warc_max_size;       /* --warc-max-size (1 GiB) */
    wx_warc_writer *warc;       /* NULL, or every complete HTTP exchange (each redirect hop,
                                 * error statuses too; not the verification page) is written
                                 * there as WARC records (images' too: to_memory writes
                                 * them as well; wx_fetch_get never does) */
    const char *referer;        /* NULL: none (redirects then send the previous URL); else sent on
                                 * every request of a transfer, redirects included */
    const char *accept;         /* NULL: the Accept header of pages */
} wx_fetch_opts;

/* Fill o with the defaults above. */
void wx_fetch_opts_init(wx_fetch_opts *o);

/* Set one fetcher option from its command-line spelling: name is the long
 * option without dashes (jobs, rate, timeout, retries, backoff, max-bytes,
 * refresh, user-agent, via, base-url, warc, warc-max-size); value is kept, not copied.  Returns
 * NULL, or a message for the user ("bad --rate", "not a fetcher option"). */
const char *wx_fetch_opt_set(wx_fetch_opts *o, const char *name, const char *value);

/* A command-line number in [lo, hi] with nothing after it; integral: a
 * whole number.  Returns 0, or -1 when it is not one. */
int wx_number_arg(const char *s, double lo, double hi, int integral, double *out);

/* Fetch every URL into the store.  results[i] is filled for urls[i] (free
 * each with wx_fetch_result_free).  Returns 0, or -1 with a malloc'd
 * message in *err when the fetcher could not start at all (libcurl).
 * When *o->stop becomes non-zero, transfers in flight are abandoned and
 * the remaining URLs fail with "interrupted". */
int wx_fetch_all(wx_store *st, const wx_urllist *urls, const wx_fetch_opts *o,
                 wx_fetch_result *results, char **err);
void wx_fetch_result_free(wx_fetch_result *res);

/* One URL's body into memory, with every rule of wx_fetch_all (rate,
 * retries, backoff, timeouts, size cap, verification page, --base-url):
 * o as given, to_memory set.  res->status is WX_FETCH_STORED with res->body
 * set, or WX_FETCH_FAILED with res->error.  Returns wx_fetch_all's value. */
int wx_fetch_get(const wx_fetch_opts *o, const char *url, wx_fetch_result *res, char **err);

/* Whether a page body is WeChat's anti-bot verification page (环境异常 /
 * 完成验证后即可继续访问); final_url may be NULL.  Public for the tests. */
int wx_is_verify_page(const void *body, size_t len, const char *final_url);

#endif /* WX_INGEST_FETCH_H */
