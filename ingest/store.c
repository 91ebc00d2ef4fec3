/*
 * store: the fetcher's archive directory.
 *
 *   DIR/objects/ab/cdef….html   raw page bodies, named by their SHA-256
 *   DIR/objects/ab/cdef….jpg    images (fetch --images), the extension of
 *                               the format sniffed from their bytes
 *   DIR/index.jsonl             one JSON object per successful fetch
 *   DIR/tmp/                    objects being written
 *   DIR/claims/                 one file per URL a fetcher is fetching now
 *
 * Crash safety comes from ordering, for a batch of objects at a time: each
 * is written to tmp/, the filesystem flushed (syncfs), each renamed into
 * objects/, the filesystem flushed again; only then are their index lines
 * appended (one write on an O_APPEND descriptor, then fsync).  A crash
 * leaves at worst a stray file in tmp/ or a torn last index line, which
 * readers skip.  Objects are named only by the hash of their bytes, so no
 * URL or page content ever becomes a path.
 *
 * Several fetchers may share a store (on a network filesystem too): the
 * index is locked with fcntl record locks (which NFS supports through its
 * lock manager, where flock may be local to one client), each process
 * keeps reading the lines the others append, and a URL is fetched only by
 * the process holding its claim file (created with O_EXCL, which NFS
 * honours since version 3).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest.h"
#include "util.h"
#include "fetch.h"
#include "imagehdr.h"
#include "strmap.h"

/* Leftovers in tmp/ older than this are from a crashed run and are removed. */
#define STALE_TMP_SECONDS (60 * 60)
/* A claim this old is taken over even when its holder may be alive on
 * another host: longer than any fetch with its retries takes by default. */
#define STALE_CLAIM_SECONDS (60 * 60)

typedef struct entry {
    wx_fetch_rec rec;
    int later;                  /* appended by another process after this one opened the store */
    wx_store_copy *earlier;     /* the copies before rec, newest first; NULL until a URL has two */
    unsigned char nearlier;     /* at most WX_STORE_EARLIER */
    struct entry *next;
} entry;

struct wx_store {
    char *dir, *objects, *tmp, *index, *claims;
    int index_fd;
    off_t read_upto;            /* the index is read up to here (the end of a complete line) */
    char *holder;               /* "HOST PID", what this process writes into its claims */
    mode_t file_mode;           /* 0644 less the umask, for objects */
    entry **buckets;
    size_t nbuckets, count;
};

/* Errors are values: hand the caller a message naming what failed and why. */
static int fail(char **err, const char *what, const char *path)
{
    if (err) *err = wx_strf("store: %s %s: %s", what, path, strerror(errno ? errno : EIO));
    return -1;
}

/* Flush through a directory: fsync (its own entries must reach the disk
 * for a rename or create in it to survive a crash) or syncfs (everything on
 * its filesystem, see wx_store_put_objects). */
