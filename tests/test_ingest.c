/*
 * Unit tests for ingest/: loading (plain, gzip, MHTML, stdin, limits,
 * errors), the directory walk and the page-file test.  Every test builds
 * what it needs in its own mkdtemp directory under /tmp and removes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "../ingest/ingest.h"
#include "../ingest/fetch.h"
#include "../ingest/imagehdr.h"

/* printf 'hello\n' | sha256sum */
#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
/* printf '' | sha256sum */
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* ---------- fixtures ---------- */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/wxingest-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);   /* best effort: keep going */
    return 0;
}

static void rm_tree(char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_bytes(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
    char *p = path_in(dir, name);
    write_bytes(p, text, strlen(text));
    free(p);
}

/* A gzip file written with zlib's own gzip writer; mode "wb" or "ab"
 * ("ab" adds a second member: a concatenated gzip file). */
static void put_gz(const char *dir, const char *name, const char *text, const char *mode)
{
    char *p = path_in(dir, name);
    gzFile gz = gzopen(p, mode);
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)), (int)strlen(text));
    assert_int_equal(gzclose(gz), Z_OK);
    free(p);
}

/* gzip in memory; *outlen gets the size.  copies repeats of in are
 * compressed, so a large page costs only its compressed size. */
static unsigned char *gz_mem(const void *in, size_t len, size_t copies, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = len / 2 + 1024 * 1024, olen = 0;
    unsigned char *out = malloc(cap);
    assert_non_null(out);
    for (size_t c = 0; c <= copies; c++) {
        int flush = c == copies ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = (Bytef *)(c == copies ? (const void *)"" : in);
        zs.avail_in = c == copies ? 0 : (uInt)len;
        int rc;
        do {
            if (olen == cap) {
                cap *= 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            zs.next_out = out + olen;
            zs.avail_out = (uInt)(cap - olen);
            rc = deflate(&zs, flush);
            olen = cap - zs.avail_out;
        } while (zs.avail_in > 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    }
    deflateEnd(&zs);
    *outlen = olen;
    return out;
}

/* What the walk reported. */
typedef struct reports {
    int n;
    char path[32][512];
    char reason[32][128];
} reports;

static void collect(void *ctx, const char *path, const char *reason)
{
    reports *r = ctx;
    if (r->n < 32) {
        snprintf(r->path[r->n], sizeof r->path[0], "%s", path);
        snprintf(r->reason[r->n], sizeof r->reason[0], "%s", reason);
    }
    r->n++;
}

/* ---------- hashing and plain files ---------- */

static void test_sha256_known(void **state)
{
    (void)state;
    char hex[65];
    wx_sha256_hex("hello\n", 6, hex);
    assert_string_equal(hex, HELLO_SHA);
    wx_sha256_hex("", 0, hex);
    assert_string_equal(hex, EMPTY_SHA);
}

static void test_load_plain(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    put(dir, "page.html", "hello\n");
    char *p = path_in(dir, "page.html");
    wx_doc *doc = wx_doc_load(p);
    assert_non_null(doc);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_null(doc->error);
    assert_string_equal(doc->path, p);
    assert_int_equal(doc->len, 6);
    assert_memory_equal(doc->bytes, "hello\n", 6);
    assert_int_equal(doc->bytes[doc->len], '\0');
    assert_string_equal(doc->sha256, HELLO_SHA);
    assert_int_equal(doc->container, WX_CONTAINER_PLAIN);
    assert_null(doc->url);
    assert_null(doc->fetched_at);
    wx_doc_free(doc);

    /* An empty file is a document with no bytes, not an error. */
    put(dir, "empty.html", "");
    char *e = path_in(dir, "empty.html");
    doc = wx_doc_load(e);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_int_equal(doc->len, 0);
    assert_non_null(doc->bytes);
    assert_int_equal(doc->bytes[0], '\0');
    assert_string_equal(doc->sha256, EMPTY_SHA);
    wx_doc_free(doc);
    free(e);
    free(p);
    rm_tree(dir);
}

static void test_from_memory(void **state)
{
    (void)state;
    wx_doc *doc = wx_doc_from_memory("mem", "hello\nrest", 6);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal(doc->path, "mem");
    assert_int_equal(doc->len, 6);
    assert_string_equal((const char *)doc->bytes, "hello\n");   /* copied and NUL-terminated */
    assert_string_equal(doc->sha256, HELLO_SHA);
    wx_doc_free(doc);

    doc = wx_doc_from_memory(NULL, "", 0);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_null(doc->path);
    assert_string_equal(doc->sha256, EMPTY_SHA);
    wx_doc_free(doc);
    wx_doc_free(NULL);
}

/* ---------- gzip ---------- */

static void test_load_gzip(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    put_gz(dir, "page.html.gz", "hello\n", "wb");
    put_gz(dir, "renamed.html", "hello\n", "wb");        /* gzip found by magic, not by name */
    put_gz(dir, "two.gz", "hello\n", "wb");
    put_gz(dir, "two.gz", "world\n", "ab");              /* a second member */
    const char *names[] = {"page.html.gz", "renamed.html"};
    for (int i = 0; i < 2; i++) {
        char *p = path_in(dir, names[i]);
        wx_doc *doc = wx_doc_load(p);
        assert_int_equal(doc->status, WX_DOC_OK);
        assert_int_equal(doc->len, 6);
        assert_memory_equal(doc->bytes, "hello\n", 7);   /* with the NUL */
        assert_string_equal(doc->sha256, HELLO_SHA);
        assert_int_equal(doc->container, WX_CONTAINER_PLAIN);
        wx_doc_free(doc);
        free(p);
    }
    char *p = path_in(dir, "two.gz");
    wx_doc *doc = wx_doc_load(p);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal((const char *)doc->bytes, "hello\nworld\n");
    wx_doc_free(doc);
    free(p);

    /* The same from memory, trailing zero padding (tape, dd) ignored. */
    size_t gl;
    unsigned char *gz = gz_mem("hello\n", 6, 1, &gl);
    unsigned char *padded = calloc(1, gl + 16);
    memcpy(padded, gz, gl);
    doc = wx_doc_from_memory("mem.gz", padded, gl + 16);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal(doc->sha256, HELLO_SHA);
    wx_doc_free(doc);
    free(padded);
    free(gz);
    rm_tree(dir);
}

static void test_gzip_corrupt(void **state)
{
    (void)state;
    char text[4096];
    for (size_t i = 0; i < sizeof text; i++) text[i] = (char)('a' + (i * 7 + i / 13) % 26);
    size_t gl;
    unsigned char *gz = gz_mem(text, sizeof text, 1, &gl);

    unsigned char *bad = malloc(gl);
    memcpy(bad, gz, gl);
    for (size_t i = 12; i < gl - 8; i += 3) bad[i] ^= 0x5a;   /* wreck the deflate data */
    wx_doc *doc = wx_doc_from_memory("bad.gz", bad, gl);
    assert_int_equal(doc->status, WX_DOC_BAD_GZIP);
    assert_non_null(doc->error);
    assert_int_equal(doc->len, 0);
    assert_non_null(doc->bytes);
    wx_doc_free(doc);

    doc = wx_doc_from_memory("cut.gz", gz, gl - 10);             /* truncated */
    assert_int_equal(doc->status, WX_DOC_BAD_GZIP);
    assert_string_equal(doc->error, "truncated gzip data");
    wx_doc_free(doc);

    doc = wx_doc_from_memory("magic-only", "\x1f\x8b", 2);
    assert_int_equal(doc->status, WX_DOC_BAD_GZIP);
    wx_doc_free(doc);

    doc = wx_doc_from_memory("garbage", "\x1f\x8bnot gzip at all", 17);
    assert_int_equal(doc->status, WX_DOC_BAD_GZIP);
    wx_doc_free(doc);

    /* And from a file. */
    char *dir = make_tmpdir();
    char *p = path_in(dir, "page.html.gz");
    write_bytes(p, bad, gl);
    doc = wx_doc_load(p);
    assert_int_equal(doc->status, WX_DOC_BAD_GZIP);
    wx_doc_free(doc);
    free(p);
    rm_tree(dir);
    free(bad);
    free(gz);
}

/* ---------- limits ---------- */

static void test_too_large_sparse(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *p = path_in(dir, "huge.html");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)WX_MAX_DOC_BYTES + 1), 0);   /* sparse: no disk used */
    close(fd);
    wx_doc *doc = wx_doc_load(p);
    assert_int_equal(doc->status, WX_DOC_TOO_LARGE);
    assert_string_equal(doc->error, "file is 67108865 bytes, over the 67108864-byte limit");
    assert_int_equal(doc->len, 0);
    wx_doc_free(doc);
    free(p);
    rm_tree(dir);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    /* 65 MiB of zeros packs into about 65 KiB: the limit must hold while
     * inflating, not after. */
    static unsigned char zeros[1 << 20];
    size_t gl;
    unsigned char *gz = gz_mem(zeros, sizeof zeros, 65, &gl);
    assert_true(gl < WX_MAX_DOC_BYTES / 100);
    wx_doc *doc = wx_doc_from_memory("bomb.gz", gz, gl);
    assert_int_equal(doc->status, WX_DOC_TOO_LARGE);
    assert_non_null(strstr(doc->error, "67108864-byte limit"));
    wx_doc_free(doc);
    free(gz);
}

