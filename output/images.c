/*
 * images: the images of fetched pages into the store (images.h).
 *
 * Three steps.  Collect: parse each stored page, keep the images of the
 * wanted roles that the store does not hold yet (an image URL is the
 * index key, so a second run asks for nothing).  Fetch: the pages'
 * fetcher in to_memory mode; each body is sniffed, hashed and written as
 * an object as it arrives, so bodies are not all held at once.  Judge:
 * bytes that came back for three or more different image URLs are a
 * hotlink placeholder, not an image; everything else gets its index
 * lines, one batch at the end (an index line is written only for an
 * object in place, as for pages).
 */
#include "images.h"
#include "output.h"
#include "pipeline.h"
#include "../ingest/imagehdr.h"
#include "../ingest/strmap.h"
#include "../ingest/util.h"
#include "../parse/parse.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REFERER "https://mp.weixin.qq.com/"
#define ACCEPT "image/webp,image/*,*/*;q=0.8"
#define PLACEHOLDER_URLS 3          /* distinct URLs with the same bytes that make a placeholder */
#define NO_REQUEST SIZE_MAX         /* a wanted URL the store has already */

static const char *const role_names[] = {"cover", "content", "decoration", "qrcode", "avatar", "banner", NULL};

/* A role's bit; 0 for a role this build does not know. */
static unsigned role_bit(const char *role)
{
    for (unsigned i = 0; role && role_names[i]; i++)
        if (strcmp(role, role_names[i]) == 0) return 1u << i;
    return 0;
}

unsigned wx_image_roles_parse(const char *spec)
{
    if (!spec || !*spec) return 0;
    if (strcmp(spec, "all") == 0) return (1u << 6) - 1;
    unsigned mask = 0;
    for (const char *p = spec;; p++) {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        for (unsigned i = 0; role_names[i] && !bit; i++)
            if (strlen(role_names[i]) == n && strncmp(p, role_names[i], n) == 0) bit = 1u << i;
        if (!bit) return 0;
        mask |= bit;
        p += n;
        if (!*p) return mask;
    }
}