static int sync_dir(const char *path, int (*how)(int))
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = how(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* mkdir that accepts an existing directory and reports whether it created
 * one (the parent then needs an fsync). */
static int ensure_dir(const char *path, int *created)
{
    if (created) *created = 0;
    if (mkdir(path, 0777) == 0) {
        if (created) *created = 1;
        return 0;
    }
    if (errno != EEXIST) return -1;
    struct stat sb;
    if (stat(path, &sb) != 0) return -1;
    if (!S_ISDIR(sb.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}

/* The store directory may be given as a/b/c: create the missing parents. */
static int ensure_dir_parents(const char *path)
{
    char *p = strdup(path);
    if (!p) return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        int rc = ensure_dir(p, NULL);
        *s = '/';
        if (rc != 0) { free(p); return -1; }
    }
    int rc = ensure_dir(p, NULL);
    free(p);
    return rc;
}

/* Object names come from hashes only; refuse anything else before it can
 * become part of a path. */
static int valid_sha(const char *s)
{
    if (!s) return 0;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return s[64] == '\0';
}

/* Records own their strings; zeroed afterwards so a double free is harmless. */
void wx_fetch_rec_free(wx_fetch_rec *rec)
{
    if (!rec) return;
    free(rec->url);
    free(rec->fetched_at);
    free(rec->final_url);
    free(rec->content_type);
    free(rec->etag);
    free(rec->last_modified);
    free(rec->via);
    free(rec->captured_at);
    free(rec->page);
    free(rec->format);
    memset(rec, 0, sizeof *rec);
}

/* strdup that passes NULL (absent fields) through. */
static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Deep copy, so the store owns what it keeps whoever built the record. */
static int rec_copy(wx_fetch_rec *dst, const wx_fetch_rec *src)
{
    memset(dst, 0, sizeof *dst);
    dst->url = dup_or_null(src->url);
    dst->fetched_at = dup_or_null(src->fetched_at);
    dst->final_url = dup_or_null(src->final_url);
    dst->content_type = dup_or_null(src->content_type);
    dst->etag = dup_or_null(src->etag);
    dst->last_modified = dup_or_null(src->last_modified);
    dst->via = dup_or_null(src->via);
    dst->captured_at = dup_or_null(src->captured_at);
    dst->page = dup_or_null(src->page);
    dst->format = dup_or_null(src->format);
    dst->http_status = src->http_status;
    dst->bytes = src->bytes;
    memcpy(dst->sha256, src->sha256, sizeof dst->sha256);
    if ((src->url && !dst->url) || (src->fetched_at && !dst->fetched_at) ||
        (src->final_url && !dst->final_url) || (src->content_type && !dst->content_type) ||
        (src->etag && !dst->etag) || (src->last_modified && !dst->last_modified) ||
        (src->via && !dst->via) || (src->captured_at && !dst->captured_at) ||
        (src->page && !dst->page) || (src->format && !dst->format)) {
        wx_fetch_rec_free(dst);
        return -1;
    }
    return 0;
}

/* Keep the map's load factor under 1 so lookups stay O(1) for big indexes. */
static int map_grow(wx_store *st)
{
    size_t n = st->nbuckets ? st->nbuckets * 2 : 256;
    entry **b = calloc(n, sizeof *b);
    if (!b) return -1;
    for (size_t i = 0; i < st->nbuckets; i++) {
        for (entry *e = st->buckets[i], *next; e; e = next) {
            next = e->next;
            size_t k = (size_t)wx_hash_str(e->rec.url) % n;
            e->next = b[k];
            b[k] = e;
        }
    }
    free(st->buckets);
    st->buckets = b;
    st->nbuckets = n;
    return 0;
}

/* The entry holding url's latest fetch, or NULL. */
static entry *map_find(const wx_store *st, const char *url)
{
    if (!st->nbuckets) return NULL;
    for (entry *e = st->buckets[(size_t)wx_hash_str(url) % st->nbuckets]; e; e = e->next)
        if (strcmp(e->rec.url, url) == 0) return e;
    return NULL;
}

/* The copy e held becomes the newest earlier one, unless its bytes are
 * the new latest's or already listed (then it moves to the front); the
 * oldest falls off.  Out of memory only forgets the earlier copies. */
static void remember_earlier(entry *e, const wx_fetch_rec *next)
{
    if (strcmp(e->rec.sha256, next->sha256) == 0) return;
    if (!e->earlier && !(e->earlier = calloc(WX_STORE_EARLIER, sizeof *e->earlier))) return;
    size_t n = e->nearlier, k = 0;
    while (k < n && strcmp(e->earlier[k].sha256, e->rec.sha256) != 0) k++;
    if (k == n && n < WX_STORE_EARLIER) n++;
    if (k == e->nearlier) k = n - 1;        /* not listed: the oldest slot goes */
    memmove(&e->earlier[1], &e->earlier[0], k * sizeof *e->earlier);
    memcpy(e->earlier[0].sha256, e->rec.sha256, 65);
    e->earlier[0].wayback = e->rec.via && strcmp(e->rec.via, "wayback") == 0;
    e->nearlier = (unsigned char)n;
    for (size_t i = 0; i < e->nearlier; i++)     /* the new latest is no earlier copy */
        if (strcmp(e->earlier[i].sha256, next->sha256) == 0) {
            memmove(&e->earlier[i], &e->earlier[i + 1], (e->nearlier - i - 1) * sizeof *e->earlier);
            e->nearlier--;
            break;
        }
}

/* Later fetches of a URL replace earlier ones: the map holds the latest,
 * and remembers a few earlier copies. */
static int map_put(wx_store *st, const wx_fetch_rec *rec, int later)
{
    entry *e = map_find(st, rec->url);
    wx_fetch_rec copy;
    if (rec_copy(&copy, rec) != 0) return -1;
    if (e) {
        remember_earlier(e, rec);
        wx_fetch_rec_free(&e->rec);
        e->rec = copy;
        e->later = later;
        return 0;
    }
    if (st->count + 1 > st->nbuckets && map_grow(st) != 0) { wx_fetch_rec_free(&copy); return -1; }
    e = malloc(sizeof *e);
    if (!e) { wx_fetch_rec_free(&copy); return -1; }
    e->rec = copy;
    e->later = later;
    e->earlier = NULL;
    e->nearlier = 0;
    size_t k = (size_t)wx_hash_str(copy.url) % st->nbuckets;
    e->next = st->buckets[k];
    st->buckets[k] = e;
    st->count++;
    return 0;
}

/* A string member, or NULL when absent or not a string. */
static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* One index line to a record; lines that are not complete, well-formed
 * entries (a torn write, a hand edit) are rejected and skipped. */
static int rec_from_json(json_t *o, wx_fetch_rec *rec)
{
    memset(rec, 0, sizeof *rec);
    const char *url = jstr(o, "url"), *sha = jstr(o, "sha256");
    if (!json_is_object(o) || !url || !*url || !valid_sha(sha)) return -1;
    rec->url = (char *)url;
    rec->fetched_at = (char *)jstr(o, "fetched_at");
    rec->final_url = (char *)jstr(o, "final_url");
    rec->content_type = (char *)jstr(o, "content_type");
    rec->etag = (char *)jstr(o, "etag");
    rec->last_modified = (char *)jstr(o, "last_modified");
    rec->via = (char *)jstr(o, "via");
    rec->captured_at = (char *)jstr(o, "captured_at");
    rec->page = (char *)jstr(o, "page");
    rec->format = (char *)jstr(o, "format");
    rec->http_status = (long)json_integer_value(json_object_get(o, "http_status"));
    json_int_t bytes = json_integer_value(json_object_get(o, "bytes"));
    rec->bytes = bytes > 0 ? (size_t)bytes : 0;
    memcpy(rec->sha256, sha, 65);
    return 0;   /* strings borrowed from o; map_put copies them */
}

/* Absent fields are written as null, so every line has every key. */
static json_t *nstr(const char *s) { return s ? json_string(s) : json_null(); }

/* One index line; jansson does the escaping.  captured_at only on the
 * lines of Wayback copies that know it (--fallback wayback); an image's
 * line adds the page it was fetched for and its format (a page's line has
 * neither key, as before images were stored). */
static json_t *rec_to_json(const wx_fetch_rec *r)
{
    json_t *o = json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:I, s:s, s:o*}",
                          "url", nstr(r->url), "fetched_at", nstr(r->fetched_at),
                          "final_url", nstr(r->final_url), "http_status", (json_int_t)r->http_status,
                          "content_type", nstr(r->content_type), "etag", nstr(r->etag),
                          "last_modified", nstr(r->last_modified), "via", nstr(r->via),
                          "bytes", (json_int_t)r->bytes, "sha256", r->sha256,
                          "captured_at", r->captured_at ? json_string(r->captured_at) : NULL);
    if (o && r->format) {
        json_object_set_new(o, "kind", json_string("image"));
        json_object_set_new(o, "page", nstr(r->page));
        json_object_set_new(o, "format", json_string(r->format));
    }
    return o;
}

