/*
 * warcwrite: fetched exchanges as WARC/1.1 records (warcwrite.h).
 *
 * A transfer's records are built and compressed in memory first (one gzip
 * member each), then go to the file in one write() under the writer's
 * lock: the size limit is checked against what will really be written,
 * the request and response of a hop always share a file, and no other
 * thread's bytes can land between them.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"
#include "warcwrite.h"

#define SUFFIX ".warc.gz"

/* ---------- identifiers, dates and digests ---------- */

/* A version 4 UUID as a WARC-Record-ID, <urn:uuid:…>.  getrandom never
 * fails for 16 bytes once the pool is ready; the clock is the fallback. */
static void record_id(char out[48])
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)getpid() << 16;
        for (size_t i = 0; i < sizeof r; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            r[i] = (unsigned char)x;
        }
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 48, "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

/* WARC-Date: UTC to the second, as the store's fetched_at. */
static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "sha256:" and the RFC 4648 base32 of the digest (padded), the form
 * wget and Heritrix use for their sha1 digests and warcio checks. */
static void digest_field(const void *a, size_t alen, const void *b, size_t blen, char out[72])
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) && EVP_DigestUpdate(ctx, a, alen) &&
             (!blen || EVP_DigestUpdate(ctx, b, blen)) && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok) memset(md, 0, 32);
    char *o = out + sprintf(out, "sha256:");
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < 32; i++) {
        acc = (acc << 8) | md[i];
        bits += 8;
        while (bits >= 5) *o++ = alpha[(acc >> (bits -= 5)) & 31];
    }
    if (bits) *o++ = alpha[(acc << (5 - bits)) & 31];
    while ((o - out - 7) % 8) *o++ = '=';
    *o = '\0';
}

/* ---------- records ---------- */

/* One record, its header fields given as "Name: value\r\n" lines in
 * fields; the block is a + b (two parts so a response's fixed head and its
 * body need not be copied together). */
