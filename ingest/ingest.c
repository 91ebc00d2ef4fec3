/*
 * ingest: documents from files, stdin and memory, and the directory walk.
 *
 * Every input goes the same way: read the raw bytes (refusing anything over
 * WX_MAX_DOC_BYTES before it is held whole), undo gzip when the bytes start
 * with the gzip magic, undo MHTML when they start with a MIME header block
 * announcing multipart/related, then hash what is left.  Detection is by
 * content, never by file name, because saved pages get renamed.
 *
 * Problems are recorded in the document (status + message), never printed:
 * the driver decides how to tell the user.
 */
#include "ingest.h"
#include "sniff.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <zlib.h>

/* How much of a file the walk looks at to decide whether it is a page. */
#define SNIFF_BYTES 4096

/* ---------- small helpers ---------- */

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* A malloc'd copy of s[0..n) with a NUL, for header values and URLs that
 * live inside a bigger buffer. */
static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int is_wsp(int c) { return c == ' ' || c == '\t'; }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

/* Record a failure in doc.  The message is what the driver prints after
 * "wxingest: PATH: ", so keep it short; if even that allocation fails the
 * status alone still says what went wrong. */
static void doc_fail(wx_doc *doc, wx_doc_status status, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    doc->status = status;
    free(doc->error);
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    doc->error = n < 0 ? NULL : xstrdup(small);
}

/* ---------- hashing ---------- */

/* OpenSSL does the SHA-256: a hand-written one is a liability and libcrypto
 * is already a dependency. */
void wx_sha256_hex(const void *bytes, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (!EVP_Digest(bytes ? bytes : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) return;
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

/* ---------- gzip ---------- */

/* Inflate a whole gzip file held in memory.  The output limit is checked as
 * it grows, so a small "gzip bomb" costs at most WX_MAX_DOC_BYTES of memory.
 * Concatenated members (cat a.gz b.gz) are inflated one after the other, as
 * gzip(1) does; bytes after the last member that are not another member are
 * ignored, also as gzip(1) does.  Returns the page (room for a NUL included)
 * or NULL with doc failed. */
static unsigned char *gunzip(wx_doc *doc, const unsigned char *in, size_t len, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        doc_fail(doc, WX_DOC_UNREADABLE, "out of memory");
        return NULL;
    }
    size_t cap = len < WX_MAX_DOC_BYTES / 4 ? len * 4 : WX_MAX_DOC_BYTES + 1;
    if (cap < 65536) cap = 65536;
    if (cap > WX_MAX_DOC_BYTES + 1) cap = WX_MAX_DOC_BYTES + 1;
    unsigned char *out = malloc(cap + 1);
    size_t used_in = 0, olen = 0;
    if (!out) goto oom;

    for (;;) {
        if (zs.avail_in == 0 && used_in < len) {
            size_t n = len - used_in < UINT_MAX ? len - used_in : UINT_MAX;
            zs.next_in = (Bytef *)(in + used_in);
            zs.avail_in = (uInt)n;
            used_in += n;
        }
        if (olen == cap) {
            size_t ncap = cap * 2 > WX_MAX_DOC_BYTES + 1 ? WX_MAX_DOC_BYTES + 1 : cap * 2;
            unsigned char *n = realloc(out, ncap + 1);
            if (!n) goto oom;
            out = n;
            cap = ncap;
        }
        size_t room = cap - olen < UINT_MAX ? cap - olen : UINT_MAX;
        zs.next_out = out + olen;
        zs.avail_out = (uInt)room;
        int rc = inflate(&zs, Z_NO_FLUSH);
        olen += room - zs.avail_out;
        if (olen > WX_MAX_DOC_BYTES) {
            doc_fail(doc, WX_DOC_TOO_LARGE, "inflates to over the %zu-byte limit", WX_MAX_DOC_BYTES);
            goto fail;
        }
        if (rc == Z_STREAM_END) {
            size_t left = zs.avail_in + (len - used_in);
            /* The input is fed contiguously, so what is left starts at next_in. */
            if (left >= 2 && wx_sniff(zs.next_in, 2, 1) == WX_FMT_GZIP) {
                if (inflateReset(&zs) != Z_OK) goto oom;
                continue;
            }
            break;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR) {
            /* There was room for output and all input was offered: the
             * stream ends before its end. */
            doc_fail(doc, WX_DOC_BAD_GZIP, "truncated gzip data");
            goto fail;
        }
        if (rc == Z_MEM_ERROR) goto oom;
        doc_fail(doc, WX_DOC_BAD_GZIP, "corrupt gzip data (%s)", zs.msg ? zs.msg : "inflate failed");
        goto fail;
    }
    inflateEnd(&zs);
    out[olen] = '\0';
    *outlen = olen;
    return out;
oom:
    doc_fail(doc, WX_DOC_UNREADABLE, "out of memory");
fail:
    inflateEnd(&zs);
    free(out);
    return NULL;
}

/* ---------- MIME headers ---------- */

/* The value of parameter name in a Content-Type value (boundary="…"),
 * unquoted; malloc'd, NULL when absent.  Quoted strings may hold ';'. */
static char *ct_param(const char *ct, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = strchr(ct, ';');
    while (p && *p) {
        while (*p == ';' || is_space((unsigned char)*p)) p++;
        const char *k = p;
        while (*p && *p != '=' && *p != ';') p++;
        const char *kend = p;
        while (kend > k && is_space((unsigned char)kend[-1])) kend--;
        if (*p != '=') continue;
        p++;
        while (is_space((unsigned char)*p)) p++;
        int match = (size_t)(kend - k) == nlen && strncasecmp(k, name, nlen) == 0;
        if (*p == '"') {
            size_t cap = strlen(p), vlen = 0;
            char *v = match ? malloc(cap + 1) : NULL;
            if (match && !v) return NULL;
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) p++;
                if (v) v[vlen++] = *p;
            }
            if (*p == '"') p++;
            if (v) { v[vlen] = '\0'; return v; }
        } else {
            const char *v = p;
            while (*p && *p != ';' && !is_space((unsigned char)*p)) p++;
            if (match) return xstrndup(v, (size_t)(p - v));
        }
        while (*p && *p != ';') p++;
    }
    return NULL;
}