/* Lock the whole index (F_RDLCK, F_WRLCK) or unlock it (F_UNLCK).  fcntl
 * locks belong to the process and vanish when it closes any descriptor of
 * the file, so the store opens index.jsonl once and reads it with pread. */
static int index_lock(wx_store *st, short type)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    while (fcntl(st->index_fd, F_SETLKW, &fl) != 0)
        if (errno != EINTR) return -1;
    return 0;
}

/* One complete index line into the map; bad lines are skipped, not fatal:
 * the index must stay usable after a crash mid-append. */
static int load_line(wx_store *st, const char *line, size_t n, int later)
{
    json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, NULL);
    wx_fetch_rec rec;
    int rc = 0;
    if (o && rec_from_json(o, &rec) == 0 && map_put(st, &rec, later) != 0) rc = -1;
    json_decref(o);
    return rc;
}

/* Read the lines appended since the last read (all of them the first time)
 * into the map; the caller holds a lock.  A last line without its newline
 * is a write in progress or torn by a crash: it is read again next time,
 * when the append after it has completed it.  later marks the entries as
 * another process's (see wx_store_claim). */
static int read_tail(wx_store *st, int later, char **err)
{
    enum { CHUNK = 1 << 16 };
    char *chunk = malloc(CHUNK);
    wx_buf line;
    wx_buf_init(&line);
    off_t pos = st->read_upto;
    int rc = 0;
    if (!chunk) { errno = ENOMEM; return fail(err, "cannot read", st->index); }
    for (;;) {
        ssize_t n = pread(st->index_fd, chunk, CHUNK, pos);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { rc = fail(err, "cannot read", st->index); break; }
        if (n == 0) break;
        const char *p = chunk, *end = chunk + n;
        pos += n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t before = line.len;
            wx_buf_put(&line, p, (size_t)((nl ? nl : end) - p));
            if (line.len - before != (size_t)((nl ? nl : end) - p)) { errno = ENOMEM; rc = -1; break; }
            if (!nl) break;
            if (line.len && load_line(st, line.data, line.len, later) != 0) { errno = ENOMEM; rc = -1; break; }
            line.len = 0;
            st->read_upto = pos - (off_t)(end - nl - 1);
            p = nl + 1;
        }
        if (rc) { fail(err, "cannot load", st->index); break; }
    }
    free(line.data);
    free(chunk);
    return rc;
}

