/*
 * fetch: download article pages into the store, politely and safely.
 *
 * One libcurl multi handle drives up to `jobs` transfers at once (HTTP/2
 * multiplexing and connection reuse come from sharing it).  A small
 * scheduler decides what starts when: each host has a "next allowed start"
 * time (the rate limit, pushed back further by Retry-After and by WeChat's
 * verification page), and each URL waiting for a retry has its own
 * not-before time (exponential backoff with jitter).
 *
 * A finished transfer is classified once (finish_transfer): stored,
 * unchanged, retry later, or failed with a "code: detail" message.  Only a
 * complete, acceptable body ever reaches the store, and only after the
 * transfer ended: nothing is written while bytes are still arriving.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest.h"
#include "util.h"
#include "fetch.h"
#include "strmap.h"

#ifndef WX_VERSION
#define WX_VERSION "dev"
#endif

#define MAX_REDIRECTS 5L
#define VERIFY_STREAK_LIMIT 3      /* verification pages in a row before giving up on a host */
#define VERIFY_PAUSE_FACTOR 30.0   /* pause after one, in units of the backoff */
#define MAX_BACKOFF 300.0          /* seconds */
#define CLAIM_WAIT 0.25             /* seconds before asking again for a URL another fetcher holds */
#define POLL_MS 100                /* longest wait, so a signal is noticed quickly */
#define PROGRESS_EVERY 0.2         /* seconds between progress redraws */

/* ---------- small helpers ---------- */

/* Monotonic seconds: the scheduler must not jump with the wall clock. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The time of a fetch as the index and records show it (UTC, seconds). */
static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Jitter source: spreading retries apart matters, unpredictability does not. */
static double jitter01(void)
{
    static uint64_t x = 0;
    if (!x) x = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (double)(x >> 11) / 9007199254740992.0;
}

/* URL schemes are case-insensitive (HTTPS://… is as good as https://…). */
static int starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Only http and https are ever requested, whatever the list says. */
static int is_http_url(const char *url)
{
    return (starts_with_ci(url, "http://") && url[7]) || (starts_with_ci(url, "https://") && url[8]);
}

/* ---------- URL lists ---------- */

/* Lists end up in JSON (the index, the result lines), which must be UTF-8;
 * jansson is the judge of that. */
static int valid_utf8(const char *s)
{
    json_t *j = json_string(s);
    json_decref(j);
    return j != NULL;
}

/* Open addressing, kept at most half full: lists of 100 000 URLs must not
 * cost a quadratic duplicate check. */
static size_t *slot_for(const wx_urllist *list, const char *url)
{
    size_t mask = list->nslots - 1;
    for (size_t k = (size_t)wx_hash_str(url) & mask;; k = (k + 1) & mask) {
        size_t v = list->slots[k];
        if (!v || strcmp(list->urls[v - 1], url) == 0) return &list->slots[k];
    }
}

/* Double the hash set and re-insert: keeps it at most half full. */
static int slots_grow(wx_urllist *list)
{
    size_t n = list->nslots ? list->nslots * 2 : 64;
    size_t *old = list->slots, oldn = list->nslots;
    list->slots = calloc(n, sizeof *list->slots);
    if (!list->slots) { list->slots = old; return -1; }
    list->nslots = n;
    for (size_t i = 0; i < oldn; i++)
        if (old[i]) *slot_for(list, list->urls[old[i] - 1]) = old[i];
    free(old);
    return 0;
}

int wx_urllist_add(wx_urllist *list, const char *url)
{
    if (!valid_utf8(url)) return -2;
    if ((list->count + 1) * 2 > list->nslots && slots_grow(list) != 0) return -1;
    size_t *slot = slot_for(list, url);
    if (*slot) return 0;   /* already listed */
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        char **u = realloc(list->urls, cap * sizeof *u);
        if (!u) return -1;
        list->urls = u;
        list->cap = cap;
    }
    char *copy = strdup(url);
    if (!copy) return -1;
    list->urls[list->count++] = copy;
    *slot = list->count;
    return 0;
}

long wx_urllist_find(const wx_urllist *list, const char *url)
{
    if (list->nslots == 0) return -1;
    size_t v = *slot_for(list, url);
    return v ? (long)(v - 1) : -1;
}

/* Trim in place: lists come from editors and spreadsheets (CRLF, BOM, tabs). */
static char *trim(char *s)
{
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) s += 3;
    while (*s && isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

/* Whole-line comments only: a '#' inside a URL is its fragment. */
int wx_urllist_read(const char *path, wx_urllist *list, char **err)
{
    if (err) *err = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) { if (err) *err = wx_strf("%s: %s", path, strerror(errno)); return -1; }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    size_t lineno = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *u = trim(line);
        if (!*u || *u == '#') continue;
        int added = wx_urllist_add(list, u);
        if (added == -2) { if (err) *err = wx_strf("%s: line %zu is not valid UTF-8", path, lineno); rc = -1; break; }
        if (added != 0) { if (err) *err = wx_strf("%s: out of memory", path); rc = -1; break; }
    }
    if (rc == 0 && ferror(f)) { if (err) *err = wx_strf("%s: %s", path, strerror(errno)); rc = -1; }
    free(line);
    if (!is_stdin) fclose(f);
    return rc;
}

/* The list owns its strings; freeing leaves it empty and reusable. */
void wx_urllist_free(wx_urllist *list)
{
    for (size_t i = 0; i < list->count; i++) free(list->urls[i]);
    free(list->urls);
    free(list->slots);
    memset(list, 0, sizeof *list);
}

