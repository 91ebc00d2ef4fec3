/*
 * warc: documents from WARC and ARC files (see warc.h).
 *
 * Three layers.  The stream gives the file's bytes as written, inflating a
 * .warc.gz member by member and remembering where each member started, so
 * a record can be named by the offset a reader seeks to.  The record layer
 * reads one header block and one Content-Length block at a time, and on a
 * damaged record resumes at the next one (the next gzip member, or the next
 * line starting "WARC/1.").  The payload layer turns a record into a page:
 * the HTTP response's body, dechunked and decoded, when it is HTML.
 *
 * Memory: a 256 KiB window of plain bytes, a 64 KiB window of compressed
 * bytes, one record's block (at most WX_MAX_DOC_BYTES plus its headers)
 * and 16 bytes per indexed HTML record, for revisits.
 */
#include "warc.h"
#include "util.h"
#include "strmap.h"
#include "sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brotli/decode.h>
#include <zip.h>
#include <zlib.h>

#define RAW_CAP ((size_t)64 * 1024)      /* compressed bytes read at a time */
#define BUF_CAP ((size_t)256 * 1024)     /* plain window; the longest header block */
#define HTTP_HEAD_MAX ((size_t)64 * 1024) /* room for HTTP headers above the page limit */
#define SNIFF_RAW 1024

/* ---------- the stream: plain bytes of a plain or per-record gzip file ---------- */

typedef struct source {
    int fd;                         /* -1 for memory or a zip entry */
    const unsigned char *mem;
    uint64_t len;                   /* of mem, or of the zip entry */
    zip_file_t *zf;                 /* a WARC stored in a WACZ, or NULL */
} source;

/* A zip entry's bytes at off: WACZ stores its WARCs uncompressed (they are
 * gzip already), and libzip seeks in stored entries. */
static ssize_t zip_read_at(const source *src, uint64_t off, void *buf, size_t n)
{
    if (off >= src->len) return 0;
    if (n > src->len - off) n = (size_t)(src->len - off);
    if (zip_fseek(src->zf, (zip_int64_t)off, SEEK_SET) != 0) { errno = ESPIPE; return -1; }
    zip_int64_t r = zip_fread(src->zf, buf, n);
    if (r < 0) errno = EIO;
    return (ssize_t)r;
}

/* Bytes at offset off, by pread so two streams can share one descriptor. */
static ssize_t source_read(const source *src, uint64_t off, void *buf, size_t n)
{
    if (src->zf) return zip_read_at(src, off, buf, n);
    if (!src->mem && src->fd < 0) return 0;
    if (!src->mem) {
        ssize_t r;
        do r = pread(src->fd, buf, n, (off_t)off);
        while (r < 0 && errno == EINTR);
        return r;
    }
    if (off >= src->len) return 0;
    size_t k = src->len - off < n ? (size_t)(src->len - off) : n;
    memcpy(buf, src->mem + off, k);
    return (ssize_t)k;
}

/* A gzip member began: its first plain byte and its offset in the file. */
typedef struct mark {
    uint64_t plain, comp;
} mark;

enum { ST_OK = 0, ST_EOF, ST_ERROR };

typedef struct stream {
    const source *src;
    int gz;
    unsigned char *raw;             /* RAW_CAP compressed bytes; zs.next_in points in */
    uint64_t raw_next;              /* file offset of the next byte to read into raw */
    z_stream zs;
    int zs_ready, member_open;
    uint64_t member_comp;           /* file offset of the member being inflated */
    unsigned char *buf;             /* BUF_CAP plain bytes; buf[pos..end) unread */
    size_t pos, end;
    uint64_t base;                  /* plain offset of buf[0] */
    mark *marks;                    /* members starting at or after the oldest unread byte */
    size_t nmarks, capmarks;
    int state;
    char err[96];                   /* what went wrong, when state is ST_ERROR */
} stream;

static int stream_init(stream *s, const source *src, int gz)
{
    memset(s, 0, sizeof *s);
    s->src = src;
    s->gz = gz;
    s->buf = malloc(BUF_CAP);
    s->raw = gz ? malloc(RAW_CAP) : NULL;
    if (!s->buf || (gz && !s->raw)) return -1;
    if (gz && inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) return -1;
    s->zs_ready = gz;
    return 0;
}

static void stream_free(stream *s)
{
    if (s->zs_ready) inflateEnd(&s->zs);
    free(s->buf);
    free(s->raw);
    free(s->marks);
    memset(s, 0, sizeof *s);
}

/* Start reading at file offset off (a record, or a gzip member). */
static void stream_seek(stream *s, uint64_t off)
{
    s->raw_next = off;
    s->zs.avail_in = 0;
    s->member_open = 0;
    s->pos = s->end = 0;
    s->base = s->gz ? 0 : off;
    s->nmarks = 0;
    s->state = ST_OK;
}

static void stream_fail(stream *s, const char *msg)
{
    s->state = ST_ERROR;
    snprintf(s->err, sizeof s->err, "%s", msg);
}

/* Where the unread byte at plain offset p came from: the member holding it
 * and how far into that member's output it is. */
static void stream_where(const stream *s, uint64_t p, uint64_t *comp, uint64_t *delta)
{
    if (!s->gz) { *comp = p; *delta = 0; return; }
    *comp = s->member_comp;
    *delta = 0;
    for (size_t i = s->nmarks; i-- > 0;)
        if (s->marks[i].plain <= p) { *comp = s->marks[i].comp; *delta = p - s->marks[i].plain; return; }
}

/* A new member starts producing at the end of the window.  Empty members
 * share one mark, so the list never outgrows the window. */
static int mark_member(stream *s)
{
    uint64_t plain = s->base + s->end;
    if (s->nmarks && s->marks[s->nmarks - 1].plain == plain) {
        s->marks[s->nmarks - 1].comp = s->member_comp;
        return 0;
    }
    if (s->nmarks == s->capmarks) {
        size_t ncap = s->capmarks ? s->capmarks * 2 : 16;
        mark *g = realloc(s->marks, ncap * sizeof *g);
        if (!g) return -1;
        s->marks = g;
        s->capmarks = ncap;
    }
    s->marks[s->nmarks++] = (mark){plain, s->member_comp};
    return 0;
}

