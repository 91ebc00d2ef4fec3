/*
 * Sink throughput, side by side in one run: the records of a JSON Lines
 * file put into the JSON Lines sink (a temporary file) and into each
 * database given, through the same wx_sink interface the pipeline uses.
 * Each sink gets ROUNDS passes under fresh article ids (every put inserts),
 * then one more over the last round's ids (every put replaces); records/s
 * and the ratio to JSON Lines are printed.  Parsing is not measured.  A
 * sqlite: file is removed first, so every run starts from an empty file;
 * ids carry the process id and the measurement, so a PostgreSQL database
 * also gets new articles.  Each database is measured as a run stores it
 * and with --no-search-index (WX_DB_NO_SEARCH), one after the other.
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

static int measurement;     /* which measure() call: part of the ids */

/* One pass over the records under ids "bench:ROUND:I"; seconds, or -1.
 * The records are serialised first, untimed: in a run the parsing
 * workers do that, and the sinks get the line with the record. */
static double pass(wx_sink *s, json_t *recs, int round, char **err)
{
    size_t n = json_array_size(recs), i;
    wx_sink_rec *rs = calloc(n ? n : 1, sizeof *rs);
    json_t *r;
    double t = -1;
    if (!rs) return -1;
    json_array_foreach(recs, i, r) {
        char id[64];
        snprintf(id, sizeof id, "bench:%ld:%d:%d:%zu", (long)getpid(), measurement, round, i);
        json_object_set_new(r, "id", json_string(id));
        rs[i].object = r;
        rs[i].sha256 = json_string_value(json_object_get(json_object_get(r, "source"), "sha256"));
        if (!(rs[i].line = wx_jsonl_line(r, &rs[i].len))) goto out;
    }
    double t0 = now();
    for (i = 0; i < n; i++)
        if (s->ops->put(s, &rs[i], NULL, err) != 0) goto out;
    t = now() - t0;
out:
    for (i = 0; i < n; i++) free((char *)rs[i].line);
    free(rs);
    return t;
}

/* Open the sink of url (NULL: JSON Lines into path); flags as wx_db_open's. */
static wx_sink *open_sink(const char *url, const char *path, int flags, char **err)
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
    return wx_db_sink_new(url, 0, flags, err);
}

/* Insert and replace rates of one sink: 0, or -1 with *err. */
static int measure(const char *url, const char *path, int flags, json_t *recs, int rounds, double rate[2],
                   char **err)
{
    wx_sink *s = open_sink(url, path, flags, err);
    measurement++;
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
    if (!(s = url ? wx_db_sink_new(url, 0, flags, err) : open_sink(NULL, path, 0, err))) return -1;
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
    printf("%-58s %14s %14s %9s\n", "sink", "insert rec/s", "replace rec/s", "vs jsonl");
    double base[2] = {0, 0};
    int status = 0;
    for (int i = 2; i < argc; i++) {
        for (int flags = 0; flags <= (i > 2 ? WX_DB_NO_SEARCH : 0); flags++) {
            const char *url = i == 2 ? NULL : argv[i];
            double rate[2];
            char *err = NULL;
            char label[128];
            snprintf(label, sizeof label, "%.38s%s", url ? url : "jsonl (a file)", flags ? " (no search index)" : "");
            if (measure(url, path, flags, recs, rounds, rate, &err) != 0) {
                fprintf(stderr, "%s: %s\n", label, err ? err : "failed");
                free(err);
                status = 74;
                continue;
            }
            if (!url) memcpy(base, rate, sizeof base);
            printf("%-58s %14.0f %14.0f %8.2fx\n", label, rate[0], rate[1], base[0] > 0 ? rate[0] / base[0] : 0.0);
            fflush(stdout);
        }
    }
    unlink(path);
    json_decref(recs);
    return status;
}