/* Load "-" with stdin replaced by the read end of a pipe. */
static wx_doc *load_stdin_from(int rfd)
{
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(rfd, STDIN_FILENO), STDIN_FILENO);
    close(rfd);
    wx_doc *doc = wx_doc_load("-");
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    return doc;
}

static void test_stdin(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "hello\n", 6), 6);
    close(fds[1]);
    wx_doc *doc = load_stdin_from(fds[0]);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal(doc->path, "-");
    assert_string_equal(doc->sha256, HELLO_SHA);
    wx_doc_free(doc);

    /* gzip through a pipe: found by its magic bytes. */
    size_t gl;
    unsigned char *gz = gz_mem("hello\n", 6, 1, &gl);
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], gz, gl), (ssize_t)gl);
    close(fds[1]);
    free(gz);
    doc = load_stdin_from(fds[0]);
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal(doc->sha256, HELLO_SHA);
    wx_doc_free(doc);
}

static void test_stdin_too_large(void **state)
{
    (void)state;
    /* A child writes without end; the reader must give up past the limit
     * instead of holding the stream whole. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static char chunk[1 << 16];
        close(fds[0]);
        memset(chunk, 'x', sizeof chunk);
        for (;;)
            if (write(fds[1], chunk, sizeof chunk) < 0) _exit(0);
    }
    close(fds[1]);
    wx_doc *doc = load_stdin_from(fds[0]);   /* closes the read end: the child dies of EPIPE */
    assert_int_equal(doc->status, WX_DOC_TOO_LARGE);
    assert_string_equal(doc->error, "input is over the 67108864-byte limit");
    wx_doc_free(doc);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* ---------- errors ---------- */

static void test_missing_and_dir(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *p = path_in(dir, "nope.html");
    wx_doc *doc = wx_doc_load(p);
    assert_non_null(doc);
    assert_int_equal(doc->status, WX_DOC_UNREADABLE);
    assert_string_equal(doc->error, "No such file or directory");
    assert_string_equal(doc->path, p);
    assert_string_equal(doc->sha256, "");
    assert_non_null(doc->bytes);
    wx_doc_free(doc);

    doc = wx_doc_load(dir);
    assert_int_equal(doc->status, WX_DOC_UNREADABLE);
    assert_string_equal(doc->error, "Is a directory");
    wx_doc_free(doc);
    free(p);
    rm_tree(dir);
}

static void test_unreadable_file(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    put(dir, "secret.html", "<html>\n");
    put(dir, "secret", "<html>\n");
    char *p = path_in(dir, "secret.html");
    char *q = path_in(dir, "secret");
    assert_int_equal(chmod(p, 0), 0);
    assert_int_equal(chmod(q, 0), 0);

    wx_doc *doc = wx_doc_load(p);
    reports r = {0};
    wx_pathlist list = {0};
    assert_int_equal(wx_walk(dir, &list, collect, &r), 0);
    if (geteuid() != 0) {
        assert_int_equal(doc->status, WX_DOC_UNREADABLE);
        assert_string_equal(doc->error, "Permission denied");
        /* The walk keeps secret.html by its name (its load then fails with
         * a record) and reports secret, which it could not sniff. */
        assert_int_equal(list.count, 1);
        assert_string_equal(list.paths[0], p);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.path[0], q);
        assert_string_equal(r.reason[0], "Permission denied");
    } else {
        /* root reads a mode-000 file anyway: nothing to assert about the
         * failure, only that both files are seen. */
        assert_int_equal(doc->status, WX_DOC_OK);
        assert_int_equal(list.count, 2);
        print_message("note: running as root, chmod 000 does not stop reads; permission assertions skipped\n");
    }
    wx_doc_free(doc);
    wx_pathlist_free(&list);
    free(p);
    free(q);
    rm_tree(dir);
}

