/*
 * Files of an unattended run: the JSON Lines output (replaced atomically or
 * appended line by line), the --incremental state next to it, and the run
 * lock.  The rule throughout: a crash at any moment leaves either the old
 * file or the new one, never a torn one, and nothing that a rerun would
 * duplicate.
 */
#include "output.h"
#include "../ingest/util.h"
#include "../ingest/strmap.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>


/* ---------- what has been written: key -> sha256, and the sha256 set ---------- */

typedef struct entry { char *str, *val; struct entry *next; } entry;
typedef struct table { entry **b; size_t nb, n; } table;

struct wx_known {
    table by_key;   /* input key -> sha256 */
    table shas;     /* sha256 -> NULL */
};

static entry *find(const table *t, const char *s)
{
    if (!t->nb) return NULL;
    for (entry *e = t->b[(size_t)wx_hash_str(s) % t->nb]; e; e = e->next)
        if (strcmp(e->str, s) == 0) return e;
    return NULL;
}

/* Insert or replace; the table copies both strings. */
static int put(table *t, const char *s, const char *val)
{
    entry *e = find(t, s);
    if (e) {
        char *v = val ? strdup(val) : NULL;
        if (val && !v) return -1;
        free(e->val);
        e->val = v;
        return 0;
    }
    if (t->n >= t->nb) {
        size_t nb = t->nb ? t->nb * 2 : 256;
        entry **b = calloc(nb, sizeof *b);
        if (!b) return -1;
        for (size_t i = 0; i < t->nb; i++)
            for (entry *x = t->b[i], *nx; x; x = nx) {
                nx = x->next;
                size_t h = (size_t)wx_hash_str(x->str) % nb;
                x->next = b[h];
                b[h] = x;
            }
        free(t->b);
        t->b = b;
        t->nb = nb;
    }
    e = calloc(1, sizeof *e);
    if (!e || !(e->str = strdup(s)) || (val && !(e->val = strdup(val)))) {
        if (e) free(e->str);
        free(e);
        return -1;
    }
    size_t h = (size_t)wx_hash_str(s) % t->nb;
    e->next = t->b[h];
    t->b[h] = e;
    t->n++;
    return 0;
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nb; i++)
        for (entry *x = t->b[i], *nx; x; x = nx) {
            nx = x->next;
            free(x->str);
            free(x->val);
            free(x);
        }
    free(t->b);
    memset(t, 0, sizeof *t);
}

static int known_add(wx_known *k, const char *key, const char *sha)
{
    if (!sha) return 0;
    if (put(&k->shas, sha, NULL) != 0) return -1;
    return key ? put(&k->by_key, key, sha) : 0;
}

/* A state line's key that is not UTF-8 (a file name is bytes) is kept as
 * hex, so the key stays the raw bytes, never their repaired text. */
static void known_add_hex(wx_known *k, const char *hex, const char *sha)
{
    size_t n = strlen(hex) / 2;
    char *key = malloc(n + 1);
    if (!key) return;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1 || v == 0) { free(key); return; }
        key[i] = (char)v;
    }
    key[n] = '\0';
    known_add(k, key, sha);
    free(key);
}

/* The state line of one key: {"key"} when it is UTF-8, {"key_hex"} when not. */
static json_t *state_line(const char *key, const char *sha)
{
    json_t *j = json_pack("{s:s, s:s}", "key", key, "sha256", sha);
    if (j) return j;
    size_t n = strlen(key);
    char *hex = malloc(2 * n + 1);
    if (!hex) return NULL;
    for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", (unsigned char)key[i]);
    j = json_pack("{s:s, s:s}", "key_hex", hex, "sha256", sha);
    free(hex);
    return j;
}

/* A record line (from the output) or a state line: both name an input and
 * its sha256.  Unparsable lines are ignored. */
static void known_add_line(wx_known *k, const char *line, const char *key_field)
{
    json_t *j = json_loads(line, 0, NULL);
    if (!j) return;
    json_t *src = json_object_get(j, "source");
    if (json_is_object(src))
        known_add(k, json_string_value(json_object_get(src, key_field)),
                  json_string_value(json_object_get(src, "sha256")));
    else if (json_is_string(json_object_get(j, "key_hex")))
        known_add_hex(k, json_string_value(json_object_get(j, "key_hex")), json_string_value(json_object_get(j, "sha256")));
    else
        known_add(k, json_string_value(json_object_get(j, "key")), json_string_value(json_object_get(j, "sha256")));
    json_decref(j);
}