/* Is s all digits, at least one, and not "0"?  (A width segment.) */
static int is_width(const char *s, size_t n)
{
    if (n == 0 || n > 5 || (n == 1 && s[0] == '0')) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

char *wx_image_request_url(const char *url)
{
    const char *rest = strncasecmp(url, "https://", 8) == 0 ? url + 8
                     : strncasecmp(url, "http://", 7) == 0  ? url + 7 : NULL;
    if (!rest || strncasecmp(rest, "mmbiz.qpic.cn/", 14) != 0) return strdup(url);
    const char *path = rest + 13;                   /* the '/' after the host */
    if (strncmp(path + 1, "mmbiz_", 6) != 0 && strncmp(path + 1, "sz_mmbiz_", 9) != 0) return strdup(url);
    size_t end = strcspn(path, "?#"), seg = end;
    while (seg > 0 && path[seg - 1] != '/') seg--;
    if (seg <= 1 || !is_width(path + seg, end - seg)) return strdup(url);
    return wx_strf("%.*s0%s", (int)(path + seg - url), url, path + end);
}

/* One image URL of a page that is wanted, and the request that gets it. */
typedef struct want { char *url, *page; size_t req; } want;

/* What one request gave. */
typedef struct outcome {
    char sha[65];
    const char *format;         /* static; NULL until stored */
    size_t bytes;
    long http;
    char *final_url, *ctype, *error;
    int created;                /* this run put the object in place */
    int placeholder;
} outcome;

typedef struct img_run {
    wx_store *st;
    want *wants;
    size_t nwants, cap;
    wx_strmap seen;             /* wanted URLs (keys: wants[].url) */
    wx_urllist reqs;            /* distinct request URLs */
    outcome *out;               /* one per request */
    wx_fetch_result *results;
    int store_failed;
} img_run;

static int is_http(const char *u)
{
    return u && (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0);
}

/* Remember one wanted URL (already stored: req NO_REQUEST).  -1: out of memory. */
static int add_want(img_run *r, const char *url, const char *page, int stored)
{
    if (r->nwants == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        want *w = realloc(r->wants, cap * sizeof *w);
        if (!w) return -1;
        r->wants = w;
        r->cap = cap;
    }
    want *w = &r->wants[r->nwants];
    *w = (want){strdup(url), strdup(page), NO_REQUEST};
    char *req = stored ? NULL : wx_image_request_url(url);
    int added;
    if (!w->url || !w->page || (!stored && (!req || wx_urllist_add(&r->reqs, req) != 0)) ||
        !wx_strmap_put(&r->seen, w->url, &added)) {
        free(w->url);
        free(w->page);
        free(req);
        return -1;
    }
    if (!stored) w->req = (size_t)wx_urllist_find(&r->reqs, req);
    free(req);
    r->nwants++;
    return 0;
}

/* The images of one stored page, by the parser's own list. */
static int collect_page(img_run *r, const char *page_url, unsigned roles, wx_image_counts *counts)
{
    const wx_fetch_rec *pr = wx_store_latest(r->st, page_url);
    if (!pr || pr->format) return 0;                /* its fetch failed (reported), or not a page */
    char *path = wx_store_rec_path(r->st, pr);
    wx_doc *doc = path ? wx_doc_load(path) : NULL;
    free(path);
    if (!doc || doc->status != WX_DOC_OK) {
        wx_log(WX_LOG_WARN, page_url, "images: the stored page cannot be read: %s",
               doc && doc->error ? doc->error : "out of memory");
        wx_doc_free(doc);
        return 0;
    }
    free(doc->url);
    doc->url = strdup(page_url);
    json_t *rec = doc->url ? wx_parse(doc) : NULL;
    wx_doc_free(doc);
    size_t i;
    json_t *im;
    int rc = 0;
    json_array_foreach(json_object_get(rec, "images"), i, im) {
        const char *url = json_string_value(json_object_get(im, "url"));
        if (!(role_bit(json_string_value(json_object_get(im, "role"))) & roles) || !is_http(url) ||
            wx_strmap_get(&r->seen, url))
            continue;
        const wx_fetch_rec *ir = wx_store_latest(r->st, url);
        int stored = ir && ir->format && wx_store_has_rec_object(r->st, ir);
        if (stored) counts->skipped++;
        if ((rc = add_want(r, url, page_url, stored)) != 0) break;
    }
    json_decref(rec);
    return rc;
}

/* A regular file at path (which is freed)? */
static int file_exists(char *path)
{
    struct stat sb;
    int ok = path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    free(path);
    return ok;
}

/* The fetcher hands over one finished request: an image goes into the
 * store now and its body is freed; anything else is this request's error. */
static void on_image_done(void *ctx, size_t i, const wx_fetch_result *res)
{
    img_run *r = ctx;
    outcome *oc = &r->out[i];
    wx_fetch_result *mine = &r->results[i];        /* the caller's, so its body may go now */
    oc->http = res->http_status;
    if (res->status != WX_FETCH_STORED) {
        oc->error = strdup(res->error ? res->error : "failed");
        return;
    }
    const char *fmt = wx_image_sniff(mine->body, mine->body_len);
    if (!fmt) {
        oc->error = wx_strf("not_image: %zu bytes of %s, not a JPEG, PNG, GIF, WebP or SVG image", mine->body_len,
                            mine->content_type ? mine->content_type : "(no Content-Type)");
    } else {
        wx_sha256_hex(mine->body, mine->body_len, oc->sha);
        oc->created = !file_exists(wx_store_object_path_ext(r->st, oc->sha, wx_image_ext(fmt)));
        wx_store_object obj = {mine->body, mine->body_len, oc->sha, wx_image_ext(fmt)};
        char *err = NULL;
        if (wx_store_put_objects(r->st, &obj, 1, &err) != 0) {
            oc->error = err;
            r->store_failed = 1;
        } else {
            oc->format = fmt;
            oc->bytes = mine->body_len;
            oc->final_url = mine->final_url;
            oc->ctype = mine->content_type;
            mine->final_url = mine->content_type = NULL;
        }
    }
    if (!oc->error && !oc->format) oc->error = strdup("failed");
    free(mine->body);
    mine->body = NULL;
}

/* The same bytes for PLACEHOLDER_URLS or more different URLs: a hotlink
 * placeholder.  Those requests fail; an object this run created for them
 * is removed again (nothing will point at it). */
static void judge_placeholders(img_run *r)
{
    wx_strmap shas = {0};
    int added;
    for (size_t i = 0; i < r->reqs.count; i++) {
        size_t *n = r->out[i].format ? wx_strmap_put(&shas, r->out[i].sha, &added) : NULL;
        if (n) ++*n;
    }
    for (size_t i = 0; i < r->reqs.count; i++) {
        outcome *oc = &r->out[i];
        size_t *n = oc->format ? wx_strmap_get(&shas, oc->sha) : NULL;
        if (!n || *n < PLACEHOLDER_URLS) continue;
        oc->placeholder = 1;
        oc->error = wx_strf("placeholder: the same %zu bytes (sha256 %.12s…) came back for %zu different image "
                            "URLs; not stored", oc->bytes, oc->sha, *n);
        if (oc->created) {
            char *p = wx_store_object_path_ext(r->st, oc->sha, wx_image_ext(oc->format));
            if (p) unlink(p);
            free(p);
            for (size_t k = 0; k < r->reqs.count; k++)   /* one object for all of them */
                if (strcmp(r->out[k].sha, oc->sha) == 0) r->out[k].created = 0;
        }
        oc->format = NULL;
    }
    wx_strmap_free(&shas);
}

/* Index lines for every wanted URL whose request gave an image; a log
 * line and a count for every one that failed. */
static void index_and_report(img_run *r, const wx_fetch_opts *o, wx_image_counts *counts)
{
    wx_fetch_rec *recs = calloc(r->nwants ? r->nwants : 1, sizeof *recs);
    char **errs = calloc(r->nwants ? r->nwants : 1, sizeof *errs);
    size_t *of = calloc(r->nwants ? r->nwants : 1, sizeof *of);
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!recs || !errs || !of) {
        wx_log(WX_LOG_ERROR, NULL, "images: out of memory");
        r->store_failed = 1;
        free(recs), free(errs), free(of);
        return;
    }
    size_t m = 0;
    for (size_t i = 0; i < r->nwants; i++) {
        want *w = &r->wants[i];
        if (w->req == NO_REQUEST) continue;
        outcome *oc = &r->out[w->req];
        if (oc->error) {
            wx_log(WX_LOG_WARN, w->url, "image of %s: %s", w->page, oc->error);
            counts->failed++;
            counts->placeholder += (size_t)oc->placeholder;
            continue;
        }
        wx_fetch_rec *rec = &recs[m];
        rec->url = w->url;
        rec->fetched_at = when;
        rec->final_url = oc->final_url;
        rec->http_status = oc->http;
        rec->content_type = oc->ctype;
        rec->via = (char *)(o->wayback ? "wayback" : "live");
        rec->bytes = oc->bytes;
        memcpy(rec->sha256, oc->sha, 65);
        rec->page = w->page;
        rec->format = (char *)oc->format;
        of[m++] = i;
    }
    wx_store_append_batch(r->st, recs, m, errs);
    for (size_t k = 0; k < m; k++) {
        if (errs[k]) {
            wx_log(WX_LOG_ERROR, r->wants[of[k]].url, "%s", errs[k]);
            counts->failed++;
            r->store_failed = 1;
            free(errs[k]);
        } else {
            counts->stored++;
        }
    }
    free(recs);
    free(errs);
    free(of);
}