/* Files in tmp/ are never objects; old ones are what a crash left behind. */
static void clean_stale_tmp(const wx_store *st)
{
    DIR *d = opendir(st->tmp);
    if (!d) return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "obj.", 4) != 0) continue;
        char *p = wx_strf("%s/%s", st->tmp, de->d_name);
        struct stat sb;
        if (p && lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && now - sb.st_mtime > STALE_TMP_SECONDS)
            unlink(p);
        free(p);
    }
    closedir(d);
}

/* Create the layout if needed and load the index under a shared lock, so a
 * concurrent writer's half-written line is never read as complete.
 * readonly: create nothing, sync nothing, clean nothing (a reader such as
 * `parse` of a store's objects must leave the store as it found it). */
static wx_store *store_open(const char *dir, int readonly, char **err)
{
    if (err) *err = NULL;
    wx_store *st = calloc(1, sizeof *st);
    if (!st) { errno = ENOMEM; fail(err, "cannot open", dir); return NULL; }
    st->index_fd = -1;
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') dl--;
    st->dir = strndup(dir, dl);
    st->objects = wx_strf("%.*s/objects", (int)dl, dir);
    st->tmp = wx_strf("%.*s/tmp", (int)dl, dir);
    st->index = wx_strf("%.*s/index.jsonl", (int)dl, dir);
    st->claims = wx_strf("%.*s/claims", (int)dl, dir);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) strcpy(host, "localhost");
    for (char *h = host; *h; h++)
        if (*h == ' ' || *h == '\n') *h = '_';
    st->holder = wx_strf("%s %ld", host, (long)getpid());
    mode_t um = umask(0);
    umask(um);
    st->file_mode = 0644 & ~um;
    if (!st->dir || !st->objects || !st->tmp || !st->index || !st->claims || !st->holder) {
        errno = ENOMEM;
        fail(err, "cannot open", dir);
        wx_store_close(st);
        return NULL;
    }
    if (readonly) {
        st->index_fd = open(st->index, O_RDONLY | O_CLOEXEC);
        if (st->index_fd < 0) { fail(err, "cannot open", st->index); wx_store_close(st); return NULL; }
    } else {
        int created_obj = 0, created_tmp = 0;
        if (ensure_dir_parents(st->dir) != 0) { fail(err, "cannot create", st->dir); wx_store_close(st); return NULL; }
        if (ensure_dir(st->objects, &created_obj) != 0) { fail(err, "cannot create", st->objects); wx_store_close(st); return NULL; }
        if (ensure_dir(st->tmp, &created_tmp) != 0) { fail(err, "cannot create", st->tmp); wx_store_close(st); return NULL; }
        if (ensure_dir(st->claims, NULL) != 0) { fail(err, "cannot create", st->claims); wx_store_close(st); return NULL; }
        st->index_fd = open(st->index, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
        if (st->index_fd < 0) { fail(err, "cannot open", st->index); wx_store_close(st); return NULL; }
        if (sync_dir(st->dir, fsync) != 0) { fail(err, "cannot sync", st->dir); wx_store_close(st); return NULL; }
    }
    if (index_lock(st, F_RDLCK) != 0) { fail(err, "cannot lock", st->index); wx_store_close(st); return NULL; }
    int rc = read_tail(st, 0, err);
    index_lock(st, F_UNLCK);
    if (rc != 0) { wx_store_close(st); return NULL; }
    if (!readonly) clean_stale_tmp(st);
    return st;
}

