/*
 * --fallback wayback (fallback.h): when the live page is gone, the
 * Wayback Machine's copy.
 *
 * Whether a live page is gone is decided as the records decide it: a
 * stored page is parsed and its status read (deleted, blocked, unavailable,
 * verify), so the fallback and the record never disagree.  Captures are
 * listed by the CDX API (ingest/discover.h's client), fetched raw (the
 * id_ form, the bytes WeChat served) through the fetcher with every rule
 * of a live fetch, parsed, and stored only when they are an article.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../ingest/discover.h"
#include "../ingest/util.h"
#include "../parse/parse.h"
#include "fallback.h"
#include "output.h"

#define CAPTURES_TRIED 5            /* nearest captures tried, in order */

#define DATE_COPIES 4                /* stored copies read for the article's date */

/* A page parsed as the URL it stands for; NULL when out of memory. */
static json_t *parse_bytes(const char *url, const void *bytes, size_t len)
{
    wx_doc *d = wx_doc_from_memory(url, bytes, len);
    if (!d) return NULL;
    free(d->url);
    d->url = strdup(url);
    json_t *rec = wx_parse(d);
    wx_doc_free(d);
    return rec;
}

/* A stored object parsed as url; NULL when it cannot be read. */
static json_t *parse_stored(const wx_store *st, const char *sha, const char *url)
{
    char *path = wx_store_object_path(st, sha);
    wx_doc *d = path ? wx_doc_load(path) : NULL;
    free(path);
    if (!d || d->status != WX_DOC_OK) { wx_doc_free(d); return NULL; }
    json_t *rec = parse_bytes(url, d->bytes, d->len);
    wx_doc_free(d);
    return rec;
}

static const char *rec_status(const json_t *rec)
{
    const char *s = json_string_value(json_object_get(rec, "status"));
    return s ? s : "error";
}

/* The statuses of WeChat's own pages that stand where an article was. */
static int gone_status(const char *status)
{
    return strcmp(status, "deleted") == 0 || strcmp(status, "blocked") == 0 ||
           strcmp(status, "unavailable") == 0 || strcmp(status, "verify") == 0;
}

/* Why the live page of URL i is gone ("deleted", "HTTP 404", …), or NULL
 * when it is not (or a Wayback copy already stands for it). */
static char *gone_reason(const wx_store *st, const char *url, const wx_fetch_result *r)
{
    if (r->status == WX_FETCH_FAILED) {
        const char *e = r->error ? r->error : "";
        if (strncmp(e, "verify", 6) == 0) return strdup("the verification page");
        if (strncmp(e, "blocked", 7) == 0) return strdup("blocked (verification pages)");
        if (strncmp(e, "http:", 5) == 0 && (r->http_status == 404 || r->http_status == 410 || r->http_status >= 500))
            return wx_strf("HTTP %ld", r->http_status);
        return NULL;
    }
    const wx_fetch_rec *latest = wx_store_latest(st, url);
    if (!latest || (latest->via && strcmp(latest->via, "wayback") == 0)) return NULL;
    json_t *rec = parse_stored(st, latest->sha256, url);
    char *why = rec && gone_status(rec_status(rec)) ? wx_strf("status %s", rec_status(rec)) : NULL;
    json_decref(rec);
    return why;
}

/* The article's publication time in one stored copy (YYYYMMDDhhmmss, local
 * time as written); 0 when the copy is no article or has no date. */
static int copy_date(const wx_store *st, const char *url, const char *sha, char out[15])
{
    json_t *rec = parse_stored(st, sha, url);
    const char *pub = json_string_value(json_object_get(rec, "published_at"));
    int found = 0;
    if (pub && strcmp(rec_status(rec), "ok") == 0) {
        char d[15] = "00000000000000";
        size_t n = 0;
        for (const char *p = pub; *p && *p != '+' && *p != 'Z' && n < 14; p++)
            if (*p >= '0' && *p <= '9') d[n++] = *p;
        if (n >= 8) { memcpy(out, d, 15); found = 1; }
    }
    json_decref(rec);
    return found;
}

/* The CDX "closest" for URL: the article's publication time as the newest
 * stored copy that is an article with a date has it (the latest copy, then
 * the earlier ones, newest first: the latest is often the deleted page
 * itself, stored by this run or an earlier one), DATE_COPIES copies read
 * at most; else now, which lists the latest captures first. */
