/*
 * discover's driver: runs each source, puts what it finds in canonical form
 * and prints each article once.  The formats are read by ingest/discover.c,
 * requests go through the fetcher (the same politeness, retries and
 * --base-url as fetch), pages are read by wx_parse (their id, account and
 * body links) plus a raw scan of their bytes (links outside the body:
 * related articles, album lists, script data).
 */
#include "discover.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "../ingest/discover.h"
#include "../ingest/ingest.h"
#include "../parse/parse.h"
#include "../parse/url.h"

#define MAX_QUERY_PAGES 100000   /* CDX or album pages of one query; a server repeating itself stops sooner */

enum { EXIT_DATAERR = 65, EXIT_NOINPUT = 66, EXIT_IOERR = 74 };

void wx_discover_opts_init(wx_discover_opts *o)
{
    memset(o, 0, sizeof *o);
    o->limit = 1000;
    o->album_count = 20;
    o->depth = 1;
    wx_fetch_opts_init(&o->fetch);
}

/* A page read for its links: who it is and what it points to. */
typedef struct page {
    char *found_in;             /* its path */
    char *id, *biz;             /* from its record; may be NULL */
    int level;                  /* 1 for the given pages */
    wx_urllist links;           /* as written */
} page;

typedef struct disc {
    const wx_discover_opts *o;
    FILE *out;
    wx_urllist seen;            /* article ids (or URLs when no id) printed */
    const char *source, *found_in;
    const char *want_biz;       /* only this account's articles; NULL: any */
    wx_store *store;            /* pages to follow links into; may be NULL */
    wx_fetch_opts fetch;        /* o->fetch with the hosts kept across requests */
    wx_urllist local_ids;       /* --follow-in pages by article id ... */
    wx_urllist local_paths;     /* ... and their paths, same positions */
    wx_urllist visited;         /* page ids (or paths) already read for links */
    page *pages;
    size_t npages, cap;
    size_t printed, other_account;
    int exit_code;
} disc;

/* The worst outcome wins: a write error over a failed source. */
static void note(disc *d, int code)
{
    if (code > d->exit_code) d->exit_code = code;
}

/* "biz:mid:idx", as records are identified, or NULL. */
static char *article_id(const wx_url_ids *ids)
{
    if (!ids->biz || !ids->mid || !ids->idx || !*ids->biz || !*ids->mid || !*ids->idx) return NULL;
    char *id = NULL;
    return asprintf(&id, "%s:%s:%s", ids->biz, ids->mid, ids->idx) < 0 ? NULL : id;
}

/* An article URL in the form fetch and the records use: canonical when it
 * has its identity (or is a short link), else the link as written, cleaned
 * (history pages list temporary signed links).  NULL when not an article. */
static char *article_url(const char *raw, wx_url_ids *ids, char **id)
{
    char *url = wx_url_canonical(raw);
    if (!url) {
        char *clean = wx_url_clean(raw);
        const char *p = clean ? strstr(clean, "://mp.weixin.qq.com/s") : NULL;
        if (p && (p[21] == '?' || p[21] == '/')) url = clean;
        else free(clean);
    }
    wx_url_ids_parse(url ? url : raw, ids);
    *id = url ? article_id(ids) : NULL;
    return url;
}

/* A JSON string of s; a file name or a percent-decoded biz that is not
 * UTF-8 gets '?' for each byte outside ASCII, so the line is still
 * written, and valid. */
