/*
 * Database sink throughput: upsert the records of a JSON Lines file into a
 * database ROUNDS times (each round under fresh article ids, so every put
 * inserts), then once more over the last round's ids (every put replaces),
 * and print records/s and child rows/s.  Parsing is not measured.
 *
 *   make bench-db BENCH_DB=sqlite:/tmp/bench.db      (or postgres://...)
 *   build/tests/bench_db RECORDS.jsonl URL [ROUNDS] [BATCH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../output/output.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t children(const json_t *r)
{
    return json_array_size(json_object_get(r, "images")) + json_array_size(json_object_get(r, "links")) +
           json_array_size(json_object_get(r, "dates")) + (json_is_object(json_object_get(r, "notice")) ? 1 : 0);
}

/* One pass over the records under ids "bench:ROUND:I"; returns seconds. */
static double pass(wx_db *db, json_t *recs, int round, char **err)
{
    double t0 = now();
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        char id[64];
        snprintf(id, sizeof id, "bench:%d:%zu", round, i);
        json_object_set_new(r, "id", json_string(id));
        if (wx_db_put(db, r, NULL, err) != 0) return -1;
    }
    if (wx_db_commit(db, err) != 0) return -1;
    return now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_db RECORDS.jsonl URL [ROUNDS] [BATCH]\n"); return 64; }
    int rounds = argc > 3 ? atoi(argv[3]) : 20, batch = argc > 4 ? atoi(argv[4]) : 0;
    FILE *f = fopen(argv[1], "r");
    if (!f) { perror(argv[1]); return 66; }
    json_t *recs = json_array();
    char *line = NULL;
    size_t cap = 0, kids = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *r = json_loads(line, 0, NULL);
        if (r) { kids += children(r); json_array_append_new(recs, r); }
    }
    free(line);
    fclose(f);
    char *err = NULL;
    wx_db *db = wx_db_open(argv[2], batch, &err);
    if (!db) { fprintf(stderr, "%s\n", err); return 74; }
    size_t n = json_array_size(recs);
    double ins = 0, t;
    for (int k = 0; k < rounds; k++) {
        if ((t = pass(db, recs, k, &err)) < 0) { fprintf(stderr, "%s\n", err); return 74; }
        ins += t;
    }
    if ((t = pass(db, recs, rounds - 1, &err)) < 0) { fprintf(stderr, "%s\n", err); return 74; }
    printf("%s: insert %zu records (+%zu child rows) in %.2f s: %.0f records/s, %.0f child rows/s\n", argv[2],
           n * (size_t)rounds, kids * (size_t)rounds, ins, (double)(n * (size_t)rounds) / ins,
           (double)(kids * (size_t)rounds) / ins);
    printf("%s: replace %zu records in %.2f s: %.0f records/s\n", argv[2], n, t, (double)n / t);
    wx_db_close(db);
    json_decref(recs);
    return 0;
}