static void closest_time(const wx_store *st, const char *url, char out[15])
{
    time_t now = time(NULL);
    struct tm tm;
    strftime(out, 15, "%Y%m%d%H%M%S", gmtime_r(&now, &tm));
    const wx_fetch_rec *latest = wx_store_latest(st, url);
    if (!latest) return;
    if (copy_date(st, url, latest->sha256, out)) return;
    const wx_store_copy *c;
    size_t n = wx_store_earlier(st, url, &c);
    for (size_t i = 0; i < n && i + 1 < DATE_COPIES; i++)
        if (copy_date(st, url, c[i].sha256, out)) return;
}

typedef struct capture { char *original, *when; } capture;
typedef struct captures { capture c[CAPTURES_TRIED]; size_t n; } captures;

static void on_capture(void *ctx, const char *original, const char *captured_at)
{
    captures *cs = ctx;
    if (cs->n >= CAPTURES_TRIED || !captured_at) return;
    cs->c[cs->n].original = strdup(original);
    cs->c[cs->n].when = strdup(captured_at);
    if (cs->c[cs->n].original && cs->c[cs->n].when) cs->n++;
    else { free(cs->c[cs->n].original); free(cs->c[cs->n].when); }
}

/* The nearest captures of url, from the CDX API.  Returns 0, or -1 with a
 * message in *why. */
static int list_captures(const wx_fetch_opts *o, const char *base, const char *url, const char *closest,
                         captures *cs, char **why)
{
    char *q = wx_cdx_closest_url(base, url, closest, CAPTURES_TRIED);
    wx_fetch_result res;
    char *err = NULL, *resume = NULL;
    int rc = -1;
    if (!q) { *why = strdup("out of memory"); return -1; }
    if (wx_fetch_get(o, q, &res, &err) != 0) *why = wx_strf("CDX query: %s", err ? err : "cannot fetch");
    else if (res.status != WX_FETCH_STORED) *why = wx_strf("CDX query failed: %s", res.error ? res.error : "?");
    else if (wx_cdx_parse((const char *)res.body, res.body_len, on_capture, cs, &resume, &err) < 0)
        *why = wx_strf("CDX answer: %s", err ? err : "unreadable");
    else rc = 0;
    free(resume);
    free(err);
    wx_fetch_result_free(&res);
    free(q);
    return rc;
}

/* Store body as url's latest copy, via wayback, captured at when.  Returns
 * WX_FETCH_STORED, WX_FETCH_UNCHANGED (the same Wayback copy is already
 * the latest), or WX_FETCH_FAILED with *why. */
static wx_fetch_status store_capture(wx_store *st, const char *url, const char *raw_url, const char *when,
                                     const unsigned char *body, size_t len, char sha[65], char **why)
{
    wx_sha256_hex(body, len, sha);
    const wx_fetch_rec *latest = wx_store_latest(st, url);
    if (latest && strcmp(latest->sha256, sha) == 0 && latest->via && strcmp(latest->via, "wayback") == 0 &&
        wx_store_has_object(st, sha))
        return WX_FETCH_UNCHANGED;
    wx_store_object obj = {body, len, sha, NULL};   /* a page: .html */
    char *err = NULL;
    if (wx_store_put_objects(st, &obj, 1, &err) != 0) { *why = err; return WX_FETCH_FAILED; }
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    wx_fetch_rec rec = {.url = (char *)url, .fetched_at = now, .final_url = (char *)raw_url, .http_status = 200,
                        .via = "wayback", .captured_at = (char *)when, .bytes = len};
    memcpy(rec.sha256, sha, 65);
    if (wx_store_append_batch(st, &rec, 1, &err) != 0) { *why = err; return WX_FETCH_FAILED; }
    return WX_FETCH_STORED;
}

/* Fetch the captures in order and keep the first that is an article.
 * Returns its store status (STORED, UNCHANGED), or FAILED with *why. */