static void record(wx_buf *out, const char *type, const char *id, const char *date, const char *fields,
                   const char *ctype, const void *a, size_t alen, const void *b, size_t blen)
{
    char digest[72];
    digest_field(a, alen, b, blen, digest);
    char *head = wx_strf("WARC/1.1\r\nWARC-Type: %s\r\nWARC-Record-ID: %s\r\nWARC-Date: %s\r\n%s"
                         "WARC-Block-Digest: %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                         type, id, date, fields, digest, ctype, alen + blen);
    if (head) wx_buf_puts(out, head);
    free(head);
    wx_buf_put(out, a, alen);
    if (blen) wx_buf_put(out, b, blen);
    wx_buf_put(out, "\r\n\r\n", 4);
}

/* rec as one gzip member appended to out.  Returns 0, or -1. */
static int gzip_member(wx_buf *out, const wx_buf *rec)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    size_t bound = deflateBound(&z, (uLong)rec->len);
    if (out->len + bound + 1 > out->cap) {
        size_t cap = out->len + bound + 1;
        char *d = realloc(out->data, cap);
        if (!d) { deflateEnd(&z); return -1; }
        out->data = d;
        out->cap = cap;
    }
    z.next_in = (Bytef *)rec->data;
    z.avail_in = (uInt)rec->len;
    z.next_out = (Bytef *)out->data + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    if (rc == Z_STREAM_END) out->len += z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* ---------- the writer ---------- */

struct wx_warc_writer {
    pthread_mutex_t lock;
    char *stem;             /* path without ".warc.gz" */
    char *software;
    unsigned serial;        /* 0: stem.warc.gz, else stem-%05u.warc.gz */
    char *path;             /* the current file */
    int fd;
    uint64_t size, max;
    int has_records;        /* the current file holds more than its warcinfo */
};

static char *series_path(const wx_warc_writer *w, unsigned serial)
{
    return serial ? wx_strf("%s-%05u" SUFFIX, w->stem, serial) : wx_strf("%s" SUFFIX, w->stem);
}

/* All of buf to the file, or -1 with errno. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { if (k == 0) errno = EIO; return -1; }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The current file's message for the user. */
static char *file_err(const wx_warc_writer *w, const char *why)
{
    return wx_strf("warc: %s: %s", w->path ? w->path : w->stem, why);
}

/* Open file number serial of the series (appending) and write its
 * warcinfo record: what made the file and which WARC version it is. */
static int open_file(wx_warc_writer *w, unsigned serial, char **err)
{
    if (w->fd >= 0) close(w->fd);
    free(w->path);
    w->serial = serial;
    w->path = series_path(w, serial);
    w->fd = w->path ? open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    struct stat st;
    if (w->fd < 0 || fstat(w->fd, &st) != 0) {
        wx_set_err(err, file_err(w, w->path ? strerror(errno) : "out of memory"));
        return -1;
    }
    w->size = (uint64_t)st.st_size;
    w->has_records = st.st_size > 0;
    const char *base = strrchr(w->path, '/');
    base = base ? base + 1 : w->path;
    char id[48], date[32];
    record_id(id);
    utc_now(date);
    char *fields = wx_strf("WARC-Filename: %s\r\n", base);
    char *info = wx_strf("software: %s\r\nformat: WARC File Format 1.1\r\n"
                         "conformsTo: http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
                         "description: pages fetched by wxingest fetch/run --warc\r\n", w->software);
    wx_buf rec, gz;
    wx_buf_init(&rec);
    wx_buf_init(&gz);
    int rc = -1;
    if (fields && info) {
        record(&rec, "warcinfo", id, date, fields, "application/warc-fields", info, strlen(info), NULL, 0);
        if (rec.data && gzip_member(&gz, &rec) == 0) rc = write_all(w->fd, gz.data, gz.len);
        if (rc != 0) wx_set_err(err, file_err(w, gz.data && errno ? strerror(errno) : "out of memory"));
        else w->size += gz.len;
    } else {
        wx_set_err(err, file_err(w, "out of memory"));
    }
    free(fields);
    free(info);
    free(rec.data);
    free(gz.data);
    return rc;
}

wx_warc_writer *wx_warc_writer_open(const char *path, uint64_t max_size, const char *software, char **err)
{
    size_t n = strlen(path), sl = strlen(SUFFIX);
    if (n <= sl || strcmp(path + n - sl, SUFFIX) != 0) {
        wx_set_err(err, wx_strf("warc: %s: the file name must end in " SUFFIX, path));
        return NULL;
    }
    wx_warc_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->stem = strndup(path, n - sl)) || !(w->software = strdup(software))) {
        if (w) free(w->stem);
        free(w);
        wx_set_err(err, strdup("warc: out of memory"));
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->fd = -1;
    w->max = max_size ? max_size : 1;
    /* Go on after the last file an earlier run left, never overwrite one. */
    unsigned last = 0;
    for (unsigned k = 1; k < 100000; k++) {
        char *p = series_path(w, k);
        int exists = p && access(p, F_OK) == 0;
        free(p);
        if (!exists) break;
        last = k;
    }
    struct stat st;
    char *p = series_path(w, last);
    if (p && stat(p, &st) == 0 && (uint64_t)st.st_size >= w->max) last++;
    free(p);
    if (open_file(w, last, err) != 0) {
        char *ignored = NULL;
        wx_warc_writer_close(w, &ignored);
        free(ignored);
        return NULL;
    }
    return w;
}

int wx_warc_writer_close(wx_warc_writer *w, char **err)
{
    if (!w) return 0;
    int rc = 0;
    if (w->fd >= 0 && close(w->fd) != 0) {
        wx_set_err(err, file_err(w, strerror(errno)));
        rc = -1;
    }
    pthread_mutex_destroy(&w->lock);
    free(w->stem);
    free(w->software);
    free(w->path);
    free(w);
    return rc;
}

/* Compressed records to the current file, or to the next one when they
 * would take this one past the limit (a file holds at least one exchange,
 * however large). */
static int put(wx_warc_writer *w, const wx_buf *gz, char **err)
{
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    if (w->has_records && w->size + gz->len > w->max) rc = open_file(w, w->serial + 1, err);
    if (rc == 0 && write_all(w->fd, gz->data, gz->len) != 0) {
        wx_set_err(err, file_err(w, strerror(errno)));
        rc = -1;
    }
    if (rc == 0) {
        w->size += gz->len;
        w->has_records = 1;
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

/* ---------- capturing a transfer ---------- */

typedef struct hop {
    wx_buf req;             /* request head as sent */
    wx_buf head;            /* status line and header lines as received */
    int head_done;          /* the blank line after the headers came */
    char *url, *ip;
    char date[32];
} hop;

struct wx_warc_capture {
    hop *hops;
    size_t n, cap;
    int broken;             /* out of memory: write nothing */
};

wx_warc_capture *wx_warc_capture_new(void) { return calloc(1, sizeof(wx_warc_capture)); }

void wx_warc_capture_free(wx_warc_capture *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->hops[i].req.data);
        free(c->hops[i].head.data);
        free(c->hops[i].url);
        free(c->hops[i].ip);
    }
    free(c->hops);
    free(c);
}