/* ---------- MHTML ---------- */

/* Quoted-printable (RFC 2045 6.7) into out, which needs len bytes at most.
 * "=XX" is a byte, "=" at the end of a line is a soft break that joins the
 * lines, whitespace at the end of a line was added in transport and goes.
 * A stray "=" is kept as it is: browsers' encoders are not always strict
 * and losing a character is worse than keeping one. */
static size_t qp_decode(const unsigned char *in, size_t len, unsigned char *out)
{
    size_t i = 0, o = 0;
    while (i < len) {
        unsigned char c = in[i];
        if (c == '=') {
            if (i + 2 < len && wx_hexval(in[i + 1]) >= 0 && wx_hexval(in[i + 2]) >= 0) {
                out[o++] = (unsigned char)(wx_hexval(in[i + 1]) << 4 | wx_hexval(in[i + 2]));
                i += 3;
                continue;
            }
            size_t j = i + 1;
            while (j < len && is_wsp(in[j])) j++;
            if (j == len) { i = j; continue; }                       /* "=" ends the data */
            if (in[j] == '\n') { i = j + 1; continue; }              /* soft break, LF */
            if (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n') { i = j + 2; continue; }
            out[o++] = '=';
            i++;
            continue;
        }
        if (is_wsp(c)) {
            size_t j = i;
            while (j < len && is_wsp(in[j])) j++;
            int eol = j == len || in[j] == '\n' || (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n');
            if (!eol) {
                memcpy(out + o, in + i, j - i);
                o += j - i;
            }
            i = j;
            continue;
        }
        out[o++] = c;
        i++;
    }
    return o;
}

/* Base64 through OpenSSL's decoder, which skips the line breaks MHTML puts
 * every 76 characters.  Returns the decoded length or -1 on bad data; out
 * needs len / 4 * 3 + 3 bytes. */
static long b64_decode(const unsigned char *in, size_t len, unsigned char *out)
{
    EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
    if (!ctx) return -1;
    EVP_DecodeInit(ctx);
    size_t o = 0;
    int outl = 0, ok = 1;
    for (size_t i = 0; ok && i < len;) {
        int n = len - i < (1u << 20) ? (int)(len - i) : 1 << 20;
        if (EVP_DecodeUpdate(ctx, out + o, &outl, in + i, n) < 0) ok = 0;
        else o += (size_t)outl;
        i += (size_t)n;
    }
    if (ok && EVP_DecodeFinal(ctx, out + o, &outl) < 0) ok = 0;
    else if (ok) o += (size_t)outl;
    EVP_ENCODE_CTX_free(ctx);
    return ok ? (long)o : -1;
}

/* Position of the next "--boundary" delimiter line at or after from (at the
 * start of a line, followed by "--", whitespace or a line break), or len. */
static size_t find_delimiter(const unsigned char *p, size_t len, size_t from, const char *b, size_t blen)
{
    while (from < len) {
        size_t at;
        if (from == 0 || p[from - 1] == '\n') {
            at = from;
        } else {
            const unsigned char *nl = memchr(p + from, '\n', len - from);
            if (!nl) return len;
            at = (size_t)(nl - p) + 1;
        }
        if (len - at >= blen + 2 && p[at] == '-' && p[at + 1] == '-' && memcmp(p + at + 2, b, blen) == 0) {
            size_t e = at + 2 + blen;
            if (e == len || p[e] == '-' || is_space(p[e])) return at;
        }
        /* Jump to the next candidate with memmem: linear on big parts. */
        const unsigned char *hit = memmem(p + at, len - at, "\n--", 3);
        if (!hit) return len;
        from = (size_t)(hit - p) + 1;
    }
    return len;
}

/* Decode one part's body according to its Content-Transfer-Encoding into a
 * fresh buffer (with room for a NUL).  NULL with doc failed on bad data. */
static unsigned char *decode_part(wx_doc *doc, const char *cte, const unsigned char *in, size_t len, size_t *outlen)
{
    unsigned char *out;
    if (!cte || strcasecmp(cte, "7bit") == 0 || strcasecmp(cte, "8bit") == 0 || strcasecmp(cte, "binary") == 0) {
        out = malloc(len + 1);
        if (out) { memcpy(out, in, len); *outlen = len; }
    } else if (strcasecmp(cte, "quoted-printable") == 0) {
        out = malloc(len + 1);
        if (out) *outlen = qp_decode(in, len, out);
    } else if (strcasecmp(cte, "base64") == 0) {
        out = malloc(len / 4 * 3 + 4);
        long n = out ? b64_decode(in, len, out) : 0;
        if (n < 0) {
            free(out);
            doc_fail(doc, WX_DOC_BAD_MHTML, "MHTML page part is not valid base64");
            return NULL;
        }
        if (out) *outlen = (size_t)n;
    } else {
        doc_fail(doc, WX_DOC_BAD_MHTML, "MHTML page part has an unknown Content-Transfer-Encoding \"%.40s\"", cte);
        return NULL;
    }
    if (!out) {
        doc_fail(doc, WX_DOC_UNREADABLE, "out of memory");
        return NULL;
    }
    out[*outlen] = '\0';
    return out;
}

/* The moment an MHTML file was saved, from its RFC 5322 Date header
 * ("Sat, 7 Dec 2018 21:40:15 +0800"), as UTC ISO 8601; NULL when the
 * header is absent or not a date of 1990-2100.  libcurl's curl_getdate
 * reads every form of HTTP/mail date (RFC 822/850/1123, asctime, zone
 * names and numeric offsets), so no date grammar of our own is kept;
 * a trailing comment is dropped first, as curl does not read those. */
static char *mhtml_saved_at(const char *date)
{
    if (!date) return NULL;
    char plain[128];                   /* without an RFC 5322 comment: "+0800 (CST)" */
    size_t n = strcspn(date, "(");
    if (n >= sizeof plain) return NULL;
    memcpy(plain, date, n);
    plain[n] = '\0';
    time_t t = curl_getdate(plain, NULL);
    if (t < (time_t)631152000 || t >= (time_t)4133980800LL) return NULL;   /* 1990-01-01 .. 2101-01-01 */
    struct tm utc;
    char iso[32];
    if (!gmtime_r(&t, &utc) || !strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &utc)) return NULL;
    return strdup(iso);
}

/* Take the page out of an MHTML file (a browser's "save as single file"):
 * the first text/html part, decoded.  The page's address comes from that
 * part's Content-Location, else from the file's own headers (Blink writes
 * Snapshot-Content-Location); the time it was saved from its Date header.
 * Returns the page (NUL-terminated) or NULL with doc failed; doc->url and
 * doc->fetched_at are set either way when known. */
static unsigned char *mhtml_unpack(wx_doc *doc, const unsigned char *p, size_t len, size_t *outlen)
{
    unsigned char *page = NULL;
    size_t hlen = wx_header_block(p, len, 0);
    char *ct = wx_header_get(p, hlen, "Content-Type");
    char *boundary = ct ? ct_param(ct, "boundary") : NULL;
    char *url = wx_header_get(p, hlen, "Snapshot-Content-Location");
    if (!url || !*url) { free(url); url = wx_header_get(p, hlen, "Content-Location"); }
    if (url && !*url) { free(url); url = NULL; }
    free(doc->url);
    doc->url = url;
    char *date = wx_header_get(p, hlen, "Date");
    char *saved = mhtml_saved_at(date);
    free(date);
    if (saved) { free(doc->fetched_at); doc->fetched_at = saved; }
    free(ct);
    if (!boundary || !*boundary) {
        doc_fail(doc, WX_DOC_BAD_MHTML, "MHTML without a multipart boundary");
        free(boundary);
        return NULL;
    }

    size_t blen = strlen(boundary);
    size_t at = find_delimiter(p, len, hlen, boundary, blen);
    while (at < len) {
        size_t e = at + 2 + blen;
        if (len - e >= 2 && p[e] == '-' && p[e + 1] == '-') break;   /* close delimiter */
        size_t part;
        wx_line_at(p + at, len - at, &part);
        part += at;
        size_t next = find_delimiter(p, len, part, boundary, blen);
        size_t end = next;                            /* the line break before a delimiter is its own */
        if (end < len && end > part && p[end - 1] == '\n') end--;
        if (end < len && end > part && p[end - 1] == '\r') end--;

        size_t phl = wx_header_block(p + part, end - part, 1);
        char *pct = phl ? wx_header_get(p + part, phl, "Content-Type") : NULL;
        if (pct && wx_media_type_is(pct, "text/html")) {
            char *cte = wx_header_get(p + part, phl, "Content-Transfer-Encoding");
            char *loc = wx_header_get(p + part, phl, "Content-Location");
            if (loc && *loc) {
                free(doc->url);
                doc->url = loc;
                loc = NULL;
            }
            page = decode_part(doc, cte, p + part + phl, end - part - phl, outlen);
            if (page) doc->container = WX_CONTAINER_MHTML;
            free(loc);
            free(cte);
            free(pct);
            free(boundary);
            return page;
        }
        free(pct);
        at = next;
    }
    free(boundary);
    doc_fail(doc, WX_DOC_BAD_MHTML, "MHTML without a text/html part");
    return NULL;
}

/* ---------- documents ---------- */

/* A document with the given path and empty bytes: bytes is never NULL, so
 * a failed document can still be read as an empty string. */
static wx_doc *doc_new(const char *path)
{
    wx_doc *doc = calloc(1, sizeof *doc);
    if (!doc) return NULL;
    doc->path = path ? xstrdup(path) : NULL;
    doc->bytes = calloc(1, 1);
    if ((path && !doc->path) || !doc->bytes) {
        wx_doc_free(doc);
        return NULL;
    }
    doc->status = WX_DOC_OK;
    doc->container = WX_CONTAINER_PLAIN;
    return doc;
}

/* The one path from raw input bytes to a page: takes raw (malloc'd, with
 * room for a NUL after len), unwraps gzip then MHTML, and hashes the result.
 * Shared by files, stdin and memory so they can never disagree. */
static void doc_unwrap(wx_doc *doc, unsigned char *raw, size_t len)
{
    if (wx_sniff(raw, len, 0) == WX_FMT_GZIP) {
        size_t n = 0;
        unsigned char *page = gunzip(doc, raw, len, &n);
        free(raw);
        if (!page) return;
        raw = page;
        len = n;
    }
    if (wx_sniff(raw, len, 0) == WX_FMT_MHTML) {
        size_t n = 0;
        unsigned char *page = mhtml_unpack(doc, raw, len, &n);
        free(raw);
        if (!page) return;
        raw = page;
        len = n;
    }
    raw[len] = '\0';
    free(doc->bytes);
    doc->bytes = raw;
    doc->len = len;
    wx_sha256_hex(raw, len, doc->sha256);
}

/* Read everything from fd, then unwrap.  A regular file announces its size,
 * so one over the limit is refused before a byte is read; a pipe or
 * terminal is counted as it comes and abandoned once past the limit, so a
 * huge stream is never held whole. */
static void doc_read_fd(wx_doc *doc, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        doc_fail(doc, WX_DOC_UNREADABLE, "%s", strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        doc_fail(doc, WX_DOC_UNREADABLE, "%s", strerror(EISDIR));
        return;
    }
    size_t cap = 65536;
    if (S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        off_t size = st.st_size - (pos > 0 ? pos : 0);
        if (size > 0 && (uintmax_t)size > WX_MAX_DOC_BYTES) {
            doc_fail(doc, WX_DOC_TOO_LARGE, "file is %jd bytes, over the %zu-byte limit",
                     (intmax_t)st.st_size, WX_MAX_DOC_BYTES);
            return;
        }
        cap = size > 0 ? (size_t)size + 1 : 4096;   /* +1: the read that sees EOF has room */
    }
    unsigned char *buf = malloc(cap + 1);
    size_t len = 0;
    if (!buf) {
        doc_fail(doc, WX_DOC_UNREADABLE, "out of memory");
        return;
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap * 2 > WX_MAX_DOC_BYTES + 1 ? WX_MAX_DOC_BYTES + 1 : cap * 2;
            unsigned char *n = realloc(buf, ncap + 1);
            if (!n) {
                free(buf);
                doc_fail(doc, WX_DOC_UNREADABLE, "out of memory");
                return;
            }
            buf = n;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            doc_fail(doc, WX_DOC_UNREADABLE, "%s", strerror(e));
            return;
        }
        if (n == 0) break;
        len += (size_t)n;
        if (len > WX_MAX_DOC_BYTES) {
            free(buf);
            doc_fail(doc, WX_DOC_TOO_LARGE, "input is over the %zu-byte limit", WX_MAX_DOC_BYTES);
            return;
        }
    }
    doc_unwrap(doc, buf, len);
}