/* Move the unread bytes to the front of the window and forget the marks
 * of members wholly read (keeping the one the first unread byte is in). */
static void stream_compact(stream *s)
{
    uint64_t first = s->base + s->pos;
    size_t keep = 0;
    while (keep + 1 < s->nmarks && s->marks[keep + 1].plain <= first) keep++;
    if (keep) {
        memmove(s->marks, s->marks + keep, (s->nmarks - keep) * sizeof *s->marks);
        s->nmarks -= keep;
    }
    if (s->pos) {
        memmove(s->buf, s->buf + s->pos, s->end - s->pos);
        s->end -= s->pos;
        s->base += s->pos;
        s->pos = 0;
    }
}

/* More compressed bytes after the ones inflate has not taken yet.
 * Returns the number read, 0 at the end of the file, -1 on a read error. */
static ssize_t raw_more(stream *s)
{
    size_t left = s->zs.avail_in;
    if (left && s->zs.next_in != s->raw) memmove(s->raw, s->zs.next_in, left);
    ssize_t r = source_read(s->src, s->raw_next, s->raw + left, RAW_CAP - left);
    if (r < 0) return -1;
    s->raw_next += (uint64_t)r;
    s->zs.next_in = s->raw;
    s->zs.avail_in = (uInt)(left + (size_t)r);
    return r;
}

/* Start the member at the next compressed byte, if there is one. */
static int begin_member(stream *s)
{
    while (s->zs.avail_in < 2) {
        ssize_t r = raw_more(s);
        if (r < 0) { stream_fail(s, strerror(errno)); return -1; }
        if (r == 0) break;
    }
    if (s->zs.avail_in == 0) { s->state = ST_EOF; return -1; }
    s->member_comp = s->raw_next - s->zs.avail_in;
    if (s->zs.avail_in < 2 || s->zs.next_in[0] != 0x1f || s->zs.next_in[1] != 0x8b) {
        stream_fail(s, "bytes that are not a gzip member");
        return -1;
    }
    if (inflateReset(&s->zs) != Z_OK || mark_member(s) != 0) { stream_fail(s, "out of memory"); return -1; }
    s->member_open = 1;
    return 0;
}

/* Inflate into the window until some bytes came out, a member ended
 * with nothing in it, or the data ran out or broke. */
static ssize_t inflate_some(stream *s)
{
    for (;;) {
        if (!s->member_open && begin_member(s) != 0) return s->state == ST_EOF ? 0 : -1;
        if (s->zs.avail_in == 0) {
            ssize_t r = raw_more(s);
            if (r < 0) { stream_fail(s, strerror(errno)); return -1; }
            if (r == 0) { stream_fail(s, "gzip member cut short"); return -1; }
        }
        size_t room = BUF_CAP - s->end;
        s->zs.next_out = s->buf + s->end;
        s->zs.avail_out = (uInt)room;
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        size_t got = room - s->zs.avail_out;
        s->end += got;
        if (rc == Z_STREAM_END) s->member_open = 0;
        else if (rc == Z_MEM_ERROR) { stream_fail(s, "out of memory"); return -1; }
        else if (rc != Z_OK && rc != Z_BUF_ERROR) { stream_fail(s, "corrupt gzip member"); return -1; }
        if (got) return (ssize_t)got;
    }
}

/* More plain bytes into the window.  Returns the number added, 0 at the
 * end of the file, -1 when the file is damaged (s->err says how). */
static ssize_t stream_fill(stream *s)
{
    if (s->state != ST_OK) return s->state == ST_EOF ? 0 : -1;
    stream_compact(s);
    if (s->end == BUF_CAP) return 0;
    if (s->gz) return inflate_some(s);
    ssize_t r = source_read(s->src, s->base + s->end, s->buf + s->end, BUF_CAP - s->end);
    if (r < 0) { stream_fail(s, strerror(errno)); return -1; }
    if (r == 0) s->state = ST_EOF;
    s->end += (size_t)r;
    return r;
}

/* At least n unread bytes (n <= BUF_CAP), unless the file ends first:
 * returns how many there are. */
static size_t stream_avail(stream *s, size_t n)
{
    while (s->end - s->pos < n && stream_fill(s) > 0) {}
    return s->end - s->pos;
}

/* ---------- record headers ---------- */

/* The value of the first field called name in a header block (HTTP or
 * WARC: "Name: value" lines), trimmed; malloc'd, NULL when absent. */
static char *field_get(const char *head, size_t len, const char *name)
{
    size_t nlen = strlen(name), pos = 0;
    while (pos < len) {
        const char *l = head + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - l) : len - pos;
        pos += nl ? n + 1 : n;
        if (n <= nlen || l[nlen] != ':' || strncasecmp(l, name, nlen) != 0) continue;
        size_t a = nlen + 1;
        while (a < n && (l[a] == ' ' || l[a] == '\t')) a++;
        while (n > a && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t')) n--;
        char *v = malloc(n - a + 1);
        if (!v) return NULL;
        memcpy(v, l + a, n - a);
        v[n - a] = '\0';
        return v;
    }
    return NULL;
}

/* A decimal length with nothing after it; -1 when it is not one. */
static int64_t parse_length(const char *s)
{
    if (!s || !*s) return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > INT64_MAX / 10 - 10) return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* Whether a Content-Type value is HTML. */