static hop *hop_add(wx_warc_capture *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        hop *h = realloc(c->hops, cap * sizeof *h);
        if (!h) { c->broken = 1; return NULL; }
        c->hops = h;
        c->cap = cap;
    }
    hop *h = &c->hops[c->n++];
    memset(h, 0, sizeof *h);
    return h;
}

static int ends_head(const wx_buf *b) { return b->len >= 4 && memcmp(b->data + b->len - 4, "\r\n\r\n", 4) == 0; }

void wx_warc_capture_request(wx_warc_capture *c, const char *data, size_t n)
{
    if (!c || c->broken) return;
    hop *h = c->n && !ends_head(&c->hops[c->n - 1].req) && !c->hops[c->n - 1].head.len ? &c->hops[c->n - 1] : NULL;
    if (!h && !(h = hop_add(c))) return;
    wx_buf_put(&h->req, data, n);
}

void wx_warc_capture_header(wx_warc_capture *c, const char *line, size_t n, const char *url, const char *ip)
{
    if (!c || c->broken) return;
    hop *h = c->n ? &c->hops[c->n - 1] : NULL;
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        /* A 1xx interim response is replaced by the final one; a new
         * response after a complete one is the next hop (its request may
         * have come first, then it is that hop). */
        int interim = h && h->head_done && h->head.len > 9 && h->head.data[9] == '1';
        if (!h || (h->head.len && !interim)) h = hop_add(c);
        if (!h) return;
        h->head.len = 0;
        h->head_done = 0;
        free(h->url);
        free(h->ip);
        h->url = url ? strdup(url) : NULL;
        h->ip = ip && *ip ? strdup(ip) : NULL;
        utc_now(h->date);
    } else if (!h || !h->head.len || h->head_done) {
        return;   /* no status line yet, or trailers after the body */
    }
    size_t k = n;
    while (k > 0 && (line[k - 1] == '\r' || line[k - 1] == '\n')) k--;
    if (k == 0) h->head_done = 1;
    wx_buf_put(&h->head, line, k);
    wx_buf_put(&h->head, "\r\n", 2);
}

/* Whether a header line is the header name (case-insensitive). */
static int is_header(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n > k && line[k] == ':' && strncasecmp(line, name, k) == 0;
}

/* The head as stored: HTTP/1.1 for HTTP/2 and 3, the framing headers that
 * no longer describe the stored body kept under X-Archive-Orig-, and
 * Content-Length the stored body's length (see warcwrite.h). */
static void fix_head(wx_buf *out, const wx_buf *head, size_t body_len)
{
    const char *p = head->data, *end = head->data + head->len;
    int first = 1, length_ok = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((eol ? eol : end) - p);
        if (n && p[n - 1] == '\r') n--;
        if (n == 0) break;
        if (first) {
            if (n >= 6 && (memcmp(p, "HTTP/2", 6) == 0 || memcmp(p, "HTTP/3", 6) == 0)) {
                const char *sp = memchr(p, ' ', n);
                wx_buf_puts(out, "HTTP/1.1");
                if (sp) wx_buf_put(out, sp, n - (size_t)(sp - p));
            } else {
                wx_buf_put(out, p, n);
            }
            first = 0;
        } else if (is_header(p, n, "Content-Length")) {
            const char *v = p + 15;
            while (v < p + n && (*v == ' ' || *v == '\t')) v++;
            char want[32];
            int wl = snprintf(want, sizeof want, "%zu", body_len);
            size_t vl = (size_t)(p + n - v);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
            if (!length_ok && vl == (size_t)wl && memcmp(v, want, vl) == 0) {
                length_ok = 1;
                wx_buf_put(out, p, n);
            } else {
                wx_buf_puts(out, "X-Archive-Orig-");
                wx_buf_put(out, p, n);
            }
        } else if (is_header(p, n, "Transfer-Encoding") || is_header(p, n, "Content-Encoding")) {
            wx_buf_puts(out, "X-Archive-Orig-");
            wx_buf_put(out, p, n);
        } else {
            wx_buf_put(out, p, n);
        }
        wx_buf_put(out, "\r\n", 2);
        if (!eol) break;
        p = eol + 1;
    }
    if (!length_ok) {
        char *cl = wx_strf("Content-Length: %zu\r\n", body_len);
        if (cl) wx_buf_puts(out, cl);
        free(cl);
    }
    wx_buf_put(out, "\r\n", 2);
}