wx_doc *wx_doc_load(const char *path)
{
    wx_doc *doc = doc_new(path);
    if (!doc) return NULL;
    if (!path) {
        doc_fail(doc, WX_DOC_UNREADABLE, "no path given");
        return doc;
    }
    if (strcmp(path, "-") == 0) {
        doc_read_fd(doc, STDIN_FILENO);
        return doc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        doc_fail(doc, WX_DOC_UNREADABLE, "%s", strerror(errno));
        return doc;
    }
    doc_read_fd(doc, fd);
    close(fd);
    return doc;
}

/* The fetcher and the tests have the bytes already; they get exactly the
 * treatment a file would, limit included. */
wx_doc *wx_doc_from_memory(const char *path, const void *bytes, size_t len)
{
    wx_doc *doc = doc_new(path);
    if (!doc) return NULL;
    if (len > WX_MAX_DOC_BYTES) {
        doc_fail(doc, WX_DOC_TOO_LARGE, "input is %zu bytes, over the %zu-byte limit", len, WX_MAX_DOC_BYTES);
        return doc;
    }
    unsigned char *copy = malloc(len + 1);
    if (!copy) {
        wx_doc_free(doc);
        return NULL;
    }
    if (len) memcpy(copy, bytes, len);
    doc_unwrap(doc, copy, len);
    return doc;
}