static int is_html_type(const char *ct)
{
    static const char *const types[] = {"text/html", "application/xhtml+xml", NULL};
    if (!ct) return 0;
    while (*ct == ' ') ct++;
    for (int i = 0; types[i]; i++) {
        size_t n = strlen(types[i]);
        if (strncasecmp(ct, types[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ')) return 1;
    }
    return 0;
}

/* ---------- records ---------- */

typedef struct record {
    uint64_t comp, delta;           /* where it starts (stream_where) */
    int arc;
    char *type, *uri, *date, *ctype, *refers_uri, *refers_date, *digest;
    unsigned char *block;           /* the block, or its first HTTP_HEAD_MAX bytes when cut */
    size_t block_len;
    int cut;                        /* the block is over the page limit and was not kept */
    int ends_file;                  /* the file ended inside the block */
} record;

static void record_free(record *r)
{
    free(r->type);
    free(r->uri);
    free(r->date);
    free(r->ctype);
    free(r->refers_uri);
    free(r->refers_date);
    free(r->digest);
    free(r->block);
    memset(r, 0, sizeof *r);
}

/* Read the header block at the window's start (through its blank line)
 * into a malloc'd copy.  Returns its length, 0 when the file ended inside
 * it, -1 on a stream error or a block over BUF_CAP (msg says which). */
static long read_head(stream *s, char **out, const char **msg)
{
    size_t from = 0;                                 /* relative to pos: compaction keeps it */
    for (;;) {
        const unsigned char *p = s->buf + s->pos;
        size_t n = s->end - s->pos, end = 0;
        for (size_t i = from; i + 1 < n && !end; i++) {
            if (p[i] != '\n') continue;
            if (p[i + 1] == '\n') end = i + 2;
            else if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n') end = i + 3;
        }
        if (end) {
            char *h = malloc(end + 1);
            if (!h) { *msg = "out of memory"; return -1; }
            memcpy(h, p, end);
            h[end] = '\0';
            s->pos += end;
            *out = h;
            return (long)end;
        }
        from = n >= 2 ? n - 2 : 0;                   /* the blank line may straddle the refill */
        if (n >= BUF_CAP) { *msg = "record header over 256 KiB"; return -1; }
        ssize_t r = stream_fill(s);
        if (r < 0) { *msg = s->err; return -1; }
        if (r == 0) return 0;
    }
}

/* The record's block: the first keep bytes into a malloc'd buffer (with a
 * NUL), the rest of len passed over.  Returns the bytes there were, less
 * than len when the file ends or breaks first. */
static uint64_t read_block(stream *s, uint64_t len, size_t keep, unsigned char **out)
{
    unsigned char *b = malloc(keep + 1);
    uint64_t got = 0;
    *out = b;
    if (!b) return 0;
    while (got < len) {
        if (s->pos == s->end && stream_fill(s) <= 0) break;
        size_t n = s->end - s->pos;
        if (n > len - got) n = (size_t)(len - got);
        if (got < keep) memcpy(b + got, s->buf + s->pos, got + n <= keep ? n : keep - (size_t)got);
        got += n;
        s->pos += n;
    }
    b[got < keep ? got : keep] = '\0';
    return got;
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    return n > 0;
}

/* An ARC header line: version 1, URL IP-ADDRESS DATE CONTENT-TYPE LENGTH,
 * read from the right because URLs may hold spaces; or version 2, with
 * RESULT-CODE CHECKSUM LOCATION OFFSET FILENAME before the LENGTH.  Fills
 * the record's uri, date (14 digits) and ctype; returns the length, or -1
 * when the line is not one. */
static int64_t arc_line(const char *line, record *r)
{
    const char *f[32];
    size_t fl[32], nf = 0;
    for (const char *p = line; *p && nf < 32;) {
        while (*p == ' ') p++;
        if (!*p || *p == '\r' || *p == '\n') break;
        f[nf] = p;
        while (*p && *p != ' ' && *p != '\r' && *p != '\n') p++;
        fl[nf] = (size_t)(p - f[nf]);
        nf++;
    }
    if (nf < 5 || nf == 32 || fl[nf - 1] > 18 || !all_digits(f[nf - 1], fl[nf - 1])) return -1;
    int v2 = nf == 10 && fl[4] == 3 && all_digits(f[4], 3) && all_digits(f[7], fl[7]);
    size_t date = v2 ? 2 : nf - 3, ct = date + 1, url_end = v2 ? 1 : nf - 4;
    r->uri = strndup(f[0], (size_t)(f[url_end - 1] + fl[url_end - 1] - f[0]));
    r->date = strndup(f[date], fl[date]);
    r->ctype = strndup(f[ct], fl[ct]);
    if (!r->uri || !r->date || !r->ctype) return -1;
    return parse_length(strndupa(f[nf - 1], fl[nf - 1]));
}

/* Whether the unread bytes start a record (checked after a resync, where
 * a gzip magic number may have been found inside other data): "WARC/1.",
 * or a line that parses as an ARC header. */
static int at_record_start(stream *s, int arc)
{
    if (!arc) return stream_avail(s, 7) >= 7 && memcmp(s->buf + s->pos, "WARC/1.", 7) == 0;
    size_t n = stream_avail(s, 4096);
    const unsigned char *nl = memchr(s->buf + s->pos, '\n', n);
    if (!nl) return 0;
    char *line = strndup((const char *)s->buf + s->pos, (size_t)(nl - (s->buf + s->pos)));
    record r;
    memset(&r, 0, sizeof r);
    int yes = line && arc_line(line, &r) >= 0;
    free(line);
    free(r.uri);
    free(r.date);
    free(r.ctype);
    return yes;
}

/* ---------- the reader ---------- */

/* Where an HTML record was, for revisits: keyed by the hash of its
 * URI and date, and of its payload digest. */
typedef struct index_slot {
    uint64_t key, off, delta;
} index_slot;

struct wx_warc {
    source src;
    char *name;
    int arc;                        /* ARC, not WARC */
    stream s;
    stream back;                    /* a second stream for reading a revisit's original */
    int back_ready;
    int resyncing;                  /* after damage: check that a record really starts */
    int done;
    index_slot *index;
    size_t nindex, capindex;
    wx_warc_note_fn note;
    void *ctx;
    zip_t *zip;                     /* a WACZ: its archive/ WARCs one after the other */
    char *file;                     /* the .wacz path (name is FILE#ENTRY) */
    zip_uint64_t next_entry;
    uint64_t rewound;               /* bytes read again after damaged records (recover) */
};

/* The key of a URI and date, or of a digest ("sha1:…"); never 0. */
static uint64_t key_of(const char *a, const char *b)
{
    uint64_t h = wx_hash_more(wx_hash_more(WX_HASH_START, a), "\n");
    h = wx_hash_more(h, b);
    return h ? h : 1;
}

static int index_put(wx_warc *w, uint64_t key, uint64_t off, uint64_t delta)
{
    if (2 * (w->nindex + 1) > w->capindex) {
        size_t ncap = w->capindex ? w->capindex * 2 : 256;
        index_slot *t = calloc(ncap, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < w->capindex; i++) {
            if (!w->index[i].key) continue;
            size_t j = w->index[i].key & (ncap - 1);
            while (t[j].key) j = (j + 1) & (ncap - 1);
            t[j] = w->index[i];
        }
        free(w->index);
        w->index = t;
        w->capindex = ncap;
    }
    size_t j = key & (w->capindex - 1);
    while (w->index[j].key && w->index[j].key != key) j = (j + 1) & (w->capindex - 1);
    if (!w->index[j].key) w->nindex++;
    w->index[j] = (index_slot){key, off, delta};
    return 0;
}

static int index_get(const wx_warc *w, uint64_t key, uint64_t *off, uint64_t *delta)
{
    if (!w->capindex) return 0;
    size_t j = key & (w->capindex - 1);
    while (w->index[j].key) {
        if (w->index[j].key == key) {
            *off = w->index[j].off;
            *delta = w->index[j].delta;
            return 1;
        }
        j = (j + 1) & (w->capindex - 1);
    }
    return 0;
}

/* FILE#OFFSET (FILE#M+N inside a member holding several records). */
static char *record_path(const wx_warc *w, uint64_t comp, uint64_t delta)
{
    char *p = NULL;
    int n = delta ? asprintf(&p, "%s#%llu+%llu", w->name, (unsigned long long)comp, (unsigned long long)delta)
                  : asprintf(&p, "%s#%llu", w->name, (unsigned long long)comp);
    return n < 0 ? NULL : p;
}

static char *clean_uri(const char *u);
static char *arc_date(const char *d);

/* A document standing for a record that could not be read; it keeps the
 * record's URI and date when its header was read. */
static wx_doc *error_doc(const wx_warc *w, const record *r, wx_doc_status status, const char *msg)
{
    char *path = record_path(w, r->comp, r->delta);
    wx_doc *doc = path ? wx_doc_from_memory(path, "", 0) : NULL;
    free(path);
    if (!doc) return NULL;
    doc->status = status;
    doc->container = WX_CONTAINER_WARC;
    doc->sha256[0] = '\0';                          /* no page bytes, as for other unreadable inputs */
    doc->error = strdup(msg);
    doc->url = clean_uri(r->uri);
    doc->fetched_at = r->arc ? arc_date(r->date) : r->date ? strdup(r->date) : NULL;
    return doc;
}

/* After a damaged record: go on at the next record after file offset
 * from, which is the next gzip member (found by its magic number) or, in a
 * plain file, the next line that starts a record. */
static void resync(wx_warc *w, stream *s, uint64_t from)
{
    unsigned char chunk[4096];
    w->resyncing = 1;
    if (!s->gz) {
        stream_seek(s, from);
        for (;;) {
            if (stream_avail(s, 1) == 0) return;
            const unsigned char *nl = memchr(s->buf + s->pos, '\n', s->end - s->pos);
            s->pos = nl ? (size_t)(nl - s->buf) + 1 : s->end;
            if (nl && at_record_start(s, w->arc)) return;
        }
    }
    for (uint64_t off = from;;) {
        ssize_t n = source_read(s->src, off, chunk, sizeof chunk);
        if (n < 3) { stream_seek(s, off); s->state = ST_EOF; return; }
        for (ssize_t i = 0; i + 2 < n; i++)
            if (chunk[i] == 0x1f && chunk[i + 1] == 0x8b && chunk[i + 2] == 8) {
                stream_seek(s, off + (uint64_t)i);
                return;
            }
        off += (uint64_t)n - 2;
    }
}

/* An ARC record's header line; returns the block's length, or -1 with *msg. */
static int64_t read_arc_head(stream *s, record *r, const char **msg)
{
    size_t n = stream_avail(s, 4096);
    const unsigned char *nl = memchr(s->buf + s->pos, '\n', n < 4096 ? n : 4096);
    if (!nl) { *msg = "ARC header line cut short or over 4 KiB"; return -1; }
    size_t hlen = (size_t)(nl - (s->buf + s->pos)) + 1;
    char *head = strndup((const char *)s->buf + s->pos, hlen);
    s->pos += hlen;
    int64_t len = head ? arc_line(head, r) : -1;
    free(head);
    if (len < 0) *msg = "not an ARC header line";
    return len;
}

/* A WARC record's header block, the fields used kept in r; returns the
 * block's length (Content-Length), or -1 with *msg. */
static int64_t read_warc_head(stream *s, record *r, const char **msg)
{
    char *head = NULL;
    long hlen = read_head(s, &head, msg);
    if (hlen == 0) *msg = "record header cut short";
    if (hlen <= 0) return -1;
    size_t n = (size_t)hlen;
    char *cl = field_get(head, n, "Content-Length");
    int64_t len = parse_length(cl);
    free(cl);
    if (strncmp(head, "WARC/", 5) != 0) { len = -1; *msg = "not a WARC record header"; }
    else if (len < 0) *msg = "record without a valid Content-Length";
    else {
        r->type = field_get(head, n, "WARC-Type");
        r->uri = field_get(head, n, "WARC-Target-URI");
        r->date = field_get(head, n, "WARC-Date");
        r->ctype = field_get(head, n, "Content-Type");
        r->refers_uri = field_get(head, n, "WARC-Refers-To-Target-URI");
        r->refers_date = field_get(head, n, "WARC-Refers-To-Date");
        r->digest = field_get(head, n, "WARC-Payload-Digest");
    }
    free(head);
    return len;
}

/* Past the line breaks between records; then r says where the next one
 * starts.  Returns 1 when one does, 0 at the end, -1 (with *msg) when the
 * next gzip member does not inflate. */
static int find_record_start(stream *s, record *r, const char **msg)
{
    while (stream_avail(s, 1) && (s->buf[s->pos] == '\r' || s->buf[s->pos] == '\n' || s->buf[s->pos] == ' ' ||
                                  s->buf[s->pos] == '\t'))
        s->pos++;
    stream_where(s, s->base + s->pos, &r->comp, &r->delta);
    if (s->state == ST_ERROR && s->pos == s->end) {
        r->comp = s->member_comp;
        r->delta = 0;
        *msg = s->err;
        return -1;
    }
    return s->pos < s->end;
}

/* Read the next record of s into r.  Returns 1, 0 at the end of the
 * file, or -1 with *msg when the record is damaged (r->comp/delta say
 * where; the caller resyncs). */
static int read_record(wx_warc *w, stream *s, record *r, const char **msg)
{
    memset(r, 0, sizeof *r);
    r->arc = w->arc;
    int at = find_record_start(s, r, msg);
    if (at <= 0) return at;
    if (w->resyncing && !at_record_start(s, w->arc)) { *msg = "no record starts here"; return -1; }
    w->resyncing = 0;                                /* from here on a failure is this record's */
    int64_t len = w->arc ? read_arc_head(s, r, msg) : read_warc_head(s, r, msg);
    if (len < 0) return -1;
    size_t limit = WX_MAX_DOC_BYTES + HTTP_HEAD_MAX;
    size_t keep = (uint64_t)len <= limit ? (size_t)len : HTTP_HEAD_MAX;
    r->cut = (uint64_t)len > limit;
    uint64_t got = read_block(s, (uint64_t)len, keep, &r->block);
    if (!r->block) { *msg = "out of memory"; return -1; }
    r->block_len = got < keep ? (size_t)got : keep;
    if (got < (uint64_t)len) {
        r->ends_file = s->state == ST_EOF;
        *msg = s->state == ST_ERROR ? s->err : "record cut short (fewer bytes than its Content-Length)";
        return -1;
    }
    return 1;
}

/* After the block: the CRLF CRLF (ARC: LF) that ends a record.  A record
 * followed at once by another record or the end is let through; anything
 * else means the Content-Length was wrong. */
static int check_record_end(wx_warc *w, stream *s)
{
    size_t n = 0;
    while (n < 4 && stream_avail(s, 1) && (s->buf[s->pos] == '\r' || s->buf[s->pos] == '\n')) s->pos++, n++;
    if (stream_avail(s, 1) == 0) return 1;          /* the end, or damage the next read reports */
    return n > 0 || at_record_start(s, w->arc);
}

/* ---------- payloads ---------- */

/* Undo Transfer-Encoding: chunked in place.  Lenient as browsers are: a
 * body that does not start with a chunk size is taken as it is, and one
 * whose chunks go wrong keeps what decoded plus the rest as it is. */
static size_t dechunk(unsigned char *p, size_t len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        size_t i = in, size = 0, digits = 0;
        int in_ext = 0;
        for (int v; i < len && digits < 16 && (v = wx_hexval(p[i])) >= 0; i++, digits++) size = size * 16 + (size_t)v;
        while (i < len && p[i] != '\n') {              /* chunk extensions and padding */
            if (p[i] == ';') in_ext = 1;
            else if (!in_ext && p[i] != '\r' && p[i] != ' ' && p[i] != '\t') break;
            i++;
        }
        if (!digits || i >= len || p[i] != '\n') break;   /* not a chunk-size line */
        i++;
        if (size == 0) return out;
        if (size > len - i) size = len - i;
        memmove(p + out, p + i, size);
        out += size;
        in = i + size;
        if (in < len && p[in] == '\r') in++;
        if (in < len && p[in] == '\n') in++;
    }
    if (out == 0 && in == 0) return len;
    memmove(p + out, p + in, len - in);
    return out + len - in;
}

/* Inflate gzip (wbits 16+15), zlib (15) or raw deflate (-15) data,
 * stopping at the page limit.  A stream that is merely cut short keeps what
 * came out (as a browser shows it).  NULL when the data is not that. */
static unsigned char *inflate_body(const unsigned char *in, size_t len, int wbits, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, wbits) != Z_OK) return NULL;
    size_t cap = len * 4 + 4096, olen = 0;
    if (cap > WX_MAX_DOC_BYTES + 1) cap = WX_MAX_DOC_BYTES + 1;
    unsigned char *out = malloc(cap + 1);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    int rc = Z_OK;
    while (out && rc == Z_OK) {
        if (olen == cap) {
            if (cap > WX_MAX_DOC_BYTES) break;
            size_t ncap = cap * 2 > WX_MAX_DOC_BYTES + 1 ? WX_MAX_DOC_BYTES + 1 : cap * 2;
            unsigned char *g = realloc(out, ncap + 1);
            if (!g) { free(out); out = NULL; break; }
            out = g;
            cap = ncap;
        }
        zs.next_out = out + olen;
        zs.avail_out = (uInt)(cap - olen);
        rc = inflate(&zs, Z_NO_FLUSH);
        olen = cap - zs.avail_out;
    }
    inflateEnd(&zs);
    int ok = rc == Z_STREAM_END || (rc == Z_BUF_ERROR && olen > 0) || olen > WX_MAX_DOC_BYTES;
    if (!out || !ok) { free(out); return NULL; }
    *outlen = olen;
    return out;
}