/* ---------- options and results ---------- */

void wx_fetch_opts_init(wx_fetch_opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = 4;
    o->rate = 1.0;
    o->connect_timeout = 10;
    o->timeout = 60;
    o->stall_time = 30;
    o->stall_bytes = 100;
    o->retries = 3;
    o->backoff = 1.0;
    o->max_retry_after = 300;
    o->max_bytes = (size_t)20 * 1024 * 1024;
    o->warc_max_size = (size_t)1 << 30;
}

/* The status words of the result lines (README, "Fetching"). */
const char *wx_fetch_status_name(wx_fetch_status s)
{
    switch (s) {
    case WX_FETCH_STORED: return "stored";
    case WX_FETCH_UNCHANGED: return "unchanged";
    case WX_FETCH_SKIPPED: return "skipped";
    case WX_FETCH_FAILED: break;
    }
    return "failed";
}

/* A result owns its path and error. */
void wx_fetch_result_free(wx_fetch_result *res)
{
    if (!res) return;
    free(res->path);
    free(res->error);
    free(res->body);
    free(res->final_url);
    free(res->content_type);
    memset(res, 0, sizeof *res);
}

/* ---------- the verification page ---------- */

static int has(const void *body, size_t len, const char *needle)
{
    return memmem(body, len, needle, strlen(needle)) != NULL;
}

/* Content markers, not parse/'s classifier: ingest must not depend on parse.
 * A page with the article container is an article even if its text quotes
 * the verification message. */
int wx_is_verify_page(const void *body, size_t len, const char *final_url)
{
    if (final_url && (strstr(final_url, "wappoc_appmsgcaptcha") || strstr(final_url, "secitptpage")))
        return 1;
    if (!body || has(body, len, "js_content")) return 0;   /* an article, whatever it talks about */
    if (has(body, len, "wappoc_appmsgcaptcha") || has(body, len, "secitptpage/verify")) return 1;
    return has(body, len, "环境异常") &&
           (has(body, len, "完成验证后即可继续访问") || has(body, len, "去验证"));
}

/* ---------- the scheduler's state ---------- */

typedef struct host {
    char *name;                 /* host:port, lower case */
    double next_ok;             /* monotonic time the next request may start */
    int verify_streak;
    int blocked;
    struct host *next;
} host;

typedef enum { T_WAITING, T_ACTIVE, T_DONE } task_state;

typedef struct task {
    size_t index;
    const char *url;            /* as listed; the index key */
    char *request_url;          /* after --via and --base-url */
    host *h;
    task_state state;
    double not_before;
    const wx_fetch_rec *prev;   /* latest stored fetch, for conditional requests */
    int claimed;                /* this process holds the URL's claim in the store */
    /* the transfer in flight */
    CURL *easy;
    struct curl_slist *headers;
    unsigned char *body;
    size_t len, cap, max;
    int too_large;
    char *etag, *last_modified;
    char errbuf[CURL_ERROR_SIZE];
    wx_warc_capture *warc;      /* --warc: the exchanges of this attempt */
} task;

typedef struct fetcher {
    wx_store *st;
    const wx_fetch_opts *o;
    wx_fetch_result *results;
    CURLM *multi;
    task *tasks;
    size_t ntasks, active, done, failed;
    host *own_hosts;            /* the hosts of this call, unless o->hosts keeps them */
    host **hosts;               /* &own_hosts or &o->hosts->head */
    char *ua;
    double started, last_progress;
    double next_scan;           /* start_ready has nothing to do before this (0: look now) */
    size_t scan_from;           /* tasks before this one are all done */
    int store_trouble;
    /* Bodies fetched and checked, waiting to be stored as one batch
     * (commit_pending): their tasks are finished only then. */
    struct pending {
        task *t;
        long code;
        char *final_url, *ctype;
        char sha[65];
        char when[32];
    } *pending;
    size_t npending, pending_bytes;
} fetcher;

/* A batch is stored once this many bodies or bytes wait, and at the end of
 * every round of finished transfers. */
enum { PENDING_MAX = 64 };
#define PENDING_MAX_BYTES ((size_t)32 << 20)

/* Hosts are the unit of politeness; look one up or add it. */
static host *host_get(fetcher *f, const char *name)
{
    for (host *h = *f->hosts; h; h = h->next)
        if (strcmp(h->name, name) == 0) return h;
    host *h = calloc(1, sizeof *h);
    if (!h || !(h->name = strdup(name))) { free(h); return NULL; }
    h->next = *f->hosts;
    *f->hosts = h;
    return h;
}

struct wx_fetch_hosts { host *head; };

/* A caller making one request after another keeps the hosts, so the rate
 * and pauses hold across its calls as they do within one. */
wx_fetch_hosts *wx_fetch_hosts_new(void) { return calloc(1, sizeof(wx_fetch_hosts)); }

/* A call's own hosts go with it; kept ones go with their wx_fetch_hosts. */
static void hosts_free(host *h)
{
    for (host *n; h; h = n) {
        n = h->next;
        free(h->name);
        free(h);
    }
}

void wx_fetch_hosts_free(wx_fetch_hosts *hosts)
{
    if (!hosts) return;
    hosts_free(hosts->head);
    free(hosts);
}

/* host:port of a URL, through libcurl's own parser so it agrees with what
 * libcurl will connect to.  NULL when the URL does not parse. */