wx_store *wx_store_open(const char *dir, char **err) { return store_open(dir, 0, err); }
wx_store *wx_store_open_readonly(const char *dir, char **err) { return store_open(dir, 1, err); }

/* Frees the map and closes the index; everything on disk is already synced. */
void wx_store_close(wx_store *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->nbuckets; i++) {
        for (entry *e = st->buckets[i], *next; e; e = next) {
            next = e->next;
            wx_fetch_rec_free(&e->rec);
            free(e->earlier);
            free(e);
        }
    }
    free(st->buckets);
    if (st->index_fd >= 0) close(st->index_fd);
    free(st->dir);
    free(st->objects);
    free(st->tmp);
    free(st->index);
    free(st->claims);
    free(st->holder);
    free(st);
}

/* The map is keyed by the URL exactly as listed. */
const wx_fetch_rec *wx_store_latest(const wx_store *st, const char *url)
{
    entry *e = url ? map_find(st, url) : NULL;
    return e ? &e->rec : NULL;
}

/* Kept by map_put as the index is read. */
size_t wx_store_earlier(const wx_store *st, const char *url, const wx_store_copy **copies)
{
    entry *e = url ? map_find(st, url) : NULL;
    *copies = e ? e->earlier : NULL;
    return e ? e->nearlier : 0;
}

/* objects/ab/cdef….EXT: two-level fan-out keeps directories small.  The
 * extension is one of a fixed few (never taken from a URL or a file), so
 * only the hash and the format name an object. */
char *wx_store_object_path_ext(const wx_store *st, const char *sha256, const char *ext)
{
    if (!valid_sha(sha256)) return NULL;
    static const char *const known[] = {"jpg", "png", "gif", "webp", "svg", NULL};
    int ok = !ext;
    for (size_t i = 0; !ok && known[i]; i++) ok = strcmp(ext, known[i]) == 0;
    if (!ok) ext = "bin";
    return wx_strf("%s/%.2s/%s.%s", st->objects, sha256, sha256 + 2, ext ? ext : "html");
}