/* Brotli (Content-Encoding: br), stopping at the page limit. */
static unsigned char *unbrotli(const unsigned char *in, size_t len, size_t *outlen)
{
    BrotliDecoderState *st = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    size_t cap = len * 4 + 4096, olen = 0;
    if (cap > WX_MAX_DOC_BYTES + 1) cap = WX_MAX_DOC_BYTES + 1;
    unsigned char *out = st ? malloc(cap + 1) : NULL;
    const uint8_t *next_in = in;
    size_t avail_in = len;
    BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
    while (out && rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && olen <= WX_MAX_DOC_BYTES) {
        if (olen == cap) {
            size_t ncap = cap * 2 > WX_MAX_DOC_BYTES + 1 ? WX_MAX_DOC_BYTES + 1 : cap * 2;
            unsigned char *g = realloc(out, ncap + 1);
            if (!g) { free(out); out = NULL; break; }
            out = g;
            cap = ncap;
        }
        size_t avail_out = cap - olen;
        uint8_t *next_out = out + olen;
        rc = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
        olen = cap - avail_out;
    }
    if (st) BrotliDecoderDestroyInstance(st);
    if (out && (rc == BROTLI_DECODER_RESULT_SUCCESS || olen > 0) && rc != BROTLI_DECODER_RESULT_ERROR) {
        *outlen = olen;
        return out;
    }
    free(out);
    return NULL;
}