static char *host_key(const char *url)
{
    CURLU *u = curl_url();
    char *hostname = NULL, *port = NULL, *key = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &hostname, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        for (char *p = hostname; *p; p++) *p = (char)tolower((unsigned char)*p);
        key = wx_strf("%s:%s", hostname, port);
    }
    curl_free(hostname);
    curl_free(port);
    curl_url_cleanup(u);
    return key;
}

/* Where to send the request for a listed URL: the Wayback Machine's raw
 * capture (id_), or the same path on --base-url, or the URL itself. */
static char *request_url(const wx_fetch_opts *o, const char *url)
{
    if (o->wayback) {
        const char *base = o->base_url ? o->base_url : "https://web.archive.org";
        size_t bl = strlen(base);
        while (bl > 0 && base[bl - 1] == '/') bl--;
        return wx_strf("%.*s/web/%sid_/%s", (int)bl, base, *o->wayback ? o->wayback : "2", url);
    }
    if (!o->base_url) return strdup(url);
    const char *rest = strstr(url, "://");
    rest = rest ? rest + 3 : url;
    rest += strcspn(rest, "/?#");
    size_t bl = strlen(o->base_url);
    while (bl > 0 && o->base_url[bl - 1] == '/') bl--;
    return wx_strf("%.*s%s%s", (int)bl, o->base_url, *rest == '/' ? "" : "/", rest);
}

/* ---------- one transfer ---------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    task *t = ud;
    size_t len = size * n;
    if (t->len + len > t->max) { t->too_large = 1; return 0; }   /* abort: the cap, even without a Content-Length */
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64 * 1024;
        while (cap < t->len + len + 1) cap *= 2;
        unsigned char *b = realloc(t->body, cap);
        if (!b) return 0;
        t->body = b;
        t->cap = cap;
    }
    memcpy(t->body + t->len, data, len);
    t->len += len;
    return len;
}

/* A header's value, trimmed, as a fresh string. */
static char *header_value(const char *line, size_t n, size_t name_len)
{
    const char *v = line + name_len, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t')) end--;
    return strndup(v, (size_t)(end - v));
}

/* Keep the validators of the last response (a redirect's own headers come
 * first and are forgotten when the next status line arrives). */
static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    task *t = ud;
    size_t len = size * n;
    if (t->warc) {   /* --warc: each hop's URL and server address as its status line arrives */
        char *url = NULL, *ip = NULL;
        if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
            curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url);
            curl_easy_getinfo(t->easy, CURLINFO_PRIMARY_IP, &ip);
        }
        wx_warc_capture_header(t->warc, line, len, url, ip);
    }
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        free(t->etag);
        free(t->last_modified);
        t->etag = t->last_modified = NULL;
    } else if (len > 5 && strncasecmp(line, "etag:", 5) == 0) {
        free(t->etag);
        t->etag = header_value(line, len, 5);
    } else if (len > 14 && strncasecmp(line, "last-modified:", 14) == 0) {
        free(t->last_modified);
        t->last_modified = header_value(line, len, 14);
    }
    return len;
}

/* --warc: the request heads as sent (libcurl shows them only to a debug
 * callback, which needs CURLOPT_VERBOSE; its other chatter is ignored). */
static int on_debug(CURL *e, curl_infotype type, char *data, size_t n, void *ud)
{
    (void)e;
    task *t = ud;
    if (type == CURLINFO_HEADER_OUT) wx_warc_capture_request(t->warc, data, n);
    return 0;
}

/* Forget one attempt's transfer state (the result stays). */
static void transfer_reset(fetcher *f, task *t)
{
    if (t->easy) {
        curl_multi_remove_handle(f->multi, t->easy);
        curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    free(t->body);
    free(t->etag);
    free(t->last_modified);
    t->body = NULL;
    t->etag = t->last_modified = NULL;
    t->len = t->cap = 0;
    t->too_large = 0;
    wx_warc_capture_free(t->warc);
    t->warc = NULL;
    t->errbuf[0] = '\0';
}

/* Seconds from the command line to libcurl's milliseconds, rounded up. */
static long ms(double s) { return s <= 0 ? 0 : (long)ceil(s * 1000.0); }

/* Every safety rule of the issue is a libcurl option here: protocols in the
 * first request and in redirects, redirect count, timeouts, the body cap,
 * TLS verification.  Proxies come from the environment (libcurl's default). */
static int transfer_start(fetcher *f, task *t)
{
    const wx_fetch_opts *o = f->o;
    CURL *e = curl_easy_init();
    if (!e) return -1;
    t->easy = e;
    t->max = o->max_bytes;
    int ok = 1;
#define SET(opt, val) ok &= curl_easy_setopt(e, opt, val) == CURLE_OK
    SET(CURLOPT_URL, t->request_url);
    SET(CURLOPT_PRIVATE, (void *)t);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)t);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    /* An image host judges the Referer: it must stay the one asked for
     * through redirects, where AUTOREFERER would send the previous URL. */
    if (o->referer) SET(CURLOPT_REFERER, o->referer);
    else SET(CURLOPT_AUTOREFERER, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, ms(o->connect_timeout));
    SET(CURLOPT_TIMEOUT_MS, ms(o->timeout));
    SET(CURLOPT_LOW_SPEED_LIMIT, o->stall_bytes > 0 ? o->stall_bytes : 1L);
    SET(CURLOPT_LOW_SPEED_TIME, (long)(o->stall_time >= 1 ? ceil(o->stall_time) : 1));
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : f->ua);
    if (o->warc) {
        if (!(t->warc = wx_warc_capture_new())) ok = 0;
        SET(CURLOPT_DEBUGFUNCTION, on_debug);
        SET(CURLOPT_DEBUGDATA, (void *)t);
        SET(CURLOPT_VERBOSE, 1L);
        SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);   /* a proxy's CONNECT reply is no hop of the page */
    }
    struct curl_slist *h = NULL, *n;
    char *accept = o->accept ? wx_strf("Accept: %s", o->accept) : NULL;
    const char *fixed[] = {accept ? accept : "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
                           "Accept-Language: zh-CN,zh;q=0.9,en;q=0.5"};
    for (size_t i = 0; i < 2; i++) {
        if (!(n = curl_slist_append(h, fixed[i]))) ok = 0;
        else h = n;
    }
    free(accept);
    if (t->prev && f->o->refresh) {
        /* Validators come from the index, a file users may edit: one with a
         * line break would smuggle in a header of its own. */
        const char *etag = t->prev->etag, *lm = t->prev->last_modified;
        char *c1 = etag && !strpbrk(etag, "\r\n") ? wx_strf("If-None-Match: %s", etag) : NULL;
        char *c2 = lm && !strpbrk(lm, "\r\n") ? wx_strf("If-Modified-Since: %s", lm) : NULL;
        if (c1 && (n = curl_slist_append(h, c1))) h = n;
        if (c2 && (n = curl_slist_append(h, c2))) h = n;
        free(c1);
        free(c2);
    }
    t->headers = h;
    SET(CURLOPT_HTTPHEADER, h);