void wx_doc_free(wx_doc *doc)
{
    if (!doc) return;
    free(doc->path);
    free(doc->bytes);
    free(doc->url);
    free(doc->fetched_at);
    free(doc->captured_at);
    free(doc->error);
    free(doc);
}

/* ---------- which files are pages ---------- */

/* Read up to SNIFF_BYTES of a regular file, through zlib's gzread so a
 * gzip file is seen inflated and a plain one as it is.  Returns the number
 * of bytes, or -1 with errno set.  O_NONBLOCK keeps a FIFO from hanging the
 * walk; the fstat then turns it away. */
static long sniff_read(const char *path, unsigned char *buf)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return 0;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    int n = gzread(gz, buf, SNIFF_BYTES);
    gzclose(gz);
    return n < 0 ? 0 : n;   /* corrupt gzip: not a page we could read anyway */
}

/* wx_path_is_candidate with the reason a file could not be sniffed, so the
 * walk can report unreadable files instead of dropping them silently. */
static int candidate(const char *path, int *err)
{
    static const char *const pages[] = {"html", "htm", "mht", "mhtml", "shtml", "xhtml", "wacz", NULL};
    static const char *const maybe[] = {"md", "markdown", "txt", "warc", "arc", NULL};
    *err = 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 3 && strcasecmp(base + n - 3, ".gz") == 0) n -= 3;

    const char *dot = NULL;
    for (size_t i = n; i > 1; i--)                 /* a leading dot is not an extension */
        if (base[i - 1] == '.') { dot = base + i - 1; break; }
    int sniff = !dot;
    if (dot) {
        size_t elen = n - (size_t)(dot + 1 - base);
        for (int k = 0; pages[k]; k++)
            if (strlen(pages[k]) == elen && strncasecmp(dot + 1, pages[k], elen) == 0) return 1;
        for (int k = 0; maybe[k]; k++)
            if (strlen(maybe[k]) == elen && strncasecmp(dot + 1, maybe[k], elen) == 0) sniff = 1;
    }
    if (!sniff) return 0;

    unsigned char buf[SNIFF_BYTES];
    long got = sniff_read(path, buf);
    if (got < 0) {
        *err = errno;
        return 0;
    }
    switch (wx_sniff(buf, (size_t)got, 1)) {
    case WX_FMT_WARC: case WX_FMT_ARC: case WX_FMT_MHTML: case WX_FMT_MARKDOWN: case WX_FMT_HTML:
        return 1;
    default:
        return 0;                  /* text, binary, or a container inside the gzip */
    }
}