/* One Content-Encoding undone into a malloc'd buffer; NULL with *why
 * when it cannot be. */
static unsigned char *decode_one(const char *enc, size_t elen, const unsigned char *in, size_t len, size_t *outlen,
                                 const char **why)
{
    unsigned char *out = NULL;
    if ((elen == 4 && strncasecmp(enc, "gzip", 4) == 0) || (elen == 6 && strncasecmp(enc, "x-gzip", 6) == 0))
        out = inflate_body(in, len, 16 + MAX_WBITS, outlen);
    else if (elen == 7 && strncasecmp(enc, "deflate", 7) == 0) {
        out = inflate_body(in, len, MAX_WBITS, outlen);
        if (!out) out = inflate_body(in, len, -MAX_WBITS, outlen);
    } else if (elen == 2 && strncasecmp(enc, "br", 2) == 0)
        out = unbrotli(in, len, outlen);
    else {
        *why = "unknown Content-Encoding";
        return NULL;
    }
    if (!out) *why = "the body does not decode as its Content-Encoding says";
    else if (*outlen > WX_MAX_DOC_BYTES) { free(out); out = NULL; *why = "the body decodes to over the page limit"; }
    return out;
}

/* The body with every Content-Encoding undone, last applied first; a
 * malloc'd buffer, or NULL with *why. */