static int known_load(wx_known *k, const char *path, const char *key_field, char **err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        wx_set_err(err, wx_strf("%s: %s", path, strerror(errno)));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) known_add_line(k, line, key_field);
    free(line);
    int bad = ferror(f);
    fclose(f);
    if (bad) { wx_set_err(err, wx_strf("%s: read error", path)); return -1; }
    return 0;
}

/* ---------- atomic replacement ---------- */

/* The directory entry must reach the disk too, or a crash after rename can
 * bring the old file back. */
static void fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) { fsync(fd); close(fd); }
    free(copy);
}

/* An unnamed temp file (O_TMPFILE) gets its name only now, just before
 * the rename: linked through /proc as PATH.tmp.XXXXXXXX (8 random hex
 * digits; linkat never replaces or follows what is at the new name).
 * NULL on failure. */
static char *name_unnamed(int fd, const char *path)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    for (int tries = 0; tries < 64; tries++) {
        unsigned int r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r ^= (unsigned)getpid() * 2654435761u + (unsigned)tries;
        char *name = wx_strf("%s.tmp.%08x", path, r);
        if (!name) { errno = ENOMEM; return NULL; }
        if (linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0) return name;
        int e = errno;
        free(name);
        if (e != EEXIST) { errno = e; return NULL; }
    }
    errno = EEXIST;
    return NULL;
}

/* Flush the temp file to disk and rename it onto path.  tmp is its name,
 * or NULL for an unnamed one (named here first).  Closes f. */
static int finish_tmp(FILE *f, const char *tmp, const char *path, char **err)
{
    int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int e = errno;
    char *named = NULL;
    if (!bad && !tmp && !(named = name_unnamed(fileno(f), path))) { bad = 1; e = errno; }
    if (named) tmp = named;
    if (fclose(f) != 0 && !bad) { bad = 1; e = errno; }
    const char *what = tmp ? tmp : path;
    if (bad) {
        wx_set_err(err, wx_strf("%s: %s", what, strerror(e ? e : EIO)));
        if (tmp) unlink(tmp);
        free(named);
        return -1;
    }
    int rc = rename(tmp, path);
    if (rc != 0) {
        wx_set_err(err, wx_strf("%s: %s", path, strerror(errno)));
        unlink(tmp);
    }
    free(named);
    if (rc == 0) fsync_dir_of(path);
    return rc == 0 ? 0 : -1;
}

/* A new temp file beside path (so the rename stays on one file system),
 * with no name another user could have planted a symlink or a file at (a
 * fixed PATH.tmp was opened through whatever was there).  Unnamed
 * (O_TMPFILE) where the file system allows, so a run killed before the
 * rename leaves nothing behind; else mkstemp's PATH.tmp.XXXXXX, with the
 * mode fopen would have given a new file.  *tmp gets that name (the caller
 * frees it), or NULL for an unnamed file.  NULL with *err on failure. */
static FILE *create_tmp_beside(const char *path, char **tmp, char **err)
{
    *tmp = NULL;
    char *dir = strdup(path);
    int fd = dir ? open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666) : -1;
    free(dir);
    if (fd < 0) {
        *tmp = wx_strf("%s.tmp.XXXXXX", path);
        if (!*tmp) { wx_set_err(err, wx_strf("out of memory")); return NULL; }
        fd = mkostemp(*tmp, O_CLOEXEC);
        if (fd < 0) { wx_set_err(err, wx_strf("%s: %s", *tmp, strerror(errno))); return NULL; }
        mode_t um = umask(0);
        umask(um);
        if (fchmod(fd, 0666 & ~um) != 0) { close(fd); fd = -1; }
    }
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        wx_set_err(err, wx_strf("%s: %s", *tmp ? *tmp : path, strerror(errno)));
        if (fd >= 0) close(fd);
        if (*tmp) unlink(*tmp);
    }
    return f;
}

int wx_write_atomic(const char *path, const char *bytes, size_t len, char **err)
{
    char *tmp = NULL;
    FILE *f = create_tmp_beside(path, &tmp, err);
    if (!f) { free(tmp); return -1; }
    if (len && fwrite(bytes, 1, len, f) != len) { /* reported by finish_tmp via ferror */ }
    int rc = finish_tmp(f, tmp, path, err);
    free(tmp);
    return rc;
}

/* ---------- the JSON Lines sink ---------- */

/* Whether the bytes after the last newline are a whole record that only
 * lacks its newline (a file someone edited, or a run stopped between the
 * record and its newline): then it is kept. */