int wx_path_is_candidate(const char *path)
{
    int err;
    return candidate(path, &err);
}

/* ---------- the walk ---------- */

/* Identity of a directory on the current descent, to catch symlink loops. */
typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct walker {
    wx_pathlist *out;
    wx_walk_report report;
    void *ctx;
    dir_id *stack;
    size_t depth, cap;
    dir_id *seen;           /* every directory walked so far: open addressing, */
    size_t nseen, seen_cap; /* at most half full; ino 0 never names a directory */
    int oom;
} walker;

static size_t dir_slot(const dir_id *set, size_t cap, dir_id d)
{
    size_t h = ((size_t)d.ino * 0x9E3779B97F4A7C15ull) ^ (size_t)d.dev;
    size_t i = h & (cap - 1);
    while (set[i].ino && !(set[i].ino == d.ino && set[i].dev == d.dev)) i = (i + 1) & (cap - 1);
    return i;
}

/* Notes a directory as walked; 0 when it was walked already (another
 * symlink to it), 1 when it is new, -1 when out of memory.  Each real
 * directory is walked once per walk: a graph of links (each dN holding two
 * links to dN+1) would otherwise cost 2^depth walks. */
static int dir_first_visit(walker *w, dir_id d)
{
    if (w->seen_cap && w->seen[dir_slot(w->seen, w->seen_cap, d)].ino) return 0;
    if ((w->nseen + 1) * 2 > w->seen_cap) {
        size_t ncap = w->seen_cap ? w->seen_cap * 2 : 64;
        dir_id *g = calloc(ncap, sizeof *g);
        if (!g) return -1;
        for (size_t i = 0; i < w->seen_cap; i++)
            if (w->seen[i].ino) g[dir_slot(g, ncap, w->seen[i])] = w->seen[i];
        free(w->seen);
        w->seen = g;
        w->seen_cap = ncap;
    }
    w->seen[dir_slot(w->seen, w->seen_cap, d)] = d;
    w->nseen++;
    return 1;
}