char *wx_store_object_path(const wx_store *st, const char *sha256)
{
    return wx_store_object_path_ext(st, sha256, NULL);
}

char *wx_store_rec_path(const wx_store *st, const wx_fetch_rec *rec)
{
    return wx_store_object_path_ext(st, rec->sha256, rec->format ? wx_image_ext(rec->format) : NULL);
}

/* A user may have deleted objects by hand; the index alone is not proof. */
static int is_file(char *p)
{
    struct stat sb;
    int ok = p && stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
    free(p);
    return ok;
}

int wx_store_has_object(const wx_store *st, const char *sha256)
{
    return is_file(wx_store_object_path(st, sha256));
}

int wx_store_has_rec_object(const wx_store *st, const wx_fetch_rec *rec)
{
    return is_file(wx_store_rec_path(st, rec));
}

/* write(2) until done: a short write to a regular file is not an error in
 * itself, only the failure that follows it. */
static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A batch of objects with one flush for all (see ingest.h).  Ordering is
 * the single object's: every object's bytes reach the disk (syncfs) before
 * any of them is renamed into objects/, and the renames reach it (syncfs
 * again) before wx_store_append_batch writes index lines for them.  syncfs
 * flushes the whole filesystem, so two calls per batch replace three
 * fsyncs per object, which capped the rate at ~400 pages/s on a disk
 * where an fsync costs 0.8 ms. */

