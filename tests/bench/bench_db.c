/*
 * Sink throughput, side by side in one run: the records of a JSON Lines
 * file put into the JSON Lines sink (a temporary file) and into each
 * database given, through the same wx_sink interface the pipeline uses.
 * Each sink gets ROUNDS passes under fresh article ids (every put inserts),
 * then one more over the last round's ids (every put replaces); records/s
 * and the ratio to JSON Lines are printed.  Parsing is not measured.  A
 * sqlite: file is removed first, so every run starts from an empty file.
 *
 *   make bench-db BENCH_DB="sqlite:/tmp/bench.db postgres://..."
 *   build/tests/bench_db RECORDS.jsonl ROUNDS URL...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../output/output.h"
#include "../../output/sink.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One pass over the records under ids "bench:ROUND:I"; seconds, or -1.
 * Each record is serialised to its line before the clock starts, as the
 * pipeline's worker does before the sink sees it: only put is timed. */
static double pass(wx_sink *s, json_t *recs, int round, char **err)
{
    size_t n = json_array_size(recs), i;
    char **lines = calloc(n ? n : 1, sizeof *lines);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    double took = -1;
    json_t *r;
    if (!lines || !lens) goto out;
    json_array_foreach(recs, i, r) {
        char id[64];
        snprintf(id, sizeof id, "bench:%d:%zu", round, i);
        json_object_set_new(r, "id", json_string(id));
        if (!(lines[i] = wx_jsonl_line(r, &lens[i]))) goto out;
    }
    double t0 = now();
    json_array_foreach(recs, i, r) {
        json_t *src = json_object_get(r, "source");
        wx_sink_rec rec = {lines[i], lens[i], r, json_string_value(json_object_get(src, "sha256"))};
        if (s->ops->put(s, &rec, NULL, err) != 0) goto out;
    }
    took = now() - t0;
out:
    for (i = 0; lines && i < n; i++) free(lines[i]);
    free(lines);
    free(lens);
    return took;
}

/* Open the sink of url (NULL: JSON Lines into path). */
static wx_sink *open_sink(const char *url, const char *path, char **err)
{
    if (!url) return wx_jsonl_sink_new(path, 0, 0, "path", err);
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *f = url + 7 + (strncmp(url + 7, "//", 2) == 0 ? 2 : 0);
        char side[4096];
        unlink(f);
        snprintf(side, sizeof side, "%s-wal", f);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", f);
        unlink(side);
    }
    return wx_db_sink_new(url, 0, err);
}

/* Insert and replace rates of one sink: 0, or -1 with *err. */
static int measure(const char *url, const char *path, json_t *recs, int rounds, double rate[2], char **err)
{
    wx_sink *s = open_sink(url, path, err);
    if (!s) return -1;
    double ins = 0, rep = 0, t;
    int rc = -1;
    for (int k = 0; k < rounds; k++) {
        if ((t = pass(s, recs, k, err)) < 0) goto out;
        ins += t;
    }
    double t0 = now();
    if (s->ops->finish(s, 0, err) != 0) goto out;   /* the last commit (or the file put in place) */
    ins += now() - t0;
    s->ops->free(s);
    s = NULL;
    if (!(s = url ? wx_db_sink_new(url, 0, err) : open_sink(NULL, path, err))) return -1;
    t0 = now();
    if (pass(s, recs, rounds - 1, err) < 0 || s->ops->finish(s, 0, err) != 0) goto out;
    rep = now() - t0;
    size_t n = json_array_size(recs);
    rate[0] = (double)n * rounds / ins;
    rate[1] = (double)n / rep;
    rc = 0;
out:
    if (s) s->ops->free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_db RECORDS.jsonl ROUNDS [URL...]\n"); return 64; }
    int rounds = atoi(argv[2]);
    if (rounds < 1) rounds = 1;
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 66; }
    json_t *recs = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *r = json_loads(line, 0, NULL);
        if (r) json_array_append_new(recs, r);
    }
    free(line);
    fclose(f);
    char path[64];
    snprintf(path, sizeof path, "/tmp/wxingest-bench-%ld.jsonl", (long)getpid());
    printf("%s: %zu records x %d rounds\n", argv[1], json_array_size(recs), rounds);
    printf("%-40s %14s %14s %9s\n", "sink", "insert rec/s", "replace rec/s", "vs jsonl");
    double base[2] = {0, 0};
    int status = 0;
    for (int i = 2; i < argc; i++) {
        const char *url = i == 2 ? NULL : argv[i];
        double rate[2];
        char *err = NULL;
        if (measure(url, path, recs, rounds, rate, &err) != 0) {
            fprintf(stderr, "%s: %s\n", url ? url : "jsonl", err ? err : "failed");
            free(err);
            status = 74;
            continue;
        }
        if (!url) memcpy(base, rate, sizeof base);
        printf("%-40.40s %14.0f %14.0f %8.2fx\n", url ? url : "jsonl (a file)", rate[0], rate[1],
               base[0] > 0 ? rate[0] / base[0] : 0.0);
        fflush(stdout);
    }
    unlink(path);
    json_decref(recs);
    return status;
}