static void walk_report(walker *w, const char *path, const char *reason)
{
    if (w->report) w->report(w->ctx, path, reason);
}

/* Append a copy of path; amortised doubling keeps 10,000 files linear. */
static int pathlist_add(wx_pathlist *list, const char *path)
{
    if (list->count == list->cap) {
        size_t ncap = list->cap ? list->cap * 2 : 16;
        char **n = realloc(list->paths, ncap * sizeof *n);
        if (!n) return -1;
        list->paths = n;
        list->cap = ncap;
    }
    char *copy = xstrdup(path);
    if (!copy) return -1;
    list->paths[list->count++] = copy;
    return 0;
}

void wx_pathlist_free(wx_pathlist *list)
{
    if (!list) return;
    for (size_t i = 0; i < list->count; i++) free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->count = list->cap = 0;
}

static char *path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    int slash = dl > 0 && dir[dl - 1] != '/';
    char *p = malloc(dl + slash + nl + 1);
    if (!p) return NULL;
    memcpy(p, dir, dl);
    if (slash) p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible names in a directory, sorted by bytes so output order does
 * not depend on the filesystem.  The directory is closed before the caller
 * descends, so deep trees do not pile up open descriptors.  Returns NULL
 * (reported) when the directory cannot be read; *count may then be 0. */