#undef SET
    if (!ok || curl_multi_add_handle(f->multi, e) != CURLM_OK) {
        transfer_reset(f, t);
        return -1;
    }
    t->state = T_ACTIVE;
    f->active++;
    f->results[t->index].attempts++;
    return 0;
}

/* ---------- outcomes ---------- */

/* Mark a URL finished and hand its result to the caller. */
static void task_done(fetcher *f, task *t)
{
    transfer_reset(f, t);
    if (t->claimed) wx_store_release(f->st, t->url);   /* no index line: another fetcher may try */
    t->claimed = 0;
    t->state = T_DONE;
    f->done++;
    if (f->results[t->index].status == WX_FETCH_FAILED) f->failed++;
    if (f->o->on_done) f->o->on_done(f->o->ctx, t->index, &f->results[t->index]);
}

/* Finish a URL as failed with msg (taken over; NULL means out of memory). */
static void task_fail(fetcher *f, task *t, char *msg)
{
    wx_fetch_result *r = &f->results[t->index];
    r->status = WX_FETCH_FAILED;
    free(r->error);
    r->error = msg ? msg : strdup("failed");
    task_done(f, t);
}

/* The object now standing for the URL, for the result line. */
static void result_object(fetcher *f, wx_fetch_result *r, const char *sha)
{
    memcpy(r->sha256, sha, 65);
    free(r->path);
    r->path = wx_store_object_path(f->st, sha);
}

/* After three verification pages in a row a host is given up on for the
 * run: every URL still waiting for it fails at once, and the user is told. */
static void host_block(fetcher *f, host *h)
{
    h->blocked = 1;
    if (f->o->on_note) {
        char *msg = wx_strf("%s: %d verification pages in a row; no more fetches from this host in this run",
                        h->name, VERIFY_STREAK_LIMIT);
        if (msg) f->o->on_note(f->o->ctx, msg);
        free(msg);
    }
    for (size_t i = 0; i < f->ntasks; i++) {
        task *t = &f->tasks[i];
        if (t->h == h && t->state == T_WAITING)
            task_fail(f, t, wx_strf("blocked: %s showed %d verification pages in a row; not fetched in this run",
                                h->name, VERIFY_STREAK_LIMIT));
    }
}

/* Whether a libcurl failure is worth another attempt: the network's
 * transient troubles, not our limits or the server's refusals. */
static int transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* The "code" word of an error message, so users and tests can match on it. */
static const char *curl_code_word(CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_TOO_MANY_REDIRECTS: return "redirect";
    case CURLE_UNSUPPORTED_PROTOCOL: return "scheme";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR: return "tls";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "dns";
    default: return "network";
    }
}

/* curl says "unsupported protocol" both for a redirect to another scheme
 * and for a reply that is not HTTP/1.x or 2 (an HTTP/0.9 body with no
 * status line) from an http(s) URL: the latter is the server's fault,
 * an http error, not a scheme one. */
static const char *error_word(CURLcode rc, const char *url)
{
    if (rc == CURLE_UNSUPPORTED_PROTOCOL && url &&
        (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0))
        return "http";
    return curl_code_word(rc);
}

/* Schedule another attempt, or fail when the attempts are used up.  The
 * delay doubles each time (equal jitter: half fixed, half random) and is
 * never shorter than the server's Retry-After, which also pauses the host. */