/* The request head as stored: an HTTP/2 request line says HTTP/1.1, as
 * its response does. */
static void fix_request(wx_buf *out, const wx_buf *req)
{
    const char *eol = memchr(req->data, '\n', req->len);
    size_t n = eol ? (size_t)(eol - req->data) : req->len;
    if (n && req->data[n - 1] == '\r') n--;
    if (n >= 7 && (memcmp(req->data + n - 7, " HTTP/2", 7) == 0 || memcmp(req->data + n - 7, " HTTP/3", 7) == 0)) {
        wx_buf_put(out, req->data, n - 7);
        wx_buf_puts(out, " HTTP/1.1");
        wx_buf_put(out, req->data + n, req->len - n);
    } else {
        wx_buf_put(out, req->data, req->len);
    }
}

/* A URL or address fit to be a header value (no line breaks to smuggle
 * fields in, no spaces that split the value). */
static int header_safe(const char *s) { return s && *s && !strpbrk(s, "\r\n \t"); }

int wx_warc_capture_write(wx_warc_writer *w, const wx_warc_capture *c, const void *body, size_t len, char **err)
{
    if (!w || !c) return 0;
    if (c->broken) { wx_set_err(err, file_err(w, "out of memory capturing the exchange")); return -1; }
    wx_buf gz, rec, head, req;
    wx_buf_init(&gz);
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        const hop *h = &c->hops[i];
        if (!h->head_done || !header_safe(h->url)) continue;   /* no complete response */
        int last = i + 1 == c->n;
        const void *b = last ? body : NULL;
        size_t bl = last ? len : 0;
        char req_id[48], resp_id[48], payload[72];
        record_id(req_id);
        record_id(resp_id);
        digest_field(b ? b : "", bl, NULL, 0, payload);
        char *ip = header_safe(h->ip) ? wx_strf("WARC-IP-Address: %s\r\n", h->ip) : strdup("");
        int has_req = h->req.len > 0;
        char *resp_fields = wx_strf("WARC-Target-URI: %s\r\n%s%s%s%sWARC-Payload-Digest: %s\r\n", h->url,
                                    ip ? ip : "", has_req ? "WARC-Concurrent-To: " : "", has_req ? req_id : "",
                                    has_req ? "\r\n" : "", payload);
        char *req_fields = wx_strf("WARC-Target-URI: %s\r\n%sWARC-Concurrent-To: %s\r\n", h->url, ip ? ip : "",
                                   resp_id);
        wx_buf_init(&rec);
        wx_buf_init(&head);
        wx_buf_init(&req);
        fix_head(&head, &h->head, bl);
        if (has_req) fix_request(&req, &h->req);
        if (!resp_fields || !req_fields || !head.data || (has_req && !req.data)) {
            rc = -1;
        } else {
            if (has_req) {
                record(&rec, "request", req_id, h->date, req_fields, "application/http;msgtype=request", req.data,
                       req.len, NULL, 0);
                rc = rec.data && gzip_member(&gz, &rec) == 0 ? 0 : -1;
                rec.len = 0;
            }
            if (rc == 0) {
                record(&rec, "response", resp_id, h->date, resp_fields, "application/http;msgtype=response",
                       head.data, head.len, b, bl);
                rc = rec.data && gzip_member(&gz, &rec) == 0 ? 0 : -1;
            }
        }
        free(ip);
        free(resp_fields);
        free(req_fields);
        free(rec.data);
        free(head.data);
        free(req.data);
    }
    if (rc != 0) wx_set_err(err, file_err(w, "out of memory building the records"));
    else if (gz.len) rc = put(w, &gz, err);
    free(gz.data);
    return rc;
}
