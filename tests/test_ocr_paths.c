/*
 * parse --ocr opens image files a page names, so the one thing it must
 * never do is open a file outside the page's NAME_files/ folder
 * (wx_ocr_local_path); and image bytes that are not an image, or are cut
 * short, must give a "failed" or "skipped" result, never a crash
 * (wx_ocr_bytes answers those before tesseract is involved).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../output/ocr_images.h"
#include "../parse/ocr.h"

static char root[256];

static void touch(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/wx-ocr-paths-XXXXXX");
    if (!mkdtemp(root)) return -1;
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/pages", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/pages/页面_files", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/pages/页面_files/sub", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/secret_files", root);
    mkdir(p, 0755);
    touch("pages/页面_files/640.jpeg");
    touch("pages/页面_files/sub/a.png");
    touch("pages/notes.txt");
    touch("secret_files/640.jpeg");
    /* a link inside the folder to a file outside, and a folder that is a link */
    snprintf(p, sizeof p, "%s/secret_files/640.jpeg", root);
    snprintf(q, sizeof q, "%s/pages/页面_files/link.jpeg", root);
    if (symlink(p, q) != 0) return -1;
    snprintf(p, sizeof p, "%s/secret_files", root);
    snprintf(q, sizeof q, "%s/pages/other_files", root);
    return symlink(p, q);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* The resolved path, or NULL; the caller frees. */
static char *resolve(const char *local)
{
    char page[512];
    snprintf(page, sizeof page, "%s/pages/page.html", root);
    return wx_ocr_local_path(page, local);
}

static void test_inside_folder(void **state)
{
    (void)state;
    const char *ok[] = {"%E9%A1%B5%E9%9D%A2_files/640.jpeg", "页面_files/640.jpeg", "./页面_files/640.jpeg",
                        "页面_files/sub/a.png"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *p = resolve(ok[i]);
        assert_non_null(p);
        assert_non_null(strstr(p, "/pages/页面_files/"));
        free(p);
    }
}

static void test_outside_refused(void **state)
{
    (void)state;
    const char *bad[] = {"../secret_files/640.jpeg", "页面_files/../notes.txt", "页面_files/../../secret_files/640.jpeg",
                         "/etc/passwd", "notes.txt", "页面_files/link.jpeg", "other_files/640.jpeg",
                         "页面_files/%2e%2e/notes.txt", "页面_files/640.jpeg%00.png", "页面_files/", "_files/x",
                         "页面_files//640.jpeg", "页面_files/missing.jpeg", "页面_files/sub"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *p = resolve(bad[i]);
        if (p) fail_msg("%s resolved to %s", bad[i], p);
    }
    assert_null(wx_ocr_local_path("-", "页面_files/640.jpeg"));
    assert_null(wx_ocr_local_path(NULL, "页面_files/640.jpeg"));
}

static void test_bad_bytes(void **state)
{
    (void)state;
    static const unsigned char gif_hdr[] = "GIF89a\x10\x00\x10\x00\x80\x00\x00";
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)(i * 2654435761u >> 13);
    wx_ocr_result r = wx_ocr_bytes(junk, sizeof junk);
    assert_int_equal(r.status, WX_OCR_FAILED);
    assert_null(r.text);
    r = wx_ocr_bytes(gif_hdr, sizeof gif_hdr - 1);
    assert_int_not_equal(r.status, WX_OCR_READ);
    r = wx_ocr_bytes(NULL, 0);
    assert_int_not_equal(r.status, WX_OCR_READ);
    /* a JPEG cut after its header: no engine is loaded here, so nothing
     * may reach tesseract; the answer is failed or skipped */
    static const unsigned char jpeg_start[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0};
    r = wx_ocr_bytes(jpeg_start, sizeof jpeg_start);
    assert_int_not_equal(r.status, WX_OCR_READ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inside_folder),
        cmocka_unit_test(test_outside_refused),
        cmocka_unit_test(test_bad_bytes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
