/*
 * ocr_images: images[].text from saved pages' NAME_files/ folders, with a
 * cache (see ocr_images.h).
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
#include "../parse/ocr.h"
#include "../parse/record.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
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

/* The result for one image file: from the cache, or read and cached. */
static wx_ocr_result ocr_one(const char *file, wx_ocr_run *run)
{
    size_t len = 0;
    const char *why;
    unsigned char *bytes = wx_ocr_read_file(file, &len, &why);
    if (!bytes) {
        atomic_fetch_add(strcmp(why, "too large") == 0 ? &run->skipped : &run->failed, 1);
        return (wx_ocr_result){.status = WX_OCR_FAILED, .why = why};
    }
    char sha[65];
    wx_sha256_hex(bytes, len, sha);
    wx_ocr_result r = {.status = WX_OCR_FAILED};
    if (run->cache_dir) r = cache_get(run->cache_dir, sha);
    if (r.status != WX_OCR_FAILED) {
        atomic_fetch_add(&run->cached, 1);
    } else {
        r = wx_ocr_bytes(bytes, len);
        atomic_fetch_add(r.status == WX_OCR_READ ? &run->read : r.status == WX_OCR_SKIPPED ? &run->skipped : &run->failed, 1);
        if (run->cache_dir && r.status != WX_OCR_FAILED) cache_put(run->cache_dir, sha, &r);
    }
    free(bytes);
    return r;
}

/* Only content images are read: decorations, QR codes and avatars hold
 * no article text, and a cover repeats the title. */
void wx_ocr_record(json_t *rec, const char *page_path, wx_ocr_run *run)
{
    size_t i;
    json_t *im;
    json_array_foreach(json_object_get(rec, "images"), i, im) {
        const char *role = json_string_value(json_object_get(im, "role"));
        const char *local = json_string_value(json_object_get(im, "local"));
        if (!role || strcmp(role, "content") != 0 || !local) continue;
        char *file = wx_ocr_local_path(page_path, local);
        if (!file) continue;
        wx_ocr_result r = ocr_one(file, run);
        free(file);
        if (r.status == WX_OCR_READ) {
            json_object_set_new(im, "text", wx_json_str(r.text));
            json_object_set_new(im, "text_confidence", json_integer((json_int_t)lround(r.confidence)));
        }
        wx_ocr_result_free(&r);
    }
}