static void retry_or_fail(fetcher *f, task *t, char *msg, double retry_after)
{
    const wx_fetch_opts *o = f->o;
    wx_fetch_result *r = &f->results[t->index];
    if (r->attempts > o->retries) { task_fail(f, t, msg); return; }
    if (retry_after > o->max_retry_after) {
        char *m = wx_strf("%s (Retry-After %.0f s is more than %.0f s; not retried)", msg ? msg : "failed",
                      retry_after, o->max_retry_after);
        free(msg);
        task_fail(f, t, m);
        return;
    }
    double d = o->backoff * pow(2.0, r->attempts - 1);
    if (d > MAX_BACKOFF) d = MAX_BACKOFF;
    d = d / 2 + d / 2 * jitter01();
    double now = now_s();
    if (retry_after > 0) {
        if (d < retry_after) d = retry_after;
        if (t->h->next_ok < now + retry_after) t->h->next_ok = now + retry_after;
    }
    free(r->error);
    r->error = msg;   /* kept in case the next attempt never happens (interrupt) */
    transfer_reset(f, t);
    t->state = T_WAITING;
    t->not_before = now + d;
}

/* Media type acceptable as a page: HTML, or nothing said and HTML-looking. */
static int page_type_ok(const char *ctype, const unsigned char *body, size_t len)
{
    if (!ctype || !*ctype) {
        size_t i = 0;
        if (len >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF) i = 3;
        while (i < len && isspace(body[i])) i++;
        return i < len && body[i] == '<';
    }
    size_t n = strcspn(ctype, "; \t");
    return (n == 9 && strncasecmp(ctype, "text/html", 9) == 0) ||
           (n == 21 && strncasecmp(ctype, "application/xhtml+xml", 21) == 0);
}

/* Server-chosen strings go into the index: keep them bounded. */
static char *dup_trunc(const char *s) { return s ? strndup(s, 2000) : NULL; }

static void commit_pending(fetcher *f);

/* A live fetch of a URL whose latest copy is a Wayback copy (--fallback
 * wayback stored it because the live page was gone): are these the bytes
 * of the live copy it replaced?  Then the live page has not changed, and
 * the Wayback copy stays the URL's copy: storing the gone page again would
 * make it the latest, only for the fallback to store the capture again. */
static int same_as_replaced_live(const fetcher *f, const task *t, const char *sha)
{
    if (f->o->wayback || !t->prev->via || strcmp(t->prev->via, "wayback") != 0) return 0;
    const wx_store_copy *c;
    size_t n = wx_store_earlier(f->st, t->url, &c);
    for (size_t i = 0; i < n; i++)
        if (!c[i].wayback) return strcmp(c[i].sha256, sha) == 0;   /* the newest live copy */
    return 0;
}

/* A complete 2xx body passed every check: store it unless it is the same
 * page as the latest stored fetch (or, under a Wayback copy, as the live
 * copy that one replaced).  It joins the pending batch; the task
 * finishes when the batch is stored. */
static void store_body(fetcher *f, task *t, long code, const char *final_url, const char *ctype)
{
    wx_fetch_result *r = &f->results[t->index];
    char sha[65];
    wx_sha256_hex(t->body, t->len, sha);
    if (t->prev && (strcmp(t->prev->sha256, sha) == 0 || same_as_replaced_live(f, t, sha)) &&
        wx_store_has_object(f->st, sha)) {
        r->status = WX_FETCH_UNCHANGED;
        result_object(f, r, sha);
        task_done(f, t);
        return;
    }
    struct pending *p = &f->pending[f->npending];
    p->t = t;
    p->code = code;
    p->final_url = final_url ? strdup(final_url) : NULL;
    p->ctype = ctype ? strdup(ctype) : NULL;
    memcpy(p->sha, sha, 65);
    utc_now(p->when);
    f->npending++;
    f->pending_bytes += t->len;
    if (f->npending == PENDING_MAX || f->pending_bytes >= PENDING_MAX_BYTES) commit_pending(f);
}

/* Store the pending batch (objects, then index lines: wx_store_put_objects,
 * wx_store_append_batch) and finish its tasks. */
static void commit_pending(fetcher *f)
{
    size_t n = f->npending;
    if (n == 0) return;
    wx_store_object objs[PENDING_MAX];
    wx_fetch_rec recs[PENDING_MAX];
    char *obj_err[PENDING_MAX], *idx_err[PENDING_MAX];
    for (size_t i = 0; i < n; i++) {
        struct pending *p = &f->pending[i];
        objs[i] = (wx_store_object){p->t->body, p->t->len, p->sha, NULL};
    }
    wx_store_put_objects(f->st, objs, n, obj_err);
    size_t m = 0, at[PENDING_MAX];
    for (size_t i = 0; i < n; i++) {
        if (obj_err[i]) continue;
        struct pending *p = &f->pending[i];
        task *t = p->t;
        wx_fetch_rec *rec = &recs[m];
        memset(rec, 0, sizeof *rec);
        rec->url = (char *)t->url;
        rec->fetched_at = p->when;
        rec->final_url = p->final_url;
        rec->http_status = p->code;
        rec->content_type = p->ctype;
        rec->etag = t->etag;
        rec->last_modified = t->last_modified;
        rec->via = (char *)(f->o->wayback ? "wayback" : "live");
        rec->bytes = t->len;
        memcpy(rec->sha256, p->sha, 65);
        at[m++] = i;
    }
    for (size_t i = 0; i < n; i++) idx_err[i] = NULL;
    char *batch_err[PENDING_MAX];
    wx_store_append_batch(f->st, recs, m, batch_err);
    for (size_t k = 0; k < m; k++) idx_err[at[k]] = batch_err[k];
    for (size_t i = 0; i < n; i++) {
        struct pending *p = &f->pending[i];
        task *t = p->t;
        wx_fetch_result *r = &f->results[t->index];
        char *err = obj_err[i] ? obj_err[i] : idx_err[i];
        if (err) {
            r->store_error = 1;
            f->store_trouble = 1;
            task_fail(f, t, err);
        } else {
            t->prev = wx_store_latest(f->st, t->url);
            t->claimed = 0;                 /* released with its index line */
            r->status = WX_FETCH_STORED;
            free(r->error);
            r->error = NULL;
            result_object(f, r, p->sha);
            task_done(f, t);
        }
        free(p->final_url);
        free(p->ctype);
    }
    f->npending = 0;
    f->pending_bytes = 0;
}