static int is_whole_record(FILE *f, off_t from, off_t end)
{
    size_t n = (size_t)(end - from);
    char *tail = malloc(n ? n : 1);
    if (!tail) return 0;
    int whole = 0;
    if (fseeko(f, from, SEEK_SET) == 0 && fread(tail, 1, n, f) == n) {
        json_t *j = json_loadb(tail, n, 0, NULL);
        whole = json_is_object(j);
        json_decref(j);
    }
    free(tail);
    return whole;
}

/* A crash mid-write can leave a last line without its newline; cut it off
 * so the next record starts on a line of its own and the torn record is
 * simply written again.  A whole record without its newline gets the
 * newline instead.  Leaves the file positioned at its end. */
static int cut_torn_line(FILE *f, const char *path, char **err)
{
    if (fseeko(f, 0, SEEK_END) != 0) goto fail;
    off_t end = ftello(f), pos = end;
    char buf[4096];
    while (pos > 0) {
        size_t n = pos < (off_t)sizeof buf ? (size_t)pos : sizeof buf;
        if (fseeko(f, pos - (off_t)n, SEEK_SET) != 0 || fread(buf, 1, n, f) != n) goto fail;
        size_t i = n;
        while (i > 0 && buf[i - 1] != '\n') i--;
        if (i > 0) { pos = pos - (off_t)n + (off_t)i; break; }
        pos -= (off_t)n;
    }
    if (pos != end && is_whole_record(f, pos, end)) {
        if (fseeko(f, 0, SEEK_END) != 0 || fputc('\n', f) == EOF || fflush(f) != 0) goto fail;
        wx_log(WX_LOG_WARN, path, "added the newline the last record lacked");
    } else if (pos != end) {
        if (ftruncate(fileno(f), pos) != 0) goto fail;
        wx_log(WX_LOG_WARN, path, "removed an incomplete last line (%lld bytes) left by an interrupted run",
               (long long)(end - pos));
    }
    if (fseeko(f, 0, SEEK_END) != 0) goto fail;
    return 0;
fail:
    wx_set_err(err, wx_strf("%s: %s", path, strerror(errno ? errno : EIO)));
    return -1;
}

/* A write to an appended file failed (the disk is full, a size limit):
 * the part of the record that reached the file is cut off and what stdio
 * still holds is dropped, so the file ends with its last complete line
 * now, not only after the next run repairs it. */
static void cut_failed_write(wx_jsonl_sink *s)
{
    int e = errno;
    __fpurge(s->f);
    if (ftruncate(fileno(s->f), (off_t)s->complete) == 0) fseeko(s->f, 0, SEEK_END);
    clearerr(s->f);
    errno = e;
}

int wx_sink_open(wx_jsonl_sink *s, const char *path, int append, int incremental, const char *key_field, char **err)
{
    memset(s, 0, sizeof *s);
    if (!path || strcmp(path, "-") == 0) {
        s->f = stdout;
        if (incremental) s->known = calloc(1, sizeof *s->known);
        return incremental && !s->known ? -1 : 0;
    }
    s->append = append;
    /* Only a regular file (or a new one) is replaced by rename: renaming
     * over /dev/null or a FIFO would replace the device, over a symlink the
     * link.  Those are written in place. */
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    int special = exists && !S_ISREG(sb.st_mode);
    s->path = exists && !special ? realpath(path, NULL) : strdup(path);
    if (!s->path) goto oom;
    if (special && incremental) {
        wx_set_err(err, wx_strf("%s: --incremental keeps its state next to -o FILE, which must be a regular file", path));
        return -1;
    }
    if (incremental) {
        s->known = calloc(1, sizeof *s->known);
        s->state = wx_strf("%s.state", path);
        if (!s->known || !s->state) goto oom;
        if (known_load(s->known, s->state, key_field, err) != 0) return -1;
    }
    if (special) {
        s->f = fopen(path, append ? "a" : "w");
        if (!s->f) { wx_set_err(err, wx_strf("%s: %s", path, strerror(errno))); return -1; }
    } else if (append) {
        s->f = fopen(path, "a+");
        if (!s->f) { wx_set_err(err, wx_strf("%s: %s", path, strerror(errno))); return -1; }
        if (cut_torn_line(s->f, path, err) != 0) return -1;
        s->complete = (long long)ftello(s->f);
        /* The records already in the file count as written, even those a
         * killed run wrote after its last state file. */
        if (incremental && known_load(s->known, path, key_field, err) != 0) return -1;
    } else {
        s->f = create_tmp_beside(s->path, &s->tmp, err);
        if (!s->f) { free(s->tmp); s->tmp = NULL; return -1; }
        s->replace = 1;
    }
    return 0;
oom:
    wx_set_err(err, wx_strf("out of memory"));
    return -1;
}