static unsigned char *decode_body(const char *ce, const unsigned char *body, size_t len, size_t *outlen,
                                  const char **why)
{
    unsigned char *cur = malloc(len + 1);
    if (!cur) { *why = "out of memory"; return NULL; }
    memcpy(cur, body, len);
    *outlen = len;
    size_t n = ce ? strlen(ce) : 0;
    for (int layers = 0; n > 0; layers++) {
        while (n > 0 && (ce[n - 1] == ' ' || ce[n - 1] == ',' || ce[n - 1] == '\t')) n--;
        size_t a = n;
        while (a > 0 && ce[a - 1] != ',' && ce[a - 1] != ' ') a--;
        if (n == a) break;
        if (!(n - a == 8 && strncasecmp(ce + a, "identity", 8) == 0)) {
            if (layers >= 3) { free(cur); *why = "more than 3 Content-Encodings"; return NULL; }
            size_t olen = 0;
            unsigned char *next = decode_one(ce + a, n - a, cur, *outlen, &olen, why);
            free(cur);
            if (!next) return NULL;
            cur = next;
            *outlen = olen;
        }
        n = a;
    }
    return cur;
}

/* What a record holds for parse/: a page, or a reason it is none. */
typedef enum { PAY_PAGE, PAY_NONE, PAY_ERROR } pay_kind;

typedef struct payload {
    pay_kind kind;
    unsigned char *bytes;           /* PAY_PAGE: malloc'd */
    size_t len;
    wx_doc_status status;           /* PAY_ERROR */
    const char *why;
} payload;

/* An HTTP response block: the page when it is a 2xx HTML response (what
 * a browser would have shown as the page), nothing otherwise. */
static payload http_payload(const record *r)
{
    payload p = {PAY_NONE, NULL, 0, WX_DOC_OK, NULL};
    const unsigned char *b = r->block;
    size_t len = r->block_len;
    int code = 0;
    if (len < 12 || strncmp((const char *)b, "HTTP/", 5) != 0) return p;
    const unsigned char *sp = memchr(b, ' ', len < 16 ? len : 16);
    if (!sp || sscanf((const char *)sp, " %3d", &code) != 1) return p;
    if (code < 200 || code > 299 || code == 204 || code == 206) return p;
    size_t hend = 0;
    for (size_t i = 0; i + 1 < len && !hend; i++)
        if (b[i] == '\n' && (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < len && b[i + 2] == '\n')))
            hend = i + (b[i + 1] == '\n' ? 2 : 3);
    if (!hend) hend = len;
    char *ct = field_get((const char *)b, hend, "Content-Type");
    int html = ct ? is_html_type(ct) : wx_sniff(b + hend, len - hend, 0) == WX_FMT_HTML;
    free(ct);
    if (!html) return p;
    if (r->cut) return (payload){PAY_ERROR, NULL, 0, WX_DOC_TOO_LARGE, "the record is over the page limit"};
    char *te = field_get((const char *)b, hend, "Transfer-Encoding");
    char *ce = field_get((const char *)b, hend, "Content-Encoding");
    size_t blen = len - hend;
    unsigned char *body = malloc(blen + 1);
    if (body) {
        memcpy(body, b + hend, blen);
        if (te && strcasestr(te, "chunked")) blen = dechunk(body, blen);
        p.bytes = decode_body(ce, body, blen, &p.len, &p.why);
        free(body);
    } else {
        p.why = "out of memory";
    }
    free(te);
    free(ce);
    p.kind = p.bytes ? PAY_PAGE : PAY_ERROR;
    p.status = WX_DOC_BAD_WARC;
    return p;
}

/* The page a response or resource record holds, if any. */
static payload record_payload(const record *r)
{
    payload none = {PAY_NONE, NULL, 0, WX_DOC_OK, NULL};
    int http = r->block_len >= 5 && strncmp((const char *)r->block, "HTTP/", 5) == 0;
    if (r->arc) {
        if (!r->uri || strncmp(r->uri, "filedesc:", 9) == 0) return none;
        if (http) return http_payload(r);
    } else if (r->type && strcasecmp(r->type, "response") == 0 && http) {
        return http_payload(r);
    } else if (!r->type || (strcasecmp(r->type, "resource") != 0 && strcasecmp(r->type, "response") != 0)) {
        return none;
    }
    if (!is_html_type(r->ctype)) return none;
    if (r->cut) return (payload){PAY_ERROR, NULL, 0, WX_DOC_TOO_LARGE, "the record is over the page limit"};
    unsigned char *copy = malloc(r->block_len + 1);
    if (!copy) return (payload){PAY_ERROR, NULL, 0, WX_DOC_UNREADABLE, "out of memory"};
    memcpy(copy, r->block, r->block_len);
    return (payload){PAY_PAGE, copy, r->block_len, WX_DOC_OK, NULL};
}