/* ---------- MHTML ---------- */

/* Chrome's "Save as single file": Blink's headers, the page quoted-printable
 * with CRLF lines, then a resource part and the close delimiter. */
static const char blink_mhtml[] =
    "From: <Saved by Blink>\r\n"
    "Snapshot-Content-Location: https://mp.weixin.qq.com/s/abc\r\n"
    "Subject: =?utf-8?Q?=E6=A0=87=E9=A2=98?=\r\n"
    "Date: Fri, 15 Jan 2021 08:30:12 -0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/related; type=\"text/html\"; boundary=\"----MultipartBoundary--xyz----\"\r\n"
    "\r\n"
    "\r\n"
    "------MultipartBoundary--xyz----\r\n"
    "Content-Type: text/html\r\n"
    "Content-ID: <frame-1234@mhtml.blink>\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "Content-Location: https://mp.weixin.qq.com/s/abc\r\n"
    "\r\n"
    "<!DOCTYPE html>\r\n"
    "<html><head><meta charset=3D\"utf-8\"><title>=E4=B8=AD=E6=96=87</title></head>\r\n"
    "<body><div id=3D\"js_content\">a long line that =\r\n"
    "was soft-broken, a=3Db</div></body></html>\r\n"
    "\r\n"
    "------MultipartBoundary--xyz----\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Location: https://mmbiz.qpic.cn/x.png\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "\r\n"
    "------MultipartBoundary--xyz------\r\n";

static const char blink_html[] =
    "<!DOCTYPE html>\r\n"
    "<html><head><meta charset=\"utf-8\"><title>\xE4\xB8\xAD\xE6\x96\x87</title></head>\r\n"
    "<body><div id=\"js_content\">a long line that was soft-broken, a=b</div></body></html>\r\n";

static void check_blink(wx_doc *doc)
{
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_int_equal(doc->container, WX_CONTAINER_MHTML);
    assert_string_equal(doc->url, "https://mp.weixin.qq.com/s/abc");
    assert_string_equal(doc->fetched_at, "2021-01-15T08:30:12Z");   /* its Date header */
    assert_int_equal(doc->len, strlen(blink_html));
    assert_string_equal((const char *)doc->bytes, blink_html);
    char hex[65];
    wx_sha256_hex(blink_html, strlen(blink_html), hex);
    assert_string_equal(doc->sha256, hex);   /* the hash is of the page, not the file */
}

static void test_mhtml_blink(void **state)
{
    (void)state;
    wx_doc *doc = wx_doc_from_memory("saved.mhtml", blink_mhtml, strlen(blink_mhtml));
    check_blink(doc);
    wx_doc_free(doc);

    /* Found by content whatever the name, also inside gzip. */
    char *dir = make_tmpdir();
    put(dir, "saved.bin", blink_mhtml);
    put_gz(dir, "saved", blink_mhtml, "wb");
    char *p = path_in(dir, "saved.bin");
    doc = wx_doc_load(p);
    check_blink(doc);
    wx_doc_free(doc);
    free(p);
    p = path_in(dir, "saved");
    doc = wx_doc_load(p);
    check_blink(doc);
    wx_doc_free(doc);
    free(p);
    rm_tree(dir);
}

/* Build an MHTML file (LF lines) around one part's headers and body. */
static char *mhtml_with(const char *top, const char *parts)
{
    size_t n = strlen(top) + strlen(parts) + 64;
    char *m = malloc(n);
    assert_non_null(m);
    snprintf(m, n, "%s\n%s", top, parts);
    return m;
}