int wx_store_put_objects(wx_store *st, const wx_store_object *objs, size_t n, char **errs)
{
    char **tmps = calloc(n ? n : 1, sizeof *tmps);
    int failed = 0;
    if (!tmps) {
        for (size_t i = 0; i < n; i++) errs[i] = wx_strf("store: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) errs[i] = NULL;
    /* 1. every object into tmp/, unsynced */
    for (size_t i = 0; i < n; i++) {
        const wx_store_object *o = &objs[i];
        if (!valid_sha(o->sha256)) { errs[i] = wx_strf("store: bad object name"); continue; }
        char *final = wx_store_object_path_ext(st, o->sha256, o->ext);
        struct stat sb;
        int present = final && stat(final, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == o->len;
        free(final);
        if (present) continue;                     /* already stored: left alone */
        char *tmp = wx_strf("%s/obj.XXXXXX", st->tmp);
        int fd = tmp ? mkstemp(tmp) : -1;
        if (fd < 0) { fail(&errs[i], "cannot create", tmp ? tmp : st->tmp); free(tmp); continue; }
        int bad = fchmod(fd, st->file_mode) != 0 || write_all(fd, o->bytes, o->len) != 0;
        if (close(fd) != 0) bad = 1;
        if (bad) { fail(&errs[i], "cannot write", tmp); unlink(tmp); free(tmp); continue; }
        tmps[i] = tmp;
    }
    /* 2. their bytes on disk, then the renames, then those on disk
     * (nothing to flush when every object was there already) */
    int written = 0;
    for (size_t i = 0; i < n; i++) written |= tmps[i] != NULL;
    int synced = !written || sync_dir(st->tmp, syncfs) == 0;
    if (!synced) failed = errno ? errno : EIO;
    int created_any = 0;
    for (size_t i = 0; i < n; i++) {
        if (!tmps[i]) continue;
        char *final = wx_store_object_path_ext(st, objs[i].sha256, objs[i].ext);
        char *subdir = wx_strf("%s/%.2s", st->objects, objs[i].sha256);
        int created = 0;
        if (!synced) {
            errno = failed;
            fail(&errs[i], "cannot sync", st->tmp);
        } else if (!final || !subdir) {
            errno = ENOMEM;
            fail(&errs[i], "cannot write", st->objects);
        } else if (ensure_dir(subdir, &created) != 0) {
            fail(&errs[i], "cannot create", subdir);
        } else if (rename(tmps[i], final) != 0) {
            fail(&errs[i], "cannot rename into", final);
        } else {
            free(tmps[i]);
            tmps[i] = NULL;                          /* renamed: nothing to clean up */
        }
        created_any |= created;
        if (tmps[i]) { unlink(tmps[i]); free(tmps[i]); tmps[i] = NULL; }
        free(final);
        free(subdir);
    }
    if (written && (sync_dir(st->objects, syncfs) != 0 || (created_any && sync_dir(st->objects, fsync) != 0))) {
        for (size_t i = 0; i < n; i++)
            if (!errs[i]) fail(&errs[i], "cannot sync", st->objects);
    }
    free(tmps);
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (errs[i]) rc = -1;
    return rc;
}

/* ---------- claims: one fetcher per URL ---------- */

/* claims/<SHA-256 of the URL>: the URL never becomes part of a path. */
static char *claim_path(const wx_store *st, const char *url)
{
    char sha[65];
    wx_sha256_hex(url, strlen(url), sha);
    return wx_strf("%s/%s", st->claims, sha);
}

/* What a claim file says: "HOST PID UNIXTIME URL\n", in holder (at least
 * 320 bytes).  Returns the PID, 0 when the file is empty or unreadable. */
static long claim_read(const char *path, char *holder, size_t cap)
{
    holder[0] = '\0';
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[320];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char host[256];
    long pid = 0;
    if (sscanf(buf, "%255s %ld", host, &pid) != 2 || pid <= 0) return 0;
    snprintf(holder, cap, "%s %ld", host, pid);
    return pid;
}

/* A claim is stale when its holder cannot be fetching any more: written
 * on this host by a process that is gone, left empty (its writer died
 * between creating and filling it: both happen under the index lock), or
 * older than STALE_CLAIM_SECONDS (a holder on another host, whose process
 * cannot be asked). */
static int claim_stale(const wx_store *st, const char *path)
{
    char holder[320];
    long pid = claim_read(path, holder, sizeof holder);
    if (pid == 0) return 1;
    if (strcmp(holder, st->holder) == 0) return 1;   /* this process's own, from an earlier call */
    size_t hl = strcspn(st->holder, " ");
    if (strncmp(holder, st->holder, hl) == 0 && holder[hl] == ' ' &&
        kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return 1;
    struct stat sb;
    return lstat(path, &sb) == 0 && time(NULL) - sb.st_mtime > STALE_CLAIM_SECONDS;
}

/* Take the claim: O_EXCL, so of several processes exactly one creates the
 * file.  Returns 0, 1 when another holds it, -1 on an error. */
static int claim_create(const wx_store *st, const char *path, const char *url)
{
    for (int tries = 0; tries < 2; tries++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
            char *text = wx_strf("%s %lld %s\n", st->holder, (long long)time(NULL), url);
            int bad = !text || write_all(fd, text, strlen(text)) != 0;
            free(text);
            if (close(fd) != 0) bad = 1;
            if (bad) { unlink(path); return -1; }
            return 0;
        }
        if (errno != EEXIST) return -1;
        if (!claim_stale(st, path)) return 1;
        if (unlink(path) != 0 && errno != ENOENT) return -1;
    }
    return 1;
}

/* Remove the claim on url if this process holds it; the lock is held. */
static void release_locked(wx_store *st, const char *url)
{
    char *path = claim_path(st, url);
    char holder[320];
    if (path && claim_read(path, holder, sizeof holder) && strcmp(holder, st->holder) == 0) unlink(path);
    free(path);
}

/* Under the index lock, so checking the index and creating the claim are
 * one step for every process sharing the store. */
int wx_store_claim(wx_store *st, const char *url, char **err)
{
    if (err) *err = NULL;
    if (index_lock(st, F_WRLCK) != 0) return fail(err, "cannot lock", st->index);
    int rc = read_tail(st, 1, err);
    entry *e = rc == 0 ? map_find(st, url) : NULL;
    if (rc == 0 && e && e->later && wx_store_has_object(st, e->rec.sha256)) {
        rc = WX_CLAIM_DONE;
    } else if (rc == 0) {
        char *path = claim_path(st, url);
        int c = path ? claim_create(st, path, url) : (errno = ENOMEM, -1);
        if (c < 0) rc = fail(err, "cannot claim a URL in", st->claims);
        else rc = c == 0 ? WX_CLAIM_OURS : WX_CLAIM_BUSY;
        free(path);
    }
    index_lock(st, F_UNLCK);
    return rc;
}

/* A fetch that wrote no index line (it failed, or the page was unchanged)
 * gives its URL back. */
void wx_store_release(wx_store *st, const char *url)
{
    if (index_lock(st, F_WRLCK) != 0) return;
    release_locked(st, url);
    index_lock(st, F_UNLCK);
}

/* Another process, or a crash, may have left the index without a final
 * newline; start on a fresh line so a torn entry cannot swallow ours. */
static int index_needs_newline(int fd)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size == 0) return 0;
    char c = '\n';
    if (pread(fd, &c, 1, sb.st_size - 1) != 1) return 0;
    return c != '\n';
}

/* The index lines of a batch: one write and one fsync for all.  An object
 * must be in place first: an index line is a promise that its object
 * exists, so an entry whose object is missing gets an error in errs[i] and
 * no line.  The index lock keeps concurrent fetchers' lines apart; the
 * claims on the URLs written are released with them. */
int wx_store_append_batch(wx_store *st, const wx_fetch_rec *recs, size_t n, char **errs)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int *ok = calloc(n ? n : 1, sizeof *ok);
    int rc = 0;
    for (size_t i = 0; i < n; i++) errs[i] = NULL;
    if (!buf || !ok) {
        for (size_t i = 0; i < n; i++) errs[i] = wx_strf("store: out of memory");
        free(buf);
        free(ok);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const wx_fetch_rec *rec = &recs[i];
        if (!rec->url || !valid_sha(rec->sha256)) { errs[i] = wx_strf("store: incomplete index entry"); continue; }
        if (!wx_store_has_rec_object(st, rec)) {
            errs[i] = wx_strf("store: object %s is missing; index entry not written", rec->sha256);
            continue;
        }
        json_t *o = rec_to_json(rec);
        char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(o);
        size_t tl = text ? strlen(text) : 0;
        if (text && len + tl + 2 > cap) {
            while (len + tl + 2 > cap) cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown) { free(text); text = NULL; }
            else buf = grown;
        }
        if (!text) { errno = ENOMEM; fail(&errs[i], "cannot append to", st->index); continue; }
        memcpy(buf + len, text, tl);
        len += tl;
        buf[len++] = '\n';
        free(text);
        ok[i] = 1;
    }
    if (len > 0) {
        int bad = 0, e = 0;
        if (index_lock(st, F_WRLCK) != 0) {
            bad = 1, e = errno;
        } else {
            read_tail(st, 1, NULL);   /* others' lines first, so ours are not read back as theirs */
            struct stat sb;
            if ((index_needs_newline(st->index_fd) && write_all(st->index_fd, "\n", 1) != 0) ||
                write_all(st->index_fd, buf, len) != 0 || fsync(st->index_fd) != 0)
                bad = 1, e = errno;
            else if (fstat(st->index_fd, &sb) == 0)
                st->read_upto = sb.st_size;
            for (size_t i = 0; i < n && !bad; i++)
                if (ok[i]) release_locked(st, recs[i].url);   /* the line stands for the claim now */
            index_lock(st, F_UNLCK);
        }
        for (size_t i = 0; i < n; i++) {
            if (!ok[i]) continue;
            errno = e;
            if (bad) fail(&errs[i], "cannot append to", st->index);
            else if (map_put(st, &recs[i], 0) != 0) { errno = ENOMEM; fail(&errs[i], "cannot remember an entry of", st->index); }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (errs[i]) rc = -1;
    free(buf);
    free(ok);
    return rc;
}