/* WARC-Target-URI as a URL: wget 1.14 wrote it in <angle brackets>. */
static char *clean_uri(const char *u)
{
    if (!u) return NULL;
    size_t n = strlen(u);
    if (n >= 2 && u[0] == '<' && u[n - 1] == '>') return strndup(u + 1, n - 2);
    return strdup(u);
}

/* An ARC date (14 digits, YYYYMMDDhhmmss) as ISO 8601 UTC, or NULL. */
static char *arc_date(const char *d)
{
    char *iso = NULL;
    if (!d || strlen(d) != 14 || strspn(d, "0123456789") != 14) return NULL;
    if (asprintf(&iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", d, d + 4, d + 6, d + 8, d + 10, d + 12) < 0) return NULL;
    return iso;
}

/* The document of a record whose page is p (taken), with the record's
 * own source: where it is, its target URI and its date. */
static wx_doc *page_doc(const wx_warc *w, const record *r, payload *p)
{
    char *path = record_path(w, r->comp, r->delta);
    wx_doc *doc = path ? wx_doc_from_memory(path, p->bytes, p->len) : NULL;
    free(path);
    free(p->bytes);
    p->bytes = NULL;
    if (!doc) return NULL;
    doc->container = WX_CONTAINER_WARC;
    doc->url = clean_uri(r->uri);
    doc->fetched_at = r->arc ? arc_date(r->date) : r->date ? strdup(r->date) : NULL;
    return doc;
}

/* Remember where an HTML record is, by URI + date and by payload digest. */
static void index_record(wx_warc *w, const record *r)
{
    if (r->arc) return;
    char *uri = clean_uri(r->uri);
    if (uri && r->date) index_put(w, key_of(uri, r->date), r->comp, r->delta);
    if (r->digest) index_put(w, key_of("digest", r->digest), r->comp, r->delta);
    free(uri);
}

/* The page of the record a revisit points at, read again from the file. */
static payload revisit_payload(wx_warc *w, const record *r)
{
    payload none = {PAY_NONE, NULL, 0, WX_DOC_OK, NULL};
    uint64_t off, delta;
    char *ruri = clean_uri(r->refers_uri);
    int found = (ruri && r->refers_date && index_get(w, key_of(ruri, r->refers_date), &off, &delta)) ||
                (r->digest && index_get(w, key_of("digest", r->digest), &off, &delta));
    free(ruri);
    if (!found) return none;
    if (!w->back_ready) {
        if (stream_init(&w->back, &w->src, w->s.gz) != 0) { stream_free(&w->back); return none; }
        w->back_ready = 1;
    }
    stream_seek(&w->back, off);
    while (delta > 0 && stream_avail(&w->back, 1)) {  /* a record inside a member: inflate up to it */
        size_t n = w->back.end - w->back.pos;
        if (n > delta) n = (size_t)delta;
        w->back.pos += n;
        delta -= n;
    }
    record orig;
    const char *msg = NULL;
    int resyncing = w->resyncing;
    w->resyncing = 0;
    int rc = read_record(w, &w->back, &orig, &msg);
    w->resyncing = resyncing;
    payload p = rc == 1 ? record_payload(&orig) : none;
    record_free(&orig);
    return p;
}

/* The document a record gives, or NULL when it gives none. */
static wx_doc *record_doc(wx_warc *w, const record *r)
{
    if (!r->arc && r->type && strcasecmp(r->type, "revisit") == 0) {
        payload p = revisit_payload(w, r);
        if (p.kind == PAY_PAGE) return page_doc(w, r, &p);
        free(p.bytes);
        char *where = record_path(w, r->comp, r->delta);
        char *ct = field_get((const char *)r->block, r->block_len, "Content-Type");
        if (w->note && where && (!ct || is_html_type(ct)))
            w->note(w->ctx, where, "revisit of a record not in this file (or not a page); skipped");
        free(where);
        free(ct);
        return NULL;
    }
    payload p = record_payload(r);
    if (p.kind == PAY_NONE) return NULL;
    if (p.kind == PAY_ERROR) return error_doc(w, r, p.status, p.why);
    index_record(w, r);
    return page_doc(w, r, &p);
}

static int wacz_next_entry(wx_warc *w);

/* Where to go on after a damaged record that started at from: back to
 * just after its start, so records its wrong length swallowed are still
 * read, unless going back has already cost as much as one pass over what
 * was read (then on from where reading got to, which keeps a file of
 * nothing but bad lengths linear).  A record cut short by the end of the
 * file has the rest of the file inside it: reading stops. */
static void recover(wx_warc *w, uint64_t from, int ends_file)
{
    stream *s = &w->s;
    uint64_t reach = s->gz ? s->raw_next - s->zs.avail_in : s->base + s->pos;
    if (ends_file) { w->done = 1; return; }
    if (from < reach) {
        w->rewound += reach - from;
        if (w->rewound > reach) from = reach;
    }
    resync(w, s, from);
}

wx_doc *wx_warc_next(wx_warc *w)
{
    while (w) {
        if (w->done) {
            if (w->zip && wacz_next_entry(w)) continue;
            break;
        }
        record r;
        const char *msg = NULL;
        int rc = read_record(w, &w->s, &r, &msg);
        if (rc == 0) {
            record_free(&r);
            w->done = 1;
            continue;
        }
        if (rc > 0 && !check_record_end(w, &w->s)) {
            rc = -1;
            msg = "Content-Length does not end at the record's end";
        }
        if (rc < 0) {
            int quiet = w->resyncing;                /* a false start found by a resync */
            wx_doc *doc = quiet ? NULL : error_doc(w, &r, WX_DOC_BAD_WARC, msg ? msg : "damaged record");
            uint64_t from = r.comp + (w->s.gz ? 1 : r.delta + 1);
            int ends_file = r.ends_file;
            record_free(&r);
            recover(w, from, ends_file);
            if (quiet) continue;
            return doc;
        }
        w->resyncing = 0;
        wx_doc *doc = record_doc(w, &r);
        record_free(&r);
        if (doc) return doc;
    }
    return NULL;
}

/* ---------- opening ---------- */

/* Whether the first bytes are a WARC or ARC header, inflating them first
 * when the file is gzip.  Sets *gz and *arc. */
static int sniff(const source *src, int *gz, int *arc)
{
    unsigned char raw[SNIFF_RAW], head[16];
    ssize_t n = source_read(src, 0, raw, sizeof raw);
    size_t hlen = 0;
    if (n <= 0) return 0;
    *gz = wx_sniff(raw, (size_t)n, 1) == WX_FMT_GZIP;
    if (*gz) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return 0;
        zs.next_in = raw;
        zs.avail_in = (uInt)n;
        zs.next_out = head;
        zs.avail_out = sizeof head;
        inflate(&zs, Z_NO_FLUSH);
        hlen = sizeof head - zs.avail_out;
        inflateEnd(&zs);
    } else {
        hlen = (size_t)n < sizeof head ? (size_t)n : sizeof head;
        memcpy(head, raw, hlen);
    }
    wx_format f = wx_sniff(head, hlen, 1);
    *arc = f == WX_FMT_ARC;
    return *arc || f == WX_FMT_WARC;
}

/* Read w->src from its start as a WARC or ARC named name (taken), when it
 * is one: the state of the previous file (a WACZ's last entry) goes. */
static int begin_archive(wx_warc *w, char *name)
{
    int gz = 0, arc = 0;
    if (!sniff(&w->src, &gz, &arc)) { free(name); return 0; }
    free(w->name);
    w->name = name;
    stream_free(&w->s);
    if (w->back_ready) stream_free(&w->back);
    w->back_ready = 0;
    free(w->index);
    w->index = NULL;
    w->nindex = w->capindex = 0;
    w->arc = arc;
    w->resyncing = w->done = 0;
    w->rewound = 0;
    if (!name || stream_init(&w->s, &w->src, gz) != 0) return -1;
    stream_seek(&w->s, 0);
    return 1;
}

/* The reader over src (already filled in), when it is a web archive. */
static int open_source(const source *src, const char *name, wx_warc_note_fn note, void *ctx, wx_warc **out)
{
    *out = NULL;
    wx_warc *w = calloc(1, sizeof *w);
    if (!w) return 0;
    w->src = *src;
    w->note = note;
    w->ctx = ctx;
    if (begin_archive(w, strdup(name)) != 1) {
        w->src.fd = -1;                              /* the caller still owns it */
        wx_warc_close(w);
        return 0;
    }
    *out = w;
    return 1;
}

/* Whether a WACZ entry name is one of its WARCs: archive/NAME.warc[.gz]. */
static int wacz_warc_entry(const char *name)
{
    size_t n = strlen(name);
    if (strncmp(name, "archive/", 8) != 0 || strchr(name + 8, '/')) return 0;
    return (n > 13 && strcmp(name + n - 5, ".warc") == 0) || (n > 16 && strcmp(name + n - 8, ".warc.gz") == 0);
}

/* Move on to the WACZ's next WARC; 0 when there is none left.  Entries
 * that cannot be read in place (compressed in the zip) are noted. */
static int wacz_next_entry(wx_warc *w)
{
    zip_int64_t count = zip_get_num_entries(w->zip, 0);
    while (w->next_entry < (zip_uint64_t)count) {
        zip_uint64_t i = w->next_entry++;
        const char *ename = zip_get_name(w->zip, i, 0);
        zip_stat_t st;
        if (!ename || !wacz_warc_entry(ename) || zip_stat_index(w->zip, i, 0, &st) != 0) continue;
        if (w->src.zf) zip_fclose(w->src.zf);
        w->src = (source){-1, NULL, st.size, zip_fopen_index(w->zip, i, 0)};
        char *name = NULL;
        if (asprintf(&name, "%s#%s", w->file, ename) < 0) return 0;
        if (w->src.zf && st.comp_method == ZIP_CM_STORE) {
            int rc = begin_archive(w, name);         /* takes name */
            if (rc != 0) return rc == 1;
            continue;                                /* not a WARC after all */
        }
        if (w->note) w->note(w->ctx, name, "compressed in the zip (WACZ stores WARCs uncompressed); skipped");
        free(name);
    }
    return 0;
}

/* A WACZ (zip) whose archive/ holds WARCs. */
static int open_wacz(const char *path, wx_warc_note_fn note, void *ctx, wx_warc **out)
{
    int err = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &err);
    if (!za) return 0;
    wx_warc *w = calloc(1, sizeof *w);
    if (!w) { zip_discard(za); return 0; }
    w->src.fd = -1;
    w->zip = za;
    w->note = note;
    w->ctx = ctx;
    w->file = strdup(path);
    if (!w->file || !wacz_next_entry(w)) {
        wx_warc_close(w);
        return 0;
    }
    *out = w;
    return 1;
}