int wx_fetch_images(wx_store *st, const wx_urllist *pages, const wx_fetch_opts *o, unsigned roles,
                    wx_image_counts *counts)
{
    img_run r = {.st = st};
    memset(counts, 0, sizeof *counts);
    wx_parse_init();
    int oom = 0;
    for (size_t i = 0; i < pages->count && !oom; i++) oom = collect_page(&r, pages->urls[i], roles, counts) != 0;
    if (!oom && r.reqs.count) {
        r.out = calloc(r.reqs.count, sizeof *r.out);
        r.results = calloc(r.reqs.count, sizeof *r.results);
        wx_fetch_opts io = *o;
        io.to_memory = 1;
        io.refresh = 0;
        io.referer = REFERER;
        io.accept = ACCEPT;
        io.on_done = on_image_done;
        io.ctx = &r;
        char *err = NULL;
        if (!r.out || !r.results) oom = 1;
        else if (wx_fetch_all(NULL, &r.reqs, &io, r.results, &err) != 0) {
            wx_log(WX_LOG_ERROR, NULL, "images: %s", err ? err : "the fetcher could not start");
            free(err);
            r.store_failed = 1;
        } else {
            judge_placeholders(&r);
            index_and_report(&r, o, counts);
        }
    }
    if (oom) {
        wx_log(WX_LOG_ERROR, NULL, "images: out of memory");
        r.store_failed = 1;
    }
    for (size_t i = 0; r.out && i < r.reqs.count; i++) {
        free(r.out[i].final_url);
        free(r.out[i].ctype);
        free(r.out[i].error);
        wx_fetch_result_free(&r.results[i]);
    }
    for (size_t i = 0; i < r.nwants; i++) {
        free(r.wants[i].url);
        free(r.wants[i].page);
    }
    free(r.wants);
    free(r.out);
    free(r.results);
    wx_strmap_free(&r.seen);
    wx_urllist_free(&r.reqs);
    return r.store_failed ? WX_EXIT_IOERR : 0;
}