static wx_fetch_status take_capture(wx_store *st, const wx_fetch_opts *o, const char *base, const char *url,
                                    const captures *cs, char sha[65], const char **when, char **why)
{
    for (size_t k = 0; k < cs->n; k++) {
        char ts[15] = "";
        size_t n = 0;
        for (const char *p = cs->c[k].when; *p && n < 14; p++)
            if (*p >= '0' && *p <= '9') ts[n++] = *p;
        ts[n] = '\0';
        char *raw = wx_strf("%.*s/web/%sid_/%s", (int)(strlen(base) - (base[strlen(base) - 1] == '/')), base, ts,
                            cs->c[k].original);
        wx_fetch_result res = {0};
        char *err = NULL;
        int got = raw && wx_fetch_get(o, raw, &res, &err) == 0 && res.status == WX_FETCH_STORED;
        json_t *rec = got ? parse_bytes(url, res.body, res.body_len) : NULL;
        const char *status = rec ? rec_status(rec) : NULL;
        free(*why);
        *why = got ? wx_strf("the capture of %s is %s", cs->c[k].when, status ? status : "unreadable")
                   : wx_strf("the capture of %s: %s", cs->c[k].when, err ? err : res.error ? res.error : "failed");
        wx_fetch_status out = WX_FETCH_FAILED;
        if (status && strcmp(status, "ok") == 0) {
            free(*why);
            *why = NULL;
            out = store_capture(st, url, raw, cs->c[k].when, res.body, res.body_len, sha, why);
            *when = cs->c[k].when;
        }
        json_decref(rec);
        free(err);
        wx_fetch_result_free(&res);
        free(raw);
        if (out != WX_FETCH_FAILED || *why == NULL || strncmp(*why, "store:", 6) == 0) return out;
    }
    if (!*why) *why = strdup("no 200 capture in the Wayback Machine");
    return WX_FETCH_FAILED;
}

/* The live page came back with the bytes of the live copy a Wayback copy
 * replaced (the fetcher stored nothing): the Wayback copy stands, and the
 * URL's result says so. */
static int wayback_copy_stands(const wx_store *st, const char *url, wx_fetch_result *r)
{
    const wx_fetch_rec *latest = wx_store_latest(st, url);
    if (r->status != WX_FETCH_UNCHANGED || !latest || !latest->via || strcmp(latest->via, "wayback") != 0 ||
        strcmp(r->sha256, latest->sha256) == 0)
        return 0;
    memcpy(r->sha256, latest->sha256, 65);
    free(r->path);
    r->path = wx_store_object_path(st, latest->sha256);
    return 1;
}

void wx_fallback_wayback(wx_store *st, const wx_urllist *urls, const wx_fetch_opts *o,
                         wx_fetch_result *results, unsigned char *via_wayback)
{
    const char *base = o->base_url ? o->base_url : "https://web.archive.org";
    wx_fetch_opts wo = *o;        /* the full URLs are given: no --base-url rewriting */
    wo.base_url = NULL;
    wo.wayback = NULL;
    wo.refresh = 0;
    wo.hosts = o->hosts ? o->hosts : wx_fetch_hosts_new();
    for (size_t i = 0; i < urls->count && !(o->stop && *o->stop); i++) {
        const char *url = urls->urls[i];
        if (wayback_copy_stands(st, url, &results[i])) {
            via_wayback[i] = 1;
            continue;
        }
        char *gone = gone_reason(st, url, &results[i]);
        if (!gone) continue;
        char closest[15], sha[65], *why = NULL;
        const char *when = NULL;
        captures cs = {0};
        closest_time(st, url, closest);
        wx_fetch_status got = WX_FETCH_FAILED;
        if (list_captures(&wo, base, url, closest, &cs, &why) == 0)
            got = take_capture(st, &wo, base, url, &cs, sha, &when, &why);
        if (got == WX_FETCH_FAILED) {
            wx_log(WX_LOG_WARN, url, "live page: %s; wayback fallback: %s", gone, why ? why : "failed");
        } else {
            wx_log(WX_LOG_INFO, url, "live page: %s; stored the Wayback Machine's capture of %s", gone, when);
            wx_fetch_result *r = &results[i];
            r->status = got;
            r->http_status = 200;
            r->store_error = 0;
            free(r->error);
            r->error = NULL;
            memcpy(r->sha256, sha, 65);
            free(r->path);
            r->path = wx_store_object_path(st, sha);
            via_wayback[i] = 1;
        }
        for (size_t k = 0; k < cs.n; k++) { free(cs.c[k].original); free(cs.c[k].when); }
        free(why);
        free(gone);
    }
    if (!o->hosts) wx_fetch_hosts_free(wo.hosts);
}