int wx_warc_open(const char *path, wx_warc_note_fn note, void *ctx, wx_warc **out)
{
    struct stat st;
    unsigned char magic[4];
    *out = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;   /* FIFOs are read once, by wx_doc_load */
    source src = {open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), NULL, 0, NULL};
    if (src.fd < 0) return 0;
    if (source_read(&src, 0, magic, 4) == 4 && wx_sniff(magic, 4, 1) == WX_FMT_ZIP) {
        close(src.fd);
        return open_wacz(path, note, ctx, out);
    }
    int yes = open_source(&src, path, note, ctx, out);
    if (!yes) close(src.fd);
    return yes;
}

int wx_warc_open_memory(const char *name, const void *bytes, size_t len, wx_warc_note_fn note, void *ctx,
                        wx_warc **out)
{
    source src = {-1, bytes ? bytes : (const void *)"", len, NULL};
    return open_source(&src, name, note, ctx, out);
}

void wx_warc_close(wx_warc *w)
{
    if (!w) return;
    stream_free(&w->s);
    if (w->back_ready) stream_free(&w->back);
    if (w->src.fd >= 0) close(w->src.fd);
    if (w->src.zf) zip_fclose(w->src.zf);
    if (w->zip) zip_discard(w->zip);
    free(w->index);
    free(w->name);
    free(w->file);
    free(w);
}
