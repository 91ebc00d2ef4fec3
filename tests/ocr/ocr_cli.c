/*
 * ocr_cli: OCR image files with the library's reader and print, per file,
 * a JSON line {"path", "status", "table", "confidence", "text", "why",
 * "seconds", "cpu_seconds"}.
 * tests/ocr_test.py and make bench use it to measure accuracy and speed
 * without a page around the image.
 */
#include "../../parse/ocr.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    static const char *names[] = {"read", "skipped", "failed"};
    const char *err;
    if (wx_ocr_load(&err) != 0) { fprintf(stderr, "ocr_cli: %s\n", err); return 1; }
    for (int i = 1; i < argc; i++) {
        double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        wx_ocr_result r = wx_ocr_file(argv[i]);
        json_t *j = json_pack("{s:s, s:s, s:b, s:f, s:s?, s:s?, s:f, s:f}", "path", argv[i], "status",
                              names[r.status], "table", r.table, "confidence", r.confidence, "text", r.text, "why",
                              r.why, "seconds", now(CLOCK_MONOTONIC) - t0, "cpu_seconds",
                              now(CLOCK_PROCESS_CPUTIME_ID) - c0);
        char *s = j ? json_dumps(j, JSON_ENSURE_ASCII) : NULL;
        if (s) puts(s);
        free(s);
        json_decref(j);
        wx_ocr_result_free(&r);
    }
    wx_ocr_thread_end();
    return 0;
}