static void test_mhtml_quoted_printable(void **state)
{
    (void)state;
    /* LF lines, folded and oddly cased headers, a CSS part before the page,
     * no Content-Location on the page: the snapshot location is used. */
    const char *top =
        "from: <Saved by Blink>\n"
        "snapshot-content-location: https://mp.weixin.qq.com/s/snap\n"
        "Mime-Version: 1.0\n"
        "CONTENT-TYPE: Multipart/Related;\n"
        "\ttype=\"text/html\";\n"
        "  boundary=\"b1\"\n";
    const char *parts =
        "--b1\n"
        "Content-Type: text/css\n"
        "\n"
        "body{}\n"
        "--b1\n"
        "content-type: TEXT/HTML; charset=utf-8\n"
        "Content-Transfer-Encoding: Quoted-Printable\n"
        "\n"
        "soft=\n"
        "break and crlf=\r\n"
        "break, =3D =3d =E4=B8=AD =\n"
        "trailing spaces go   \n"
        "kept=20\n"
        "stray = and =ZZ stay\n"
        "pad after soft =  \n"
        "end\n"
        "--b1--\n";
    char *m = mhtml_with(top, parts);
    wx_doc *doc = wx_doc_from_memory("qp.mht", m, strlen(m));
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_int_equal(doc->container, WX_CONTAINER_MHTML);
    assert_string_equal(doc->url, "https://mp.weixin.qq.com/s/snap");
    assert_string_equal((const char *)doc->bytes,
                        "softbreak and crlfbreak, = = \xE4\xB8\xAD trailing spaces go\n"
                        "kept \n"
                        "stray = and =ZZ stay\n"
                        "pad after soft end");
    wx_doc_free(doc);
    free(m);

    /* No Snapshot-Content-Location either: the top-level Content-Location. */
    const char *top2 =
        "MIME-Version: 1.0\n"
        "Content-Location: https://example.com/top\n"
        "Content-Type: multipart/related; boundary=b2\n";
    const char *parts2 =
        "--b2\n"
        "Content-Type: text/html\n"
        "\n"
        "<p>x</p>\n"
        "--b2--\n";
    m = mhtml_with(top2, parts2);
    doc = wx_doc_from_memory("cl.mht", m, strlen(m));
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal(doc->url, "https://example.com/top");
    assert_string_equal((const char *)doc->bytes, "<p>x</p>");
    wx_doc_free(doc);
    free(m);
}

static void test_mhtml_base64(void **state)
{
    (void)state;
    /* base64 of "<html><body>中文 base64 page, long enough to wrap the lines</body></html>\n"
     * (printf ... | base64 -w 40) */
    const char *top =
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/related; boundary=\"=_x\"\r\n";
    const char *parts =
        "--=_x\r\n"
        "Content-Type: text/html\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Location: https://mp.weixin.qq.com/s/b64\r\n"
        "\r\n"
        "PGh0bWw+PGJvZHk+5Lit5paHIGJhc2U2NCBwYWdl\r\n"
        "LCBsb25nIGVub3VnaCB0byB3cmFwIHRoZSBsaW5l\r\n"
        "czwvYm9keT48L2h0bWw+Cg==\r\n"
        "--=_x--\r\n";
    char *m = mhtml_with(top, parts);
    wx_doc *doc = wx_doc_from_memory("b64.mht", m, strlen(m));
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_string_equal(doc->url, "https://mp.weixin.qq.com/s/b64");
    assert_string_equal((const char *)doc->bytes,
                        "<html><body>\xE4\xB8\xAD\xE6\x96\x87 base64 page, long enough to wrap the lines</body></html>\n");
    wx_doc_free(doc);
    free(m);

    const char *bad =
        "--=_x\r\n"
        "Content-Type: text/html\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "PGh0b!!!notbase64***\r\n"
        "--=_x--\r\n";
    m = mhtml_with(top, bad);
    doc = wx_doc_from_memory("bad64.mht", m, strlen(m));
    assert_int_equal(doc->status, WX_DOC_BAD_MHTML);
    assert_non_null(doc->error);
    wx_doc_free(doc);
    free(m);
}

static void test_mhtml_bad(void **state)
{
    (void)state;
    const char *top =
        "Snapshot-Content-Location: https://mp.weixin.qq.com/s/none\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/related; boundary=\"b\"\n";
    const char *parts =
        "--b\n"
        "Content-Type: image/png\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "iVBORw0KGgo=\n"
        "--b--\n";
    char *m = mhtml_with(top, parts);
    wx_doc *doc = wx_doc_from_memory("noparts.mht", m, strlen(m));
    assert_int_equal(doc->status, WX_DOC_BAD_MHTML);
    assert_string_equal(doc->error, "MHTML without a text/html part");
    assert_string_equal(doc->url, "https://mp.weixin.qq.com/s/none");   /* still worth keeping */
    assert_int_equal(doc->len, 0);
    wx_doc_free(doc);
    free(m);

    /* A boundary that never occurs, and no boundary at all. */
    m = mhtml_with(top, "--other\nContent-Type: text/html\n\n<p>x</p>\n");
    doc = wx_doc_from_memory("wrong.mht", m, strlen(m));
    assert_int_equal(doc->status, WX_DOC_BAD_MHTML);
    wx_doc_free(doc);
    free(m);
    const char *nob = "MIME-Version: 1.0\nContent-Type: multipart/related\n\n--b\n";
    doc = wx_doc_from_memory("nob.mht", nob, strlen(nob));
    assert_int_equal(doc->status, WX_DOC_BAD_MHTML);
    wx_doc_free(doc);

    /* Not MHTML at all: an HTML page that merely mentions the headers. */
    const char *html = "<html>MIME-Version: 1.0\nContent-Type: multipart/related; boundary=b\n\n--b\n</html>";
    doc = wx_doc_from_memory("page.html", html, strlen(html));
    assert_int_equal(doc->status, WX_DOC_OK);
    assert_int_equal(doc->container, WX_CONTAINER_PLAIN);
    assert_int_equal(doc->len, strlen(html));
    wx_doc_free(doc);
}

/* The real saves in the shared corpus and the repository's samples; they
 * are not everywhere, so each one missing is a note, not a failure. */
