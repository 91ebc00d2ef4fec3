/*
 * ocr_images: a record's images from their files, the store's or a saved
 * page's NAME_files/ folder, and their text with --ocr (see ocr_images.h).
 *
 * Cache layout: DIR/ab/abcdef...json (the image's SHA-256), one JSON
 * object {"version", "sha256", "status", "text", "confidence"}; written
 * to a temporary file and renamed, so readers see whole entries.  An entry
 * that does not parse, names another hash or another version is ignored
 * (and rewritten).
 */
#include "ocr_images.h"
#include "../ingest/util.h"
#include "../ingest/doc.h"
#include "../ingest/fetch.h"
#include "../ingest/imagehdr.h"
#include "../parse/ocr.h"
#include "../parse/record.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LOCAL 4096

/* Browsers write the folder and file names percent-encoded in src. */
static char *percent_decode(const char *s)
{
    size_t n = strlen(s);
    if (n > MAX_LOCAL) return NULL;
    char *out = malloc(n + 1), *o = out;
    for (size_t i = 0; out && i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = wx_hexval(s[i + 1])) >= 0 && (lo = wx_hexval(s[i + 2])) >= 0) {
            if (hi == 0 && lo == 0) { free(out); return NULL; }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    if (out) *o = '\0';
    return out;
}

/* Is this relative path FOLDER_files/NAME[/...] with no empty, "." or
 * ".." component?  Sets *first_len to the folder name's length. */
static int inside_files_folder(const char *rel, size_t *first_len)
{
    if (!*rel || *rel == '/') return 0;
    const char *slash = strchr(rel, '/');
    if (!slash || slash - rel < 7 || strncmp(slash - 6, "_files", 6) != 0) return 0;
    *first_len = (size_t)(slash - rel);
    for (const char *p = rel; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
        p = e ? e + 1 : p + n;
    }
    return 1;
}

/* The page's directory ("." for a bare name), malloc'd. */
static char *page_dir(const char *page_path)
{
    const char *slash = strrchr(page_path, '/');
    if (!slash) return strdup(".");
    if (slash == page_path) return strdup("/");
    return strndup(page_path, (size_t)(slash - page_path));
}

/* Both the folder and the file are resolved (realpath) and compared, so
 * neither a ".." nor a symbolic link can lead out of the folder. */
char *wx_ocr_local_path(const char *page_path, const char *local)
{
    if (!page_path || !local || strcmp(page_path, "-") == 0) return NULL;
    char *rel = percent_decode(local), *dir = page_dir(page_path), *result = NULL;
    char *start = rel;
    while (start && strncmp(start, "./", 2) == 0) start += 2;
    size_t first_len = 0;
    char real_dir[PATH_MAX], real_folder[PATH_MAX], real_file[PATH_MAX], joined[PATH_MAX * 2];
    if (start && dir && inside_files_folder(start, &first_len) && realpath(dir, real_dir)) {
        snprintf(joined, sizeof joined, "%s/%.*s", dir, (int)first_len, start);
        char expect[PATH_MAX * 2];
        snprintf(expect, sizeof expect, "%s/%.*s", real_dir, (int)first_len, start);
        if (realpath(joined, real_folder) && strcmp(real_folder, expect) == 0) {
            snprintf(joined, sizeof joined, "%s/%s", dir, start);
            size_t fl = strlen(real_folder);
            struct stat sb;
            if (realpath(joined, real_file) && strncmp(real_file, real_folder, fl) == 0 && real_file[fl] == '/' &&
                stat(real_file, &sb) == 0 && S_ISREG(sb.st_mode))
                result = strdup(real_file);
        }
    }
    free(rel);
    free(dir);
    return result;
}

/* ---------- the cache ---------- */

/* DIR/ab/abcd...json: 256 subfolders keep each folder small. */
static char *cache_path(const char *dir, const char *sha)
{
    size_t n = strlen(dir) + 80;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%.2s/%s.json", dir, sha, sha);
    return p;
}