/* to_memory: the caller takes the body (NUL-terminated, like a document's
 * bytes, so text scanners may stop at the end). */
static void hand_over_body(fetcher *f, task *t, const char *final_url, const char *ctype)
{
    wx_fetch_result *r = &f->results[t->index];
    unsigned char *b = t->body ? t->body : malloc(1);
    if (!b) { task_fail(f, t, strdup("internal: out of memory")); return; }
    b[t->len] = '\0';   /* on_body always leaves room for it */
    r->body = b;
    r->body_len = t->len;
    t->body = NULL;
    free(r->final_url);
    free(r->content_type);
    r->final_url = final_url ? strdup(final_url) : NULL;
    r->content_type = ctype ? strdup(ctype) : NULL;
    r->status = WX_FETCH_STORED;
    free(r->error);
    r->error = NULL;
    task_done(f, t);
}

/* Classify one finished attempt.  This is the whole policy of the issue's
 * "Behaviour on the network" section in one place. */
static void finish_transfer(fetcher *f, task *t, CURLcode rc)
{
    wx_fetch_result *r = &f->results[t->index];
    host *h = t->h;
    long code = 0;
    char *eff = NULL, *ctype_raw = NULL;
    curl_off_t retry_after = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &eff);
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ctype_raw);
    curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &retry_after);
    char *final_url = dup_trunc(eff), *ctype = dup_trunc(ctype_raw);
    f->active--;
    f->next_scan = 0;   /* a slot is free */
    if (code) r->http_status = code;

    /* --warc: every complete exchange is archived as received, whatever
     * the store makes of it; a WARC that cannot be written is a failure
     * to store (exit 74).  WeChat's verification page is not the page. */
    char *werr = NULL;
    if (t->warc && rc == CURLE_OK && !wx_is_verify_page(t->body, t->len, final_url) &&
        wx_warc_capture_write(f->o->warc, t->warc, t->body, t->len, &werr) != 0) {
        r->store_error = 1;
        f->store_trouble = 1;
        task_fail(f, t, werr);
    } else if (rc == CURLE_FILESIZE_EXCEEDED || (rc == CURLE_WRITE_ERROR && t->too_large)) {
        task_fail(f, t, wx_strf("too_large: the body is larger than %zu bytes (--max-bytes)", f->o->max_bytes));
    } else if (rc != CURLE_OK) {
        const char *detail = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
        char *msg = wx_strf("%s: %s", error_word(rc, final_url), detail);
        if (transient(rc)) retry_or_fail(f, t, msg, 0);
        else task_fail(f, t, msg);
    } else if (code == 304 && t->prev && f->o->refresh) {
        h->verify_streak = 0;
        r->status = WX_FETCH_UNCHANGED;
        result_object(f, r, t->prev->sha256);
        free(r->error);
        r->error = NULL;
        task_done(f, t);
    } else if (code == 408 || code == 429 || (code >= 500 && code <= 599)) {
        retry_or_fail(f, t, wx_strf("http: HTTP %ld", code), (double)retry_after);
    } else if (code < 200 || code > 299) {
        task_fail(f, t, wx_strf("http: HTTP %ld", code));
    } else if (wx_is_verify_page(t->body, t->len, final_url)) {
        /* Never stored; the host is paused, longer each time, then given up on. */
        h->verify_streak++;
        double pause = f->o->backoff * VERIFY_PAUSE_FACTOR * pow(2.0, h->verify_streak - 1);
        if (h->next_ok < now_s() + pause) h->next_ok = now_s() + pause;
        task_fail(f, t, strdup("verify: WeChat showed its verification page (环境异常, 完成验证后即可继续访问); not stored"));
        if (h->verify_streak >= VERIFY_STREAK_LIMIT && !h->blocked) host_block(f, h);
    } else if (f->o->to_memory) {
        h->verify_streak = 0;
        hand_over_body(f, t, final_url, ctype);
    } else if (t->len == 0) {
        task_fail(f, t, wx_strf("empty: HTTP %ld with an empty body", code));
    } else if (!page_type_ok(ctype, t->body, t->len)) {
        task_fail(f, t, wx_strf("content_type: %s is not a web page", ctype ? ctype : "(none)"));
    } else {
        h->verify_streak = 0;
        store_body(f, t, code, final_url, ctype);
    }
    free(final_url);
    free(ctype);
}

/* ---------- the loop ---------- */

