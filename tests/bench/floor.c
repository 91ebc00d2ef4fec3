/*
 * The floor: read each file and build libxml2's HTML DOM of it
 * (htmlReadMemory + xmlFreeDoc), nothing else.  What wxingest is measured
 * against in `make bench`.
 *
 *   floor [-n REPEAT] FILE...   (or a list of files, one a line, on stdin with -)
 *
 * Files are read into memory before the clock starts; the time to parse
 * all of them REPEAT times is printed as "docs bytes seconds" on stdout.
 */

#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { char *data; size_t len; } blob;

static int read_file(const char *path, blob *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    size_t cap = 1 << 16, len = 0;
    char *d = malloc(cap);
    size_t n;
    while (d && (n = fread(d + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) { cap *= 2; d = realloc(d, cap); }
    }
    fclose(f);
    if (!d) return -1;
    b->data = d;
    b->len = len;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int repeat = 1, i = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) { repeat = atoi(argv[2]); i = 3; }
    blob *files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0, bytes = 0;
    for (; i < argc; i++) {
        if (read_file(argv[i], &files[nfiles]) != 0) return 1;
        bytes += files[nfiles++].len;
    }
    xmlInitParser();
    /* the same options wxingest gives libxml2 */
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_NONET | HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT;
    double t0 = now();
    for (int r = 0; r < repeat; r++)
        for (size_t k = 0; k < nfiles; k++) {
            htmlDocPtr d = htmlReadMemory(files[k].data, (int)files[k].len, NULL, "UTF-8", opts);
            if (d) xmlFreeDoc(d);
        }
    double t = now() - t0;
    printf("%zu %zu %.6f\n", nfiles * (size_t)repeat, bytes * (size_t)repeat, t);
    return 0;
}