/* A cached result, or status FAILED when there is none usable. */
static wx_ocr_result cache_get(const char *dir, const char *sha)
{
    wx_ocr_result r = {.status = WX_OCR_FAILED};
    char *path = cache_path(dir, sha);
    json_t *j = path ? json_load_file(path, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(path);
    const char *st = json_string_value(json_object_get(j, "status"));
    const char *hash = json_string_value(json_object_get(j, "sha256"));
    json_t *text = json_object_get(j, "text"), *conf = json_object_get(j, "confidence");
    int ok = json_is_object(j) && json_integer_value(json_object_get(j, "version")) == WX_OCR_VERSION && hash &&
             strcmp(hash, sha) == 0 && st;
    if (ok && strcmp(st, "read") == 0 && json_is_string(text) && json_is_number(conf)) {
        r.status = WX_OCR_READ;
        r.text = strdup(json_string_value(text));
        r.confidence = json_number_value(conf);
        if (!r.text) r.status = WX_OCR_FAILED;
    } else if (ok && strcmp(st, "skipped") == 0) {
        r.status = WX_OCR_SKIPPED;
    }
    json_decref(j);
    return r;
}

/* Store a result: temporary file in the entry's folder, then rename.  A
 * cache that cannot be written costs only the next run's time. */
static void cache_put(const char *dir, const char *sha, const wx_ocr_result *r)
{
    char *path = cache_path(dir, sha);
    if (!path) return;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/%.2s", dir, sha);
    mkdir(dir, 0755);
    mkdir(sub, 0755);
    json_t *j = json_pack("{s:i, s:s, s:s, s:s?, s:f}", "version", WX_OCR_VERSION, "sha256", sha, "status",
                          r->status == WX_OCR_READ ? "read" : "skipped", "text", r->text, "confidence", r->confidence);
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", sub);
    int fd = j ? mkstemp(tmp) : -1;
    if (fd >= 0) {
        int bad = json_dumpfd(j, fd, JSON_COMPACT) != 0;
        bad |= close(fd) != 0;
        if (bad || rename(tmp, path) != 0) unlink(tmp);
    }
    json_decref(j);
    free(path);
}

/* ---------- one image ---------- */

/* The OCR result for one image's bytes: from the cache, or read and cached. */
static wx_ocr_result ocr_one(const unsigned char *bytes, size_t len, const char *sha, wx_ocr_run *run)
{
    wx_ocr_result r = {.status = WX_OCR_FAILED};
    if (run->cache_dir) r = cache_get(run->cache_dir, sha);
    if (r.status != WX_OCR_FAILED) {
        atomic_fetch_add(&run->cached, 1);
    } else {
        r = wx_ocr_bytes(bytes, len);
        atomic_fetch_add(r.status == WX_OCR_READ ? &run->read : r.status == WX_OCR_SKIPPED ? &run->skipped : &run->failed, 1);
        if (run->cache_dir && r.status != WX_OCR_FAILED) cache_put(run->cache_dir, sha, &r);
    }
    return r;
}

/* ---------- the files behind a record's images ---------- */

/* A store opened for `parse` of its objects/ folder. */
typedef struct opened { char *dir; wx_store *st; struct opened *next; } opened;

struct wx_image_files {
    wx_ocr_run *ocr;
    wx_store *given;            /* run's store, borrowed */
    pthread_mutex_t mu;         /* guards opened */
    opened *opened;
};

wx_image_files *wx_image_files_new(wx_ocr_run *ocr, wx_store *store)
{
    wx_image_files *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->ocr = ocr;
    f->given = store;
    pthread_mutex_init(&f->mu, NULL);
    return f;
}

void wx_image_files_free(wx_image_files *f)
{
    if (!f) return;
    for (opened *o = f->opened, *n; o; o = n) {
        n = o->next;
        wx_store_close(o->st);
        free(o->dir);
        free(o);
    }
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* DIR of a page path DIR/objects/ab/<62 hex>.html (the store's own
 * naming) whose DIR/index.jsonl is a regular file; malloc'd, or NULL. */
static char *store_dir_of(const char *page_path)
{
    size_t n = page_path ? strlen(page_path) : 0;
    const char *tail = n >= 78 ? page_path + n - 78 : NULL;   /* "objects/ab/" + 62 + ".html" */
    if (!tail || strncmp(tail, "objects/", 8) != 0 || tail[10] != '/' || strcmp(tail + 73, ".html") != 0) return NULL;
    for (int i = 0; i < 64; i++) {
        char c = tail[i < 2 ? 8 + i : 9 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return NULL;
    }
    if (tail != page_path && tail[-1] != '/') return NULL;
    char *dir = tail == page_path ? strdup(".") : strndup(page_path, (size_t)(tail - page_path - 1));
    char *index = dir ? wx_strf("%s/index.jsonl", dir) : NULL;
    struct stat sb;
    int ok = index && lstat(index, &sb) == 0 && S_ISREG(sb.st_mode);
    free(index);
    if (!ok) { free(dir); return NULL; }
    return dir;
}

/* The store a page's images are looked up in: run's, or the one whose
 * objects/ folder the page is in (opened once per run). */
static wx_store *store_for(wx_image_files *f, const char *page_path)
{
    if (f->given) return f->given;
    char *dir = store_dir_of(page_path);
    if (!dir) return NULL;
    pthread_mutex_lock(&f->mu);
    opened *o = f->opened;
    while (o && strcmp(o->dir, dir) != 0) o = o->next;
    if (!o && (o = calloc(1, sizeof *o)) != NULL) {
        char *err = NULL;
        o->dir = dir;
        dir = NULL;
        o->st = wx_store_open_readonly(o->dir, &err);
        free(err);                  /* a store that cannot be opened: its images are not filled */
        o->next = f->opened;
        f->opened = o;
    }
    pthread_mutex_unlock(&f->mu);
    free(dir);
    return o ? o->st : NULL;
}

/* The file behind one image: the store's object for its URL, else the
 * saved page's NAME_files/ copy.  *from_store says which. */
static char *image_file(wx_store *st, const char *url, const char *local, const char *page_path, int *from_store)
{
    *from_store = 0;
    const wx_fetch_rec *ir = st && url ? wx_store_latest(st, url) : NULL;
    if (ir && ir->format) {
        char *p = wx_store_rec_path(st, ir);
        struct stat sb;
        if (p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) { *from_store = 1; return p; }
        free(p);
    }
    return local && page_path ? wx_ocr_local_path(page_path, local) : NULL;
}

/* local, sha256, bytes, and the real width and height when the header
 * gives them (they win over the markup's, which describe the display). */
static void fill_one(json_t *im, const char *file, int from_store, const unsigned char *bytes, size_t len,
                     const char *sha)
{
    long w, h;
    if (from_store) json_object_set_new(im, "local", wx_json_str(file));
    json_object_set_new(im, "sha256", json_string(sha));
    json_object_set_new(im, "bytes", json_integer((json_int_t)len));
    if (wx_image_size(bytes, len, &w, &h) == 0) {
        json_object_set_new(im, "width", json_integer((json_int_t)w));
        json_object_set_new(im, "height", json_integer((json_int_t)h));
    }
}

void wx_image_files_fill(wx_image_files *f, json_t *rec, const char *page_path)
{
    wx_store *st = store_for(f, page_path);
    size_t i;
    json_t *im;
    json_array_foreach(json_object_get(rec, "images"), i, im) {
        const char *url = json_string_value(json_object_get(im, "url"));
        const char *local = json_string_value(json_object_get(im, "local"));
        const char *role = json_string_value(json_object_get(im, "role"));
        int from_store, want_ocr = f->ocr && role && strcmp(role, "content") == 0;
        char *file = image_file(st, url, local, page_path, &from_store);
        if (!file) continue;
        size_t len = 0;
        const char *why;
        unsigned char *bytes = wx_ocr_read_file(file, &len, &why);
        if (!bytes) {
            if (want_ocr) atomic_fetch_add(strcmp(why, "too large") == 0 ? &f->ocr->skipped : &f->ocr->failed, 1);
            free(file);
            continue;
        }
        char sha[65];
        wx_sha256_hex(bytes, len, sha);
        fill_one(im, file, from_store, bytes, len, sha);
        free(file);
        if (want_ocr) {
            wx_ocr_result r = ocr_one(bytes, len, sha, f->ocr);
            if (r.status == WX_OCR_READ) {
                json_object_set_new(im, "text", wx_json_str(r.text));
                json_object_set_new(im, "text_confidence", json_integer((json_int_t)lround(r.confidence)));
            }
            wx_ocr_result_free(&r);
        }
        free(bytes);
    }
}