int wx_sink_write(wx_jsonl_sink *s, const char *line, size_t len, const char *key, const char *sha256, char **err)
{
    const char *name = s->tmp ? s->tmp : s->path ? s->path : "stdout";
    if (wx_jsonl_put_line(s->f, line, len) != 0 || (s->append && fflush(s->f) != 0)) {
        if (s->append && s->path) cut_failed_write(s);
        wx_set_err(err, wx_strf("%s: %s", name, strerror(errno ? errno : EIO)));
        return -1;
    }
    if (s->append && s->path) s->complete = (long long)ftello(s->f);
    if (s->known && known_add(s->known, key, sha256) != 0) {
        wx_set_err(err, wx_strf("out of memory"));
        return -1;
    }
    return 0;
}

int wx_sink_seen(const wx_jsonl_sink *s, const char *key, const char *sha256)
{
    if (!s->known) return WX_SEEN_NEW;
    if (find(&s->known->shas, sha256)) return WX_SEEN_UNCHANGED;
    return key && find(&s->known->by_key, key) ? WX_SEEN_CHANGED : WX_SEEN_NEW;
}

/* The state: one {"key", "sha256"} line per input, sorted by nothing in
 * particular; replaced atomically. */
static int write_state(wx_jsonl_sink *s, char **err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) { wx_set_err(err, wx_strf("out of memory")); return -1; }
    table *t = &s->known->by_key;
    for (size_t i = 0; i < t->nb; i++)
        for (entry *e = t->b[i]; e; e = e->next) {
            json_t *j = state_line(e->str, e->val ? e->val : "");
            if (j) wx_jsonl_write(m, j);
            json_decref(j);
        }
    fclose(m);
    int rc = wx_write_atomic(s->state, buf, len, err);
    free(buf);
    return rc;
}

int wx_sink_finish(wx_jsonl_sink *s, char **err)
{
    if (!s->f) return 0;
    int rc = 0;
    if (!s->path) {
        if (fflush(s->f) != 0 || ferror(s->f)) {
            wx_set_err(err, wx_strf("stdout: %s", strerror(errno ? errno : EIO)));
            rc = -1;
        }
    } else if (s->replace) {
        rc = finish_tmp(s->f, s->tmp, s->path, err);
    } else {
        /* fsync fails with EINVAL on devices and pipes: nothing to sync */
        int bad = fflush(s->f) != 0 || ferror(s->f) || (fsync(fileno(s->f)) != 0 && errno != EINVAL);
        int e = errno;
        if (fclose(s->f) != 0 && !bad) { bad = 1; e = errno; }
        if (bad) { wx_set_err(err, wx_strf("%s: %s", s->path, strerror(e ? e : EIO))); rc = -1; }
    }
    s->f = NULL;
    if (rc == 0 && s->state) rc = write_state(s, err);
    return rc;
}

void wx_sink_free(wx_jsonl_sink *s)
{
    if (s->f && s->f != stdout) {
        fclose(s->f);
        if (s->tmp) unlink(s->tmp);
    }
    if (s->known) {
        table_free(&s->known->by_key);
        table_free(&s->known->shas);
        free(s->known);
    }
    free(s->path);
    free(s->tmp);
    free(s->state);
    memset(s, 0, sizeof *s);
}

/* ---------- the run lock ---------- */

/* The lock file is truncated to hold our pid, so it is never opened
 * through a symlink: that would truncate whatever file the link names. */
int wx_lock_take(const char *path, long *holder, char **err)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno == ELOOP) {
        wx_set_err(err, wx_strf("%s: is a symbolic link (the lock file is not opened through one)", path));
        return -1;
    }
    if (fd < 0) { wx_set_err(err, wx_strf("%s: %s", path, strerror(errno))); return -1; }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            char buf[32] = {0};
            ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
            *holder = n > 0 ? strtol(buf, NULL, 10) : 0;
            close(fd);
            return -2;
        }
        close(fd);
        wx_set_err(err, wx_strf("%s: %s", path, strerror(e)));
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        wx_set_err(err, wx_strf("%s: %s", path, strerror(errno)));
        close(fd);
        return -1;
    }
    return fd;
}
