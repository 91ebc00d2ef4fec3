/*
 * wxingest: the command-line driver.  It only wires the modules together:
 * ingest (inputs → documents) → parse (document → record) → output.
 * Exit codes follow sysexits(3): 0 ok, 64 usage, 65 some input could not be
 * parsed, 66 an input path does not exist, 74 output write error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "output/output.h"
#include "parse/parse.h"

#ifndef WX_VERSION
#define WX_VERSION "dev"
#endif

enum { EXIT_USAGE = 64, EXIT_DATAERR = 65, EXIT_NOINPUT = 66, EXIT_IOERR = 74 };

static const char usage_text[] =
    "usage: wxingest parse [-o FILE] PATH...\n"
    "       wxingest --help | --version\n"
    "\n"
    "Parse saved WeChat Official Account article pages into JSON Lines records\n"
    "(schema wxingest.record/1), one per input page, in input order.\n"
    "\n"
    "PATH is a file (.html, .htm, .mht, .mhtml, markdown archives, any of them\n"
    "gzip-compressed), a directory (walked recursively in sorted order), or -\n"
    "for standard input.\n"
    "\n"
    "  -o, --output FILE   write records to FILE instead of standard output\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Exit status: 0 every input gave a record; 65 some inputs could not be\n"
    "parsed (they still get a record with status \"error\"); 66 an input path\n"
    "does not exist; 64 usage error; 74 output write error.\n";

static void report(void *ctx, const char *path, const char *reason)
{
    (void)ctx;
    fprintf(stderr, "wxingest: %s: %s\n", path, reason);
}

typedef struct {
    FILE *out;
    const char *out_name;
    int exit_code;
    size_t done, total;
    int progress;
} run_state;

static void note_exit(run_state *st, int code)
{
    /* 74 beats 66 beats 65: the most serious problem decides. */
    if (code == EXIT_IOERR || (code == EXIT_NOINPUT && st->exit_code != EXIT_IOERR) ||
        (code == EXIT_DATAERR && st->exit_code == 0))
        st->exit_code = code;
}

static int parse_one(run_state *st, const char *path)
{
    wx_doc *doc = wx_doc_load(path);
    if (!doc) { fprintf(stderr, "wxingest: %s: out of memory\n", path); note_exit(st, EXIT_DATAERR); return 0; }
    json_t *rec = wx_parse(doc);
    const char *status = rec ? json_string_value(json_object_get(rec, "status")) : "error";
    if (status && strcmp(status, "error") == 0) {
        json_t *err = rec ? json_object_get(json_object_get(rec, "error"), "message") : NULL;
        fprintf(stderr, "wxingest: %s: %s\n", path, err ? json_string_value(err) : "cannot parse");
        note_exit(st, EXIT_DATAERR);
    }
    int rc = 0;
    if (rec && wx_jsonl_write(st->out, rec) != 0) {
        fprintf(stderr, "wxingest: %s: %s\n", st->out_name, strerror(errno));
        note_exit(st, EXIT_IOERR);
        rc = -1;
    }
    json_decref(rec);
    wx_doc_free(doc);
    st->done++;
    if (st->progress) fprintf(stderr, "\rwxingest: %zu/%zu", st->done, st->total);
    return rc;
}

static int cmd_parse(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *out_path = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
        if (c == 'o') out_path = optarg;
        else if (c == 'h') { fputs(usage_text, stdout); return 0; }
        else { fputs(usage_text, stderr); return EXIT_USAGE; }
    }
    if (optind >= argc) { fputs("wxingest: parse: no input given\n", stderr); fputs(usage_text, stderr); return EXIT_USAGE; }

    run_state st = {stdout, "stdout", 0, 0, 0, 0};
    if (out_path) {
        st.out = fopen(out_path, "w");
        st.out_name = out_path;
        if (!st.out) { fprintf(stderr, "wxingest: %s: %s\n", out_path, strerror(errno)); return EXIT_IOERR; }
    }
    wx_pathlist inputs = {0};
    for (int i = optind; i < argc; i++)
        if (wx_walk(argv[i], &inputs, report, NULL) != 0) note_exit(&st, EXIT_NOINPUT);
    st.total = inputs.count;
    st.progress = isatty(STDERR_FILENO) && inputs.count > 1;
    wx_parse_init();
    for (size_t i = 0; i < inputs.count; i++)
        if (parse_one(&st, inputs.paths[i]) != 0) break;
    if (st.progress) fputc('\n', stderr);
    wx_pathlist_free(&inputs);
    if (fflush(st.out) != 0 || ferror(st.out) || (out_path && fclose(st.out) != 0)) {
        fprintf(stderr, "wxingest: %s: %s\n", st.out_name, strerror(errno ? errno : EIO));
        note_exit(&st, EXIT_IOERR);
    }
    return st.exit_code;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fputs(usage_text, stderr); return EXIT_USAGE; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("wxingest %s\n", WX_VERSION);
        return 0;
    }
    if (strcmp(cmd, "parse") == 0) return cmd_parse(argc - 1, argv + 1);
    fprintf(stderr, "wxingest: unknown command or option '%s'\n", cmd);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}