static json_t *text_json(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    char *copy = strdup(s);
    if (!copy) return NULL;
    for (unsigned char *p = (unsigned char *)copy; *p; p++)
        if (*p >= 0x80) *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* One line per new article. */
static void print_found(disc *d, const char *url, const char *id, const char *biz, const char *captured_at)
{
    int rc;
    if (d->o->urls_only) {
        rc = fprintf(d->out, "%s\n", url) < 0 ? -1 : 0;
    } else {
        json_t *line = json_pack("{s:o, s:o, s:o, s:o, s:s, s:o}", "url", text_json(url),
                                 "id", id ? text_json(id) : json_null(), "biz", biz ? text_json(biz) : json_null(),
                                 "found_in", text_json(d->found_in),
                                 "source", d->source, "captured_at", captured_at ? json_string(captured_at) : json_null());
        rc = line ? wx_jsonl_write(d->out, line) : -1;
        json_decref(line);
    }
    if (rc != 0 || fflush(d->out) != 0) note(d, EXIT_IOERR);
    d->printed++;
}

/* Print an article unless it was printed already or belongs to another
 * account than the one wanted. */
static void offer(disc *d, const char *raw, const char *captured_at)
{
    wx_url_ids ids;
    char *id = NULL, *url = article_url(raw, &ids, &id);
    if (!url) { wx_url_ids_free(&ids); return; }
    if (d->want_biz && (!ids.biz || strcmp(ids.biz, d->want_biz) != 0)) {
        d->other_account++;
    } else {
        size_t before = d->seen.count;
        if (wx_urllist_add(&d->seen, id ? id : url) == 0 && d->seen.count > before)
            print_found(d, url, id, ids.biz, captured_at);
    }
    free(id);
    free(url);
    wx_url_ids_free(&ids);
}

/* wx_found_fn for sources printed as they are read. */
static void on_found(void *ctx, const char *url, const char *captured_at) { offer(ctx, url, captured_at); }

/* wx_found_fn collecting a page's links. */
static void on_link(void *ctx, const char *url, const char *captured_at)
{
    (void)captured_at;
    wx_urllist_add(ctx, url);   /* a link that is not UTF-8 is not kept */
}

/* A string member of a record, or NULL. */
static const char *rec_str(json_t *rec, const char *key) { return json_string_value(json_object_get(rec, key)); }

/* Read one page for its links: the record's (body links, URLs in the
 * text) and the raw scan's (links anywhere in the markup and scripts). */
static int read_page(disc *d, const char *path, int level)
{
    wx_doc *doc = wx_doc_load(path);
    if (!doc) return -1;
    if (doc->status != WX_DOC_OK) {
        wx_log(WX_LOG_ERROR, path, "%s", doc->error ? doc->error : "unreadable");
        note(d, EXIT_DATAERR);
        wx_doc_free(doc);
        return -1;
    }
    if (d->npages == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        page *p = realloc(d->pages, cap * sizeof *p);
        if (!p) { wx_doc_free(doc); return -1; }
        d->pages = p;
        d->cap = cap;
    }
    page *pg = &d->pages[d->npages++];
    memset(pg, 0, sizeof *pg);
    pg->found_in = strdup(path);
    pg->level = level;
    json_t *rec = wx_parse(doc);
    const char *id = rec_str(rec, "id"), *biz = rec_str(rec, "biz");
    if (id && strncmp(id, "sha256:", 7) != 0) pg->id = strdup(id);
    if (biz) pg->biz = strdup(biz);
    json_t *links = json_object_get(rec, "links");
    for (size_t i = 0; i < json_array_size(links); i++) {
        const char *u = rec_str(json_array_get(links, i), "url");
        if (u) on_link(&pg->links, u, NULL);
    }
    wx_scan_article_links(doc->bytes, doc->len, on_link, &pg->links);
    json_decref(rec);
    wx_doc_free(doc);
    wx_urllist_add(&d->visited, pg->id ? pg->id : path);
    return 0;
}

/* Where a linked article can be read without the network: a --follow-in
 * page with its id, else its latest copy in the store.  Malloc'd path or NULL. */
static char *local_copy(disc *d, const char *id, const char *url)
{
    long at = id ? wx_urllist_find(&d->local_ids, id) : -1;
    if (at >= 0) return strdup(d->local_paths.urls[at]);
    const wx_fetch_rec *fr = d->store ? wx_store_latest(d->store, url) : NULL;
    if (fr && wx_store_has_object(d->store, fr->sha256)) return wx_store_object_path(d->store, fr->sha256);
    return NULL;
}

/* Print a page's links (its own account's, unless --any-account) and
 * queue the linked pages that can be read locally, up to --depth. */
static void page_links(disc *d, size_t i)
{
    for (size_t k = 0; k < d->pages[i].links.count; k++) {
        page *pg = &d->pages[i];   /* read_page may move the array */
        wx_url_ids ids;
        char *id = NULL, *url = article_url(pg->links.urls[k], &ids, &id);
        /* a short link's account is unknown until it is fetched: kept */
        int same = !pg->biz || !ids.biz || strcmp(ids.biz, pg->biz) == 0;
        if (url && (!id || !pg->id || strcmp(id, pg->id) != 0) && (same || d->o->any_account)) {
            d->found_in = pg->found_in;
            offer(d, url, NULL);
            char *copy = pg->level < d->o->depth && wx_urllist_find(&d->visited, id ? id : url) < 0
                             ? local_copy(d, id, url) : NULL;
            int level = pg->level + 1;
            if (copy && wx_urllist_find(&d->visited, copy) < 0) read_page(d, copy, level);
            free(copy);
        } else if (url && !same) {
            d->other_account++;
        }
        free(id);
        free(url);
        wx_url_ids_free(&ids);
    }
}

/* Walk report: a missing path is the user's to know about. */
static void walk_report(void *ctx, const char *path, const char *reason)
{
    wx_log(WX_LOG_ERROR, path, "%s", reason);
    note(ctx, EXIT_NOINPUT);
}

/* Index the --follow-in pages by article id (each parsed once here, and
 * again only when a link leads to it). */
static void index_follow_in(disc *d)
{
    for (size_t i = 0; i < d->o->nfollow_in; i++) {
        wx_pathlist files = {0};
        wx_walk(d->o->follow_in[i], &files, walk_report, d);
        for (size_t k = 0; k < files.count; k++) {
            wx_doc *doc = wx_doc_load(files.paths[k]);
            json_t *rec = doc && doc->status == WX_DOC_OK ? wx_parse(doc) : NULL;
            const char *id = rec_str(rec, "id");
            if (id && strncmp(id, "sha256:", 7) != 0) {
                size_t before = d->local_ids.count;
                if (wx_urllist_add(&d->local_ids, id) == 0 && d->local_ids.count > before &&
                    wx_urllist_add(&d->local_paths, files.paths[k]) != 0)
                    d->local_ids.count--;   /* keep the two lists in step */
            }
            json_decref(rec);
            wx_doc_free(doc);
        }
        wx_pathlist_free(&files);
    }
}

/* --from-pages: the given pages' links, then the linked pages', level by level. */
static void from_pages(disc *d, const char *store_objects)
{
    d->source = "pages";
    d->want_biz = NULL;
    if (d->o->depth > 1) index_follow_in(d);
    size_t n = d->o->npages ? d->o->npages : (store_objects ? 1 : 0);
    if (n == 0) {
        wx_log(WX_LOG_ERROR, NULL, "--from-pages without PATH reads the store, and there is none (--store DIR)");
        note(d, EXIT_NOINPUT);
    }
    for (size_t i = 0; i < n; i++) {
        wx_pathlist files = {0};
        if (wx_walk(d->o->npages ? d->o->pages[i] : store_objects, &files, walk_report, d) == 0)
            for (size_t k = 0; k < files.count; k++) read_page(d, files.paths[k], 1);
        wx_pathlist_free(&files);
    }
    for (size_t i = 0; i < d->npages; i++) page_links(d, i);   /* grows as pages are followed */
}

/* Read a file whole (history pages are small; the document loader's gzip
 * and size rules apply). */
static void from_history(disc *d, const char *path)
{
    wx_doc *doc = wx_doc_load(path);
    if (!doc || doc->status != WX_DOC_OK) {
        wx_log(WX_LOG_ERROR, path, "%s", doc && doc->error ? doc->error : "unreadable");
        note(d, doc && doc->status == WX_DOC_UNREADABLE && access(path, F_OK) != 0 ? EXIT_NOINPUT : EXIT_DATAERR);
        wx_doc_free(doc);
        return;
    }
    d->source = "history";
    d->found_in = path;
    d->want_biz = NULL;
    char *err = NULL;
    if (wx_history_parse((const char *)doc->bytes, doc->len, on_found, d, &err) < 0) {
        wx_log(WX_LOG_ERROR, path, "%s", err ? err : "no message list");
        note(d, EXIT_DATAERR);
    }
    free(err);
    wx_doc_free(doc);
}

/* One request through the fetcher; the body, or NULL after saying why. */
static wx_fetch_result *get(disc *d, const char *url)
{
    wx_fetch_result *r = calloc(1, sizeof *r);
    char *err = NULL;
    if (!r || wx_fetch_get(&d->fetch, url, r, &err) != 0 || r->status != WX_FETCH_STORED) {
        wx_log(WX_LOG_ERROR, url, "%s", err ? err : r && r->error ? r->error : "out of memory");
        note(d, EXIT_DATAERR);
        free(err);
        wx_fetch_result_free(r);
        free(r);
        return NULL;
    }
    return r;
}

/* A body is only needed until its page is read. */
static void drop(wx_fetch_result *r)
{
    wx_fetch_result_free(r);
    free(r);
}

/* Requests go to the real service unless --base-url names another host. */
static const char *service(const disc *d, const char *real)
{
    return d->o->fetch.base_url ? d->o->fetch.base_url : real;
}

/* An album, page after page, while WeChat says more follow and the cursor moves. */
static void from_album(disc *d, const char *album_url)
{
    d->source = "album";
    d->found_in = album_url;
    wx_url_ids ids;
    wx_url_ids_parse(album_url, &ids);
    d->want_biz = NULL;
    char *msgid = NULL, *itemidx = NULL;
    for (int n = 0; n < MAX_QUERY_PAGES; n++) {
        char *q = wx_album_query_url(service(d, "https://mp.weixin.qq.com"), album_url, msgid, itemidx, d->o->album_count);
        if (!q) {
            wx_log(WX_LOG_ERROR, album_url, "not an album URL (it needs __biz and album_id)");
            note(d, EXIT_DATAERR);
            break;
        }
        wx_fetch_result *r = get(d, q);
        free(q);
        if (!r) break;
        char *next_msgid = NULL, *next_itemidx = NULL, *err = NULL;
        long got = wx_album_parse((const char *)r->body, r->body_len, on_found, d, &next_msgid, &next_itemidx, &err);
        drop(r);
        if (got < 0) { wx_log(WX_LOG_ERROR, album_url, "%s", err); note(d, EXIT_DATAERR); }
        int moved = next_msgid && (!msgid || strcmp(next_msgid, msgid) != 0 || strcmp(next_itemidx, itemidx) != 0);
        free(err);
        free(msgid);
        free(itemidx);
        msgid = next_msgid;
        itemidx = next_itemidx;
        if (!moved) break;
    }
    free(msgid);
    free(itemidx);
    wx_url_ids_free(&ids);
}

/* The CDX prefix of --wayback: an account's articles for a biz, or the
 * prefix as given (scheme dropped: the CDX matches without one). */
static char *cdx_prefix(const char *arg)
{
    char *p = NULL;
    if (!strchr(arg, '/')) return asprintf(&p, "mp.weixin.qq.com/s?__biz=%s", arg) < 0 ? NULL : p;
    const char *s = strstr(arg, "://");
    return strdup(s ? s + 3 : arg);
}

/* The Wayback Machine's captures under the prefix, page after page by
 * resume key; only the exact account's articles (urlkeys are case-folded,
 * so a prefix of one biz also matches another that differs in case). */
static void from_wayback(disc *d)
{
    char *prefix = cdx_prefix(d->o->wayback);
    wx_url_ids want;
    wx_url_ids_parse(strchr(d->o->wayback, '/') ? d->o->wayback : "", &want);
    d->source = "wayback";
    d->want_biz = strchr(d->o->wayback, '/') ? want.biz : d->o->wayback;
    char *key = NULL;
    for (int n = 0; prefix && n < MAX_QUERY_PAGES; n++) {
        char *q = wx_cdx_query_url(service(d, "https://web.archive.org"), prefix, d->o->from, d->o->to, d->o->limit, key);
        wx_fetch_result *r = q ? get(d, q) : NULL;
        if (!r) { free(q); break; }
        d->found_in = q;
        char *next = NULL, *err = NULL;
        if (wx_cdx_parse((const char *)r->body, r->body_len, on_found, d, &next, &err) < 0) {
            wx_log(WX_LOG_ERROR, q, "%s", err);
            note(d, EXIT_DATAERR);
        }
        drop(r);
        free(err);
        d->found_in = NULL;
        free(q);
        int moved = next && (!key || strcmp(next, key) != 0);
        free(key);
        key = next;
        if (!moved) break;
    }
    free(key);
    free(prefix);
    wx_url_ids_free(&want);
}

/* The store, when one is named or ./wxstore exists: links are followed
 * into it, and a bare --from-pages reads its objects. */
static wx_store *open_store(const wx_discover_opts *o)
{
    const char *dir = o->store_dir ? o->store_dir : "wxstore";
    char *index = NULL;
    if (asprintf(&index, "%s/index.jsonl", dir) < 0) return NULL;
    int exists = access(index, R_OK) == 0;
    free(index);
    if (!exists) {
        if (o->store_dir) wx_log(WX_LOG_WARN, dir, "no store here (no index.jsonl); links are not followed into it");
        return NULL;
    }
    char *err = NULL;
    wx_store *st = wx_store_open(dir, &err);
    if (!st) wx_log(WX_LOG_ERROR, dir, "%s", err ? err : "cannot open the store");
    free(err);
    return st;
}

int wx_discover(const wx_discover_opts *o, FILE *out)
{
    disc d = {0};
    d.o = o;
    d.out = out;
    wx_parse_init();
    d.fetch = o->fetch;
    d.fetch.hosts = wx_fetch_hosts_new();   /* the rate holds across paged requests */
    if (o->from_pages) {
        d.store = open_store(o);
        char *objects = NULL;
        if (d.store && !o->npages && asprintf(&objects, "%s/objects", o->store_dir ? o->store_dir : "wxstore") < 0)
            objects = NULL;
        from_pages(&d, objects);
        free(objects);
    }
    for (size_t i = 0; i < o->nhistories; i++) from_history(&d, o->histories[i]);
    for (size_t i = 0; i < o->nalbums; i++) from_album(&d, o->albums[i]);
    if (o->wayback) from_wayback(&d);
    if (d.other_account)
        wx_log(WX_LOG_INFO, NULL, "%zu links to other accounts' articles left out (--any-account keeps them)",
               d.other_account);
    for (size_t i = 0; i < d.npages; i++) {
        free(d.pages[i].found_in);
        free(d.pages[i].id);
        free(d.pages[i].biz);
        wx_urllist_free(&d.pages[i].links);
    }
    free(d.pages);
    wx_urllist_free(&d.seen);
    wx_urllist_free(&d.local_ids);
    wx_urllist_free(&d.local_paths);
    wx_urllist_free(&d.visited);
    wx_store_close(d.store);
    wx_fetch_hosts_free(d.fetch.hosts);
    return d.exit_code;
}