static void test_real_mhtml(void **state)
{
    (void)state;
    static const char *const files[] = {
        "/work/shared/corpus/article-2018-webkit.mhtml",
        "samples/article-2018-webkit.mhtml.gz",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (access(files[i], R_OK) != 0) {
            print_message("note: %s not found, skipped\n", files[i]);
            continue;
        }
        wx_doc *doc = wx_doc_load(files[i]);
        assert_int_equal(doc->status, WX_DOC_OK);
        assert_int_equal(doc->container, WX_CONTAINER_MHTML);
        assert_non_null(doc->url);
        assert_true(strncmp(doc->url, "https://mp.weixin.qq.com/s?__biz=MzI5MTQxOTI0Mw==&mid=2247484408", 63) == 0);
        /* Date: Sat, 7 Dec 2018 21:40:15 +0800 */
        assert_non_null(doc->fetched_at);
        assert_string_equal(doc->fetched_at, "2018-12-07T13:40:15Z");
        assert_true(strncmp((const char *)doc->bytes, "<html><head><meta charset=\"UTF-8\">", 34) == 0);
        assert_non_null(strstr((const char *)doc->bytes, "<title>\xE5\x86\x9B\xE6\xB8\xA1\xE5\x90\x9B</title>"));
        assert_null(strstr((const char *)doc->bytes, "=3D"));
        /* Python's email package decodes the same part to these bytes. */
        assert_int_equal(doc->len, 398084);
        assert_string_equal(doc->sha256, "fa2798d14490dc80c4c5c4d9480454c4eaa3519f1c9c3631ae4a980a8c6f68f9");
        wx_doc_free(doc);
    }
}

/* The save time comes from the MHTML Date header in any form mail and HTTP
 * dates take (curl_getdate); no date, or one outside 1990-2100, is none. */