static char **read_names(walker *w, const char *path, size_t *count)
{
    *count = 0;
    DIR *d = opendir(path);
    if (!d) {
        walk_report(w, path, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno) walk_report(w, path, strerror(errno));
            break;
        }
        if (e->d_name[0] == '.') continue;         /* hidden, and "." ".." */
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **g = realloc(names, ncap * sizeof *g);
            if (!g) { w->oom = 1; break; }
            names = g;
            cap = ncap;
        }
        if (!(names[n] = xstrdup(e->d_name))) { w->oom = 1; break; }
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    if (!names) names = malloc(sizeof *names);   /* empty but readable: not NULL */
    if (!names) w->oom = 1;
    return names;
}

/* A browser's "Save as, complete" writes PAGE.html plus a PAGE_files/
 * folder of its images, scripts and frames; those are parts of the page,
 * not pages of their own, so the folder is skipped when its page sits
 * beside it.  names is sorted, so bsearch finds the sibling. */
static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_saved_assets(char **names, size_t count, const char *dir)
{
    size_t n = strlen(dir);
    if (n <= 6 || strcmp(dir + n - 6, "_files") != 0) return 0;
    static const char *const exts[] = {".html", ".htm", ".html.gz", ".htm.gz", NULL};
    for (int i = 0; exts[i]; i++) {
        char page[1024];
        if (n - 6 + strlen(exts[i]) >= sizeof page) return 0;
        snprintf(page, sizeof page, "%.*s%s", (int)(n - 6), dir, exts[i]);
        const char *key = page;
        if (bsearch(&key, names, count, sizeof *names, cmp_name)) return 1;
    }
    return 0;
}

/* Walk one directory depth-first in byte order.  (dev, ino) of every
 * directory on the way down is kept so a symlink back up is seen as a loop
 * (and reported) rather than followed forever; a directory reached again
 * by another route (a symlink to a directory walked already) is skipped
 * quietly: each real directory is walked once, by the first route in byte
 * order. */
static void walk_dir(walker *w, const char *path, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
            walk_report(w, path, "symlink loop, skipped");
            return;
        }
    int first = dir_first_visit(w, (dir_id){st->st_dev, st->st_ino});
    if (first < 0) { w->oom = 1; return; }
    if (!first) return;
    if (w->depth == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        dir_id *g = realloc(w->stack, ncap * sizeof *g);
        if (!g) { w->oom = 1; return; }
        w->stack = g;
        w->cap = ncap;
    }
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;

    size_t count = 0;
    char **names = read_names(w, path, &count);
    for (size_t i = 0; i < count && !w->oom; i++) {
        char *child = path_join(path, names[i]);
        struct stat cst;
        if (!child) { w->oom = 1; break; }
        if (stat(child, &cst) != 0) {
            walk_report(w, child, strerror(errno));
        } else if (S_ISDIR(cst.st_mode)) {
            if (!is_saved_assets(names, count, names[i])) walk_dir(w, child, &cst);
        } else if (S_ISREG(cst.st_mode)) {
            int err = 0;
            if (candidate(child, &err)) {
                if (pathlist_add(w->out, child) != 0) w->oom = 1;
            } else if (err) {
                walk_report(w, child, strerror(err));
            }
        }                                          /* FIFOs, sockets, devices: not pages */
        free(child);
    }
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
    w->depth--;
}

int wx_walk(const char *arg, wx_pathlist *out, wx_walk_report report, void *ctx)
{
    walker w = {.out = out, .report = report, .ctx = ctx};
    if (strcmp(arg, "-") == 0) {
        if (pathlist_add(out, arg) != 0) goto oom;
        return 0;
    }
    struct stat st;
    if (stat(arg, &st) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG) {
            walk_report(&w, arg, strerror(e));
            return -1;
        }
        /* It may exist but cannot be looked at (EACCES…): let the load
         * fail and give the input its error record. */
        if (pathlist_add(out, arg) != 0) goto oom;
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (pathlist_add(out, arg) != 0) goto oom;
        return 0;
    }
    walk_dir(&w, arg, &st);
    free(w.stack);
    free(w.seen);
    if (w.oom) goto oom;
    return 0;
oom:
    walk_report(&w, arg, "out of memory");
    return -1;
}