static void progress(fetcher *f, int final)
{
    if (!f->o->progress) return;
    double now = now_s();
    if (!final && now - f->last_progress < PROGRESS_EVERY) return;
    f->last_progress = now;
    double el = now - f->started;
    fprintf(stderr, "\rwxingest: fetch %zu/%zu, %.1f/s, %zu failed, %zu active   ", f->done, f->ntasks,
            el > 0 ? (double)f->done / el : 0.0, f->failed, f->active);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* Fetchers sharing the store fetch a URL only under its claim
 * (wx_store_claim).  Returns 1 when this one may start the transfer; else
 * the task finished (another fetcher stored the URL meanwhile, or the store
 * failed) or waits CLAIM_WAIT while another fetcher holds the URL. */
static int claim_url(fetcher *f, task *t, double now, double *soonest)
{
    if (!f->st || f->o->to_memory || t->claimed) return 1;
    char *err = NULL;
    int c = wx_store_claim(f->st, t->url, &err);
    wx_fetch_result *r = &f->results[t->index];
    const wx_fetch_rec *rec = c == WX_CLAIM_DONE ? wx_store_latest(f->st, t->url) : NULL;
    if (c == WX_CLAIM_OURS) {
        t->claimed = 1;
        return 1;
    } else if (c == WX_CLAIM_BUSY) {
        t->not_before = now + CLAIM_WAIT;
        if (CLAIM_WAIT < *soonest) *soonest = CLAIM_WAIT;
    } else if (rec) {
        r->status = WX_FETCH_SKIPPED;
        r->http_status = rec->http_status;
        result_object(f, r, rec->sha256);
        task_done(f, t);
    } else {
        r->store_error = 1;
        f->store_trouble = 1;
        task_fail(f, t, err ? err : strdup("store: cannot claim the URL"));
    }
    return 0;
}

/* Start what may start now; return how long until something else may.
 * The scan is skipped while nothing can have changed (no slot freed, no
 * waiting time reached), so long lists cost nothing per network event. */
static double start_ready(fetcher *f)
{
    double now = now_s();
    if (now < f->next_scan) return f->next_scan - now;
    double soonest = INFINITY;
    double interval = f->o->rate > 0 ? 1.0 / f->o->rate : 0;
    while (f->scan_from < f->ntasks && f->tasks[f->scan_from].state == T_DONE) f->scan_from++;
    for (size_t i = f->scan_from; i < f->ntasks; i++) {
        task *t = &f->tasks[i];
        if (t->state != T_WAITING) continue;
        if (t->h->blocked) {   /* a retry that was waiting when its host was given up on */
            task_fail(f, t, wx_strf("blocked: %s showed %d verification pages in a row; not fetched in this run",
                                t->h->name, VERIFY_STREAK_LIMIT));
            continue;
        }
        if (f->active >= (size_t)f->o->jobs) { soonest = INFINITY; break; }   /* until a slot frees */
        double at = t->not_before > t->h->next_ok ? t->not_before : t->h->next_ok;
        if (at > now) {
            if (at - now < soonest) soonest = at - now;
            continue;
        }
        if (!claim_url(f, t, now, &soonest)) continue;
        if (transfer_start(f, t) != 0) {
            task_fail(f, t, strdup("internal: cannot set up the transfer"));
            continue;
        }
        t->h->next_ok = now + interval;
    }
    f->next_scan = now + soonest;
    return soonest;
}

/* Ctrl-C / SIGTERM: abandon transfers in flight (nothing of theirs has
 * touched the store) and fail what never started. */
static void abandon_all(fetcher *f)
{
    for (size_t i = 0; i < f->ntasks; i++) {
        task *t = &f->tasks[i];
        if (t->state == T_DONE) continue;
        if (t->state == T_ACTIVE) f->active--;
        task_fail(f, t, strdup(t->state == T_ACTIVE ? "interrupted: transfer abandoned"
                                                    : "interrupted: not fetched"));
    }
}

/* Set up a URL's task; URLs that need no request finish here. */
static void task_init(fetcher *f, task *t, size_t i, const char *url)
{
    wx_fetch_result *r = &f->results[i];
    memset(r, 0, sizeof *r);
    t->index = i;
    t->url = url;
    t->state = T_WAITING;
    if (!is_http_url(url)) {
        task_fail(f, t, strdup("url: only http:// and https:// URLs are fetched"));
        return;
    }
    const wx_fetch_rec *prev = f->st ? wx_store_latest(f->st, url) : NULL;
    if (prev && !wx_store_has_object(f->st, prev->sha256)) prev = NULL;   /* object deleted by hand */
    t->prev = prev;
    if (prev && !f->o->refresh) {
        r->status = WX_FETCH_SKIPPED;
        r->http_status = prev->http_status;
        result_object(f, r, prev->sha256);
        task_done(f, t);
        return;
    }
    t->request_url = request_url(f->o, url);
    char *key = t->request_url ? host_key(t->request_url) : NULL;
    t->h = key ? host_get(f, key) : NULL;
    free(key);
    if (!t->h) task_fail(f, t, wx_strf("url: cannot parse %s", t->request_url ? t->request_url : url));
}

/* Release every transfer, host and handle; results stay with the caller. */
static void fetcher_free(fetcher *f)
{
    for (size_t i = 0; i < f->ntasks; i++) {
        transfer_reset(f, &f->tasks[i]);
        free(f->tasks[i].request_url);
    }
    free(f->tasks);
    hosts_free(f->own_hosts);
    if (f->multi) curl_multi_cleanup(f->multi);
    free(f->ua);
    free(f->pending);
}

/* The event loop: start what the scheduler allows, let libcurl move bytes,
 * classify what finished, wait for sockets or the next start time (never
 * more than POLL_MS, so a signal is seen promptly). */
int wx_fetch_all(wx_store *st, const wx_urllist *urls, const wx_fetch_opts *o,
                 wx_fetch_result *results, char **err)
{
    if (err) *err = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        if (err) *err = strdup("cannot initialise libcurl");
        return -1;
    }
    fetcher f = {0};
    f.st = st;
    f.o = o;
    f.results = results;
    f.hosts = o->hosts ? &o->hosts->head : &f.own_hosts;
    f.multi = curl_multi_init();
    f.tasks = calloc(urls->count ? urls->count : 1, sizeof *f.tasks);
    f.ua = wx_strf("wxingest/%s (archiver of saved WeChat Official Account articles; "
               "one request per second per host) libcurl/%s", WX_VERSION, curl_version_info(CURLVERSION_NOW)->version);
    if (!f.multi || !f.tasks || !f.ua) {
        if (err) *err = strdup("out of memory");
        fetcher_free(&f);
        curl_global_cleanup();
        return -1;
    }
    curl_multi_setopt(f.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(f.multi, CURLMOPT_MAXCONNECTS, (long)(o->jobs > 0 ? o->jobs * 2 : 8));
    f.ntasks = urls->count;
    f.pending = calloc(PENDING_MAX, sizeof *f.pending);
    if (!f.pending) {
        if (err) *err = strdup("out of memory");
        fetcher_free(&f);
        curl_global_cleanup();
        return -1;
    }
    f.started = now_s();
    for (size_t i = 0; i < urls->count; i++) task_init(&f, &f.tasks[i], i, urls->urls[i]);

    while (f.done < f.ntasks) {
        if (o->stop && *o->stop) { commit_pending(&f); abandon_all(&f); break; }
        double wait = start_ready(&f);
        int running = 0;
        curl_multi_perform(f.multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(f.multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE) continue;
            char *priv = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
            if (priv) finish_transfer(&f, (task *)(void *)priv, m->data.result);
        }
        commit_pending(&f);
        progress(&f, 0);
        if (f.done >= f.ntasks) break;
        /* A slot freed since start_ready looked: start the next transfers
         * now, not after a poll that may have no socket left to wake it. */
        if (f.next_scan == 0) continue;
        int timeout = wait * 1000.0 >= POLL_MS ? POLL_MS : (int)ceil(wait * 1000.0);
        if (timeout < 1) timeout = 1;
        curl_multi_poll(f.multi, NULL, 0, timeout, NULL);
    }
    progress(&f, 1);
    fetcher_free(&f);
    curl_global_cleanup();
    return 0;
}

/* Discover's paged queries: one URL at a time, each depending on the last. */
int wx_fetch_get(const wx_fetch_opts *o, const char *url, wx_fetch_result *res, char **err)
{
    wx_fetch_opts one = *o;
    one.to_memory = 1;
    one.on_done = NULL;
    one.warc = NULL;               /* queries and lookups are not the archive's exchanges */
    one.progress = 0;
    wx_urllist list = {0};
    memset(res, 0, sizeof *res);
    if (wx_urllist_add(&list, url) != 0) {
        res->status = WX_FETCH_FAILED;
        res->error = strdup("url: not valid UTF-8");
        return 0;
    }
    int rc = wx_fetch_all(NULL, &list, &one, res, err);
    wx_urllist_free(&list);
    return rc;
}

/* ---------- command-line values of the options above ----------
 * They live here, beside the fields they fill, so fetch, run and discover
 * read them alike and a new option is added in one place. */

/* strtod alone accepts "1x" and "nan"; options want the whole string. */
int wx_number_arg(const char *s, double lo, double hi, int integral, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return -1;
    if (integral && v != (long long)v) return -1;
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
        if (wx_number_arg(s, 0.001, 86400, 0, &t) != 0) return -1;
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

/* The whole-number options: jobs and retries. */
static const char *set_count(const char *v, double lo, double hi, int *out, const char *bad)
{
    double d;
    if (wx_number_arg(v, lo, hi, 1, &d) != 0) return bad;
    *out = (int)d;
    return NULL;
}

/* One table of names for fetch, run and discover, so their messages and
 * ranges cannot drift apart. */
const char *wx_fetch_opt_set(wx_fetch_opts *o, const char *name, const char *v)
{
    if (strcmp(name, "jobs") == 0) return set_count(v, 1, 256, &o->jobs, "bad --jobs");
    if (strcmp(name, "retries") == 0) return set_count(v, 0, 20, &o->retries, "bad --retries");
    if (strcmp(name, "rate") == 0) return parse_rate(v, &o->rate) ? "bad --rate" : NULL;
    if (strcmp(name, "timeout") == 0) return parse_timeout(v, o) ? "bad --timeout" : NULL;
    if (strcmp(name, "backoff") == 0) return wx_number_arg(v, 0, 3600, 0, &o->backoff) ? "bad --backoff" : NULL;
    if (strcmp(name, "max-bytes") == 0) return parse_size(v, &o->max_bytes) ? "bad --max-bytes" : NULL;
    if (strcmp(name, "refresh") == 0) { o->refresh = 1; return NULL; }
    if (strcmp(name, "warc") == 0) { o->warc_path = v; return NULL; }
    if (strcmp(name, "warc-max-size") == 0) return parse_size(v, &o->warc_max_size) ? "bad --warc-max-size" : NULL;
    if (strcmp(name, "user-agent") == 0) { o->user_agent = v; return NULL; }
    if (strcmp(name, "via") == 0) return parse_via(v, o) ? "bad --via (wayback or wayback:TIMESTAMP)" : NULL;
    if (strcmp(name, "base-url") == 0) {
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return "--base-url must be an http:// or https:// URL";
        o->base_url = v;
        return NULL;
    }
    return "not a fetcher option";
}