static void test_mhtml_date_forms(void **state)
{
    (void)state;
    static const struct { const char *date, *want; } cases[] = {
        {"Sat, 7 Dec 2018 21:40:15 +0800", "2018-12-07T13:40:15Z"},
        {"Sat, 07 Dec 2018 13:40:15 GMT", "2018-12-07T13:40:15Z"},
        {"7 Dec 2018 21:40:15 +0800 (CST)", "2018-12-07T13:40:15Z"},
        {"Saturday, 07-Dec-18 13:40:15 GMT", "2018-12-07T13:40:15Z"},
        {"Fri, 15 Jan 2021 08:30:12 -0000", "2021-01-15T08:30:12Z"},
        {"not a date", NULL},
        {"Mon, 1 Jan 1900 00:00:00 GMT", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char page[1024];
        int n = snprintf(page, sizeof page,
                         "From: <Saved by Blink>\r\nDate: %s\r\nMIME-Version: 1.0\r\n"
                         "Content-Type: multipart/related; type=\"text/html\"; boundary=\"b\"\r\n\r\n"
                         "--b\r\nContent-Type: text/html\r\nContent-Location: https://mp.weixin.qq.com/s/abc\r\n\r\n"
                         "<html><body>x</body></html>\r\n--b--\r\n", cases[i].date);
        wx_doc *doc = wx_doc_from_memory("t.mhtml", page, (size_t)n);
        assert_int_equal(doc->status, WX_DOC_OK);
        assert_int_equal(doc->container, WX_CONTAINER_MHTML);
        if (cases[i].want) {
            assert_non_null(doc->fetched_at);
            assert_string_equal(doc->fetched_at, cases[i].want);
        } else {
            assert_null(doc->fetched_at);
        }
        wx_doc_free(doc);
    }
}

/* ---------- which files are pages ---------- */

static void test_is_candidate(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    static const struct { const char *name, *content; int want; } cases[] = {
        {"a.html", "anything", 1},
        {"a.HTM", "", 1},
        {"a.mht", "", 1},
        {"a.MHTML", "", 1},
        {"a.shtml", "", 1},
        {"a.xhtml", "", 1},
        {"a.html.gz", "not even gzip", 1},
        {"a.HTML.GZ", "", 1},
        {"a.jpg", "<html>", 0},
        {"a.css", "<html>", 0},
        {"a.js", "<script>", 0},
        {"a.png", "\x89PNG\r\n", 0},
        {"noext-doctype", "\xEF\xBB\xBF \n\t<!DOCTYPE html><html>", 1},
        {"noext-html", "<HTML>", 1},
        {"noext-head", "<head>", 1},
        {"noext-meta", "  <meta charset=utf-8>", 1},
        {"noext-comment", "<!-- saved from url=(0052)https://mp.weixin.qq.com/ -->", 1},
        {"noext-body", "<body>", 1},
        {"noext-div", "<div id=js_content>", 1},
        {"noext-script", "<script>var x;</script>", 1},
        {"noext-title", "<title>t</title>", 1},
        {"noext-late-html", "some preamble\nthen <html lang=zh>", 1},
        {"noext-mhtml", "From: <Saved by Blink>\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=b\n\n--b\n", 1},
        {"noext-text", "just some words\n", 0},
        {"noext-binary", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 0},
        {"noext-xml", "<?xml version=\"1.0\"?><svg/>", 0},
        {"notes.md", "\n\n# A title\n\ntext", 1},
        {"front.markdown", "---\ntitle: x\n---\n", 1},
        {"crlf.md", "---\r\ntitle: x\r\n---\r\n", 1},
        {"plain.md", "no heading here\n# later\n", 0},
        {"hash.txt", "#nospace\n", 0},
        {"page.txt", "<!doctype html>", 1},
        {"dotted.name.bak", "<html>", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *p = path_in(dir, cases[i].name);
        write_bytes(p, cases[i].content, strlen(cases[i].content));
        if (wx_path_is_candidate(p) != cases[i].want) print_error("case %s\n", cases[i].name);
        assert_int_equal(wx_path_is_candidate(p), cases[i].want);
        free(p);
    }
    /* Extensionless gzip is sniffed inflated; a binary with NULs is not a page. */
    put_gz(dir, "gzipped", "<!doctype html><p>x</p>", "wb");
    char *p = path_in(dir, "gzipped");
    assert_int_equal(wx_path_is_candidate(p), 1);
    free(p);
    static const unsigned char blob[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    p = path_in(dir, "elf");
    write_bytes(p, blob, sizeof blob);
    assert_int_equal(wx_path_is_candidate(p), 0);
    free(p);
    p = path_in(dir, "missing");
    assert_int_equal(wx_path_is_candidate(p), 0);
    free(p);
    rm_tree(dir);
}

/* ---------- the walk ---------- */

static void mk(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
}

static void test_walk_tree(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    mk(dir, "a");
    mk(dir, "a/y");
    mk(dir, "page_files");
    mk(dir, ".git");
    put(dir, "A.HTML", "<html>");
    put(dir, "a/z.htm", "<html>");
    put(dir, "a/y/x.mhtml", "x");
    put(dir, "a-b.html", "<html>");                 /* '-' < '/', yet a/ comes first */
    put(dir, "b.html", "<html>");
    put(dir, "blob", "\x89PNG\r\n\x1a\n");
    put_gz(dir, "c.html.gz", "<html>", "wb");
    put_gz(dir, "d", "<!doctype html><html>", "wb");
    put(dir, "front.markdown", "---\ntitle: t\n---\n");
    put(dir, "img.jpg", "\xff\xd8\xff\xe0");
    put(dir, "notes.md", "# Title\n");
    put(dir, "page", "\xEF\xBB\xBF  <!DOCTYPE html>\n<html>");
    put(dir, "page_files/style.css", "body{}");
    put(dir, "page_files/pic.png", "\x89PNG");
    put(dir, "readme.txt", "just text\n");
    put(dir, "snapshot", blink_mhtml);
    put(dir, "style.CSS", "<html>");
    put(dir, ".hidden.html", "<html>");
    put(dir, ".git/HEAD.html", "<html>");
    char *fifo = path_in(dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0644), 0);        /* must not hang the walk */
    free(fifo);

    static const char *const want[] = {"A.HTML", "a/y/x.mhtml", "a/z.htm", "a-b.html", "b.html",
                                       "c.html.gz", "d", "front.markdown", "notes.md", "page",
                                       "snapshot"};
    size_t nwant = sizeof want / sizeof want[0];
    reports r = {0};
    wx_pathlist list = {0};
    assert_int_equal(wx_walk(dir, &list, collect, &r), 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(list.count, nwant);
    for (size_t i = 0; i < nwant; i++) {
        char *p = path_in(dir, want[i]);
        assert_string_equal(list.paths[i], p);
        free(p);
    }

    /* A trailing slash on the argument does not double the separator; the
     * list is appended to, not replaced. */
    size_t dl = strlen(dir);
    char *slash = malloc(dl + 2);
    memcpy(slash, dir, dl);
    memcpy(slash + dl, "/", 2);
    assert_int_equal(wx_walk(slash, &list, collect, &r), 0);
    assert_int_equal(list.count, 2 * nwant);
    char *first = path_in(dir, "A.HTML");
    assert_string_equal(list.paths[nwant], first);
    free(first);
    free(slash);

    /* Files named on the command line are taken whatever their name. */
    char *jpg = path_in(dir, "img.jpg");
    char *hid = path_in(dir, ".hidden.html");
    assert_int_equal(wx_walk(jpg, &list, collect, &r), 0);
    assert_int_equal(wx_walk(hid, &list, collect, &r), 0);
    assert_int_equal(wx_walk("-", &list, collect, &r), 0);
    assert_string_equal(list.paths[2 * nwant], jpg);
    assert_string_equal(list.paths[2 * nwant + 1], hid);
    assert_string_equal(list.paths[2 * nwant + 2], "-");
    assert_int_equal(list.count, 2 * nwant + 3);
    assert_int_equal(r.n, 0);
    free(jpg);
    free(hid);
    wx_pathlist_free(&list);
    assert_null(list.paths);
    assert_int_equal(list.count, 0);
    rm_tree(dir);
}

static void test_walk_symlinks(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    mk(dir, "sub");
    put(dir, "q.html", "<html>");
    put(dir, "sub/p.html", "<html>");
    char *up = path_in(dir, "sub/up");
    char *self = path_in(dir, "sub/self");
    char *dangling = path_in(dir, "sub/zz.html");
    char *flink = path_in(dir, "sub/link.html");
    assert_int_equal(symlink("..", up), 0);          /* back to the root: a loop */
    assert_int_equal(symlink(".", self), 0);         /* to itself: a loop */
    assert_int_equal(symlink("gone.html", dangling), 0);
    assert_int_equal(symlink("p.html", flink), 0);   /* to a file: followed */

    reports r = {0};
    wx_pathlist list = {0};
    assert_int_equal(wx_walk(dir, &list, collect, &r), 0);
    char *q = path_in(dir, "q.html");
    char *p = path_in(dir, "sub/p.html");
    assert_int_equal(list.count, 3);
    assert_string_equal(list.paths[0], q);
    assert_string_equal(list.paths[1], flink);
    assert_string_equal(list.paths[2], p);
    assert_int_equal(r.n, 3);                        /* self, up, zz.html in byte order */
    assert_string_equal(r.path[0], self);
    assert_string_equal(r.reason[0], "symlink loop, skipped");
    assert_string_equal(r.path[1], up);
    assert_string_equal(r.reason[1], "symlink loop, skipped");
    assert_string_equal(r.path[2], dangling);
    assert_string_equal(r.reason[2], "No such file or directory");
    wx_pathlist_free(&list);

    /* Starting from the symlinked directory works the same way. */
    memset(&r, 0, sizeof r);
    assert_int_equal(wx_walk(up, &list, collect, &r), 0);
    assert_int_equal(list.count, 3);
    assert_int_equal(r.n, 3);
    wx_pathlist_free(&list);

    free(q);
    free(p);
    free(up);
    free(self);
    free(dangling);
    free(flink);
    rm_tree(dir);
}

static void test_walk_missing(void **state)
{
    (void)state;
    reports r = {0};
    wx_pathlist list = {0};
    assert_int_equal(wx_walk("/nonexistent/wxingest/path", &list, collect, &r), -1);
    assert_int_equal(list.count, 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.path[0], "/nonexistent/wxingest/path");
    assert_string_equal(r.reason[0], "No such file or directory");
    assert_int_equal(wx_walk("/nonexistent", &list, NULL, NULL), -1);   /* no reporter: fine */
    wx_pathlist_free(&list);
}

static void test_walk_unreadable_dir(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    mk(dir, "closed");
    mk(dir, "open");
    put(dir, "closed/x.html", "<html>");
    put(dir, "open/y.html", "<html>");
    char *closed = path_in(dir, "closed");
    assert_int_equal(chmod(closed, 0), 0);
    reports r = {0};
    wx_pathlist list = {0};
    assert_int_equal(wx_walk(dir, &list, collect, &r), 0);
    char *y = path_in(dir, "open/y.html");
    if (geteuid() != 0) {
        assert_int_equal(r.n, 1);
        assert_string_equal(r.path[0], closed);
        assert_string_equal(r.reason[0], "Permission denied");
        assert_int_equal(list.count, 1);
        assert_string_equal(list.paths[0], y);       /* the walk went on */
    } else {
        /* root reads a mode-000 directory: both files are found. */
        assert_int_equal(list.count, 2);
        assert_string_equal(list.paths[1], y);
    }
    assert_int_equal(chmod(closed, 0755), 0);
    wx_pathlist_free(&list);
    free(y);
    free(closed);
    rm_tree(dir);
}

static void test_walk_many(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char name[32];
    for (int i = 9999; i >= 0; i--) {               /* created backwards: order is ours */
        snprintf(name, sizeof name, "f%05d.html", i);
        char *p = path_in(dir, name);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_true(fd >= 0);
        close(fd);
        free(p);
    }
    reports r = {0};
    wx_pathlist list = {0};
    assert_int_equal(wx_walk(dir, &list, collect, &r), 0);
    assert_int_equal(list.count, 10000);
    assert_int_equal(r.n, 0);
    for (size_t i = 1; i < list.count; i++) assert_true(strcmp(list.paths[i - 1], list.paths[i]) < 0);
    wx_pathlist_free(&list);
    rm_tree(dir);
}

/* ---------- the fetcher's store, in batches ---------- */

/* A batch goes in whole where it can, and each entry that cannot gets its
 * own error: a bad object name, an index line whose object is missing.
 * What went in is there after the store is opened again. */
static void test_store_batches(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *err = NULL;
    wx_store *st = wx_store_open(dir, &err);
    assert_non_null(st);
    const char *a = "<html>a</html>", *b = "<html>b</html>";
    char sa[65], sb[65];
    wx_sha256_hex(a, strlen(a), sa);
    wx_sha256_hex(b, strlen(b), sb);
    wx_store_object objs[] = {{a, strlen(a), sa, NULL}, {b, strlen(b), sb, NULL}, {a, strlen(a), sa, NULL},
                              {b, strlen(b), "../x", NULL}};
    char *errs[4];
    assert_int_equal(wx_store_put_objects(st, objs, 4, errs), -1);
    assert_null(errs[0]);
    assert_null(errs[1]);
    assert_null(errs[2]);                  /* the same object twice in a batch */
    assert_non_null(errs[3]);              /* never a path from a bad name */
    free(errs[3]);
    assert_true(wx_store_has_object(st, sa));
    assert_true(wx_store_has_object(st, sb));

    char missing[65];
    memset(missing, 'c', 64);
    missing[64] = '\0';
    wx_fetch_rec recs[3];
    memset(recs, 0, sizeof recs);
    const char *urls[] = {"https://mp.weixin.qq.com/s/a", "https://mp.weixin.qq.com/s/b", "https://mp.weixin.qq.com/s/c"};
    const char *shas[] = {sa, sb, missing};
    for (int i = 0; i < 3; i++) {
        recs[i].url = (char *)urls[i];
        recs[i].fetched_at = (char *)"2026-11-25T12:00:00Z";
        recs[i].http_status = 200;
        recs[i].bytes = 14;
        memcpy(recs[i].sha256, shas[i], 65);
    }
    char *ierrs[3];
    assert_int_equal(wx_store_append_batch(st, recs, 3, ierrs), -1);
    assert_null(ierrs[0]);
    assert_null(ierrs[1]);
    assert_non_null(ierrs[2]);             /* its object is missing: no line */
    assert_non_null(strstr(ierrs[2], "missing"));
    free(ierrs[2]);
    wx_store_close(st);

    st = wx_store_open(dir, &err);
    assert_non_null(st);
    const wx_fetch_rec *ra = wx_store_latest(st, urls[0]), *rb = wx_store_latest(st, urls[1]);
    assert_non_null(ra);
    assert_non_null(rb);
    assert_string_equal(ra->sha256, sa);
    assert_string_equal(rb->sha256, sb);
    assert_null(wx_store_latest(st, urls[2]));
    char *tmp = path_in(dir, "tmp");
    DIR *d = opendir(tmp);
    assert_non_null(d);
    int left = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.') left++;
    closedir(d);
    assert_int_equal(left, 0);             /* nothing left behind in tmp/ */
    free(tmp);
    wx_store_close(st);
    rm_tree(dir);
}

/* The index remembers a few earlier copies of a URL, newest first, each
 * once, never the latest's own bytes, at most WX_STORE_EARLIER; after the
 * store is opened again too (they are read from the index). */
static void test_store_earlier(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    char *err = NULL;
    wx_store *st = wx_store_open(dir, &err);
    assert_non_null(st);
    enum { N = 7 };
    char sha[N][65], body[N][32];
    wx_store_object objs[N];
    for (int i = 0; i < N; i++) {
        snprintf(body[i], sizeof body[i], "<html>%d</html>", i);
        wx_sha256_hex(body[i], strlen(body[i]), sha[i]);
        objs[i] = (wx_store_object){body[i], strlen(body[i]), sha[i], NULL};
    }
    char *errs[N];
    assert_int_equal(wx_store_put_objects(st, objs, N, errs), 0);
    const char *url = "https://mp.weixin.qq.com/s/e";
    /* live 0, live 1 (deleted), wayback 2, live 1 again, wayback 2 again */
    const int order[] = {0, 1, 2, 1, 2};
    for (size_t k = 0; k < sizeof order / sizeof *order; k++) {
        wx_fetch_rec r = {.url = (char *)url, .fetched_at = (char *)"2026-11-25T12:00:00Z", .http_status = 200,
                          .via = (char *)(order[k] == 2 ? "wayback" : "live"), .bytes = 14};
        memcpy(r.sha256, sha[order[k]], 65);
        char *e1 = NULL;
        assert_int_equal(wx_store_append_batch(st, &r, 1, &e1), 0);
    }
    for (int pass = 0; pass < 2; pass++) {
        const wx_store_copy *c;
        assert_string_equal(wx_store_latest(st, url)->sha256, sha[2]);
        assert_int_equal(wx_store_earlier(st, url, &c), 2);
        assert_string_equal(c[0].sha256, sha[1]);
        assert_false(c[0].wayback);
        assert_string_equal(c[1].sha256, sha[0]);
        wx_store_close(st);
        st = wx_store_open(dir, &err);
        assert_non_null(st);
    }
    for (int i = 3; i < N; i++) {          /* four more copies: the oldest fall off */
        wx_fetch_rec r = {.url = (char *)url, .fetched_at = (char *)"2026-11-26T12:00:00Z", .http_status = 200,
                          .via = (char *)"live", .bytes = 14};
        memcpy(r.sha256, sha[i], 65);
        char *e1 = NULL;
        assert_int_equal(wx_store_append_batch(st, &r, 1, &e1), 0);
    }
    const wx_store_copy *c;
    assert_int_equal(wx_store_earlier(st, url, &c), WX_STORE_EARLIER);
    assert_string_equal(c[0].sha256, sha[5]);
    assert_string_equal(c[1].sha256, sha[4]);
    assert_string_equal(c[2].sha256, sha[3]);
    assert_string_equal(c[3].sha256, sha[2]);
    assert_true(c[3].wayback);
    assert_int_equal(wx_store_earlier(st, "https://mp.weixin.qq.com/s/none", &c), 0);
    wx_store_close(st);
    rm_tree(dir);
}

/* Image formats come from the bytes; sizes from the header, and a cut-off
 * or foreign header gives no size rather than a wrong one. */
static void test_image_header(void **state)
{
    (void)state;
    long w = 0, h = 0;
    /* a JPEG: SOI, an APP0 segment, then SOF0 with height 30, width 40 */
    static const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B,
                                        0x08, 0x00, 0x1E, 0x00, 0x28, 0x01, 0x01, 0x11, 0x00};
    assert_string_equal(wx_image_sniff(jpg, sizeof jpg), "jpeg");
    assert_int_equal(wx_image_size(jpg, sizeof jpg, &w, &h), 0);
    assert_int_equal(w, 40);
    assert_int_equal(h, 30);
    assert_int_equal(wx_image_size(jpg, 12, &w, &h), -1);            /* cut before the frame */
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                        0, 0, 0x01, 0x02, 0, 0, 0, 0x07};
    assert_int_equal(wx_image_size(png, sizeof png, &w, &h), 0);
    assert_int_equal(w, 258);
    assert_int_equal(h, 7);
    assert_string_equal(wx_image_sniff("GIF89a\x11\x00\x09\x00", 10), "gif");
    assert_int_equal(wx_image_size("GIF89a\x11\x00\x09\x00", 10, &w, &h), 0);
    assert_int_equal(w, 17);
    assert_int_equal(h, 9);
    const char *svg = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- x -->\n<!DOCTYPE svg>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    assert_string_equal(wx_image_sniff(svg, strlen(svg)), "svg");
    assert_int_equal(wx_image_size(svg, strlen(svg), &w, &h), -1);  /* a vector image: no pixel size */
    const char *html = "<!DOCTYPE html><html><body><svg></svg></body></html>";
    assert_null(wx_image_sniff(html, strlen(html)));
    assert_null(wx_image_sniff("", 0));
    assert_null(wx_image_sniff("RIFF\x04\x00\x00\x00WAVE", 12));
    assert_string_equal(wx_image_ext("jpeg"), "jpg");
    assert_string_equal(wx_image_ext("bmp"), "bin");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known),
        cmocka_unit_test(test_store_batches),
        cmocka_unit_test(test_store_earlier),
        cmocka_unit_test(test_load_plain),
        cmocka_unit_test(test_from_memory),
        cmocka_unit_test(test_load_gzip),
        cmocka_unit_test(test_gzip_corrupt),
        cmocka_unit_test(test_too_large_sparse),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_stdin_too_large),
        cmocka_unit_test(test_missing_and_dir),
        cmocka_unit_test(test_unreadable_file),
        cmocka_unit_test(test_mhtml_blink),
        cmocka_unit_test(test_mhtml_quoted_printable),
        cmocka_unit_test(test_mhtml_base64),
        cmocka_unit_test(test_mhtml_bad),
        cmocka_unit_test(test_real_mhtml),
        cmocka_unit_test(test_is_candidate),
        cmocka_unit_test(test_mhtml_date_forms),
        cmocka_unit_test(test_walk_tree),
        cmocka_unit_test(test_walk_symlinks),
        cmocka_unit_test(test_image_header),
        cmocka_unit_test(test_walk_missing),
        cmocka_unit_test(test_walk_unreadable_dir),
        cmocka_unit_test(test_walk_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
