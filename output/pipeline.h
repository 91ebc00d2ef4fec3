/*
 * pipeline: the one driver behind `parse` and `run`.
 *
 * inputs (a wx_source) → documents → wx_parse → records → sinks, in input
 * order, with N parsing threads.  It owns what a run has: the lock, the
 * log set-up, the sink set, --incremental bookkeeping, the progress line,
 * the summary, the exit code (sysexits: the most serious problem wins) and
 * SIGINT/SIGTERM (a signal stops the run after saving what was done).
 * main.c only turns options into a wx_run_opts and a source.
 */
#ifndef WX_PIPELINE_H
#define WX_PIPELINE_H

#include <signal.h>
#include <stddef.h>

#include "../ingest/doc.h"

enum { WX_EXIT_USAGE = 64, WX_EXIT_DATAERR = 65, WX_EXIT_NOINPUT = 66, WX_EXIT_IOERR = 74,
       WX_EXIT_TEMPFAIL = 75, WX_EXIT_SIGINT = 130, WX_EXIT_SIGTERM = 143 };

/* Where records go and how an unattended run behaves (parse, run; fetch
 * uses the lock and log fields).  Extend it for new run-wide options. */
typedef struct wx_run_opts {
    const char *out_path;       /* -o; NULL: stdout unless --db is given */
    const char *db_url;
    const char *lock_path;
    const char *key_field;      /* what names an input: "path" or "url" */
    int append, incremental, quiet, json_log, batch;
    int no_search_index;        /* --no-search-index: a database without its search index */
    int jobs;                   /* parsing threads (1: none) */
    unsigned shard_k, shard_n;  /* shard_n 0: no sharding */
    int changes;                /* run --changes: only records whose status or bytes changed */
    const char *changes_state;  /* where --changes keeps its state without -o FILE (run: the store) */
    struct wx_ocr_run *ocr;     /* parse --ocr: images read after parsing; NULL without */
} wx_run_opts;

/* One input as a source hands it out.  name: what problems are reported
 * under and what --incremental remembers it by.  Either doc (already
 * loaded) or load_path (loaded by a worker); url and fetched_at, when set,
 * replace the document's own (a stored copy of a fetched URL).  absent: a
 * listed input with nothing to parse (its failure was reported before);
 * failed: the source ran out of memory preparing it (reported as such). */
typedef struct wx_input {
    char *name, *load_path, *url, *fetched_at;
    wx_doc *doc;
    int absent, failed;
    int wayback;                /* a stored Wayback copy, captured at captured_at (may be NULL) */
    char *captured_at;
} wx_input;

/* A generic source of inputs: next fills *in (all fields malloc'd, the
 * pipeline frees them) and returns 1, or returns 0 at the end.  Called
 * from one thread at a time. */
struct wx_store;
typedef struct wx_source {
    int (*next)(void *ctx, wx_input *in);
    void *ctx;
    size_t total;               /* inputs expected (progress), 0 if unknown */
    struct wx_store *store;     /* the store the inputs come from (their images are looked up
                                 * in it); NULL for paths */
} wx_source;

/* Set one run option from its command-line spelling: name is the long
 * option without dashes (output, db, lock, incremental, append, quiet,
 * log-format, shard, batch); value is kept, not copied.  Returns NULL, or
 * a message for the user.  wx_run_opts_check: the rules that need every
 * option (--append and --incremental need somewhere to keep their state). */
const char *wx_run_opt_set(wx_run_opts *o, const char *name, const char *value);
const char *wx_run_opts_check(const wx_run_opts *o);

typedef struct wx_pipeline wx_pipeline;

/* Log set-up and lock, then the sinks.  Returns 0 or an exit code (the
 * pipeline is then closed already and *out NULL). */
int wx_pipeline_open(const wx_run_opts *o, wx_pipeline **out);
/* Parse every input of src into the sinks, in input order. */
void wx_pipeline_run(wx_pipeline *pl, wx_source *src);
/* Record a problem found outside the pipeline (a failed fetch). */
void wx_pipeline_note_exit(wx_pipeline *pl, int code);
/* Finish the sinks, log the summary, release the lock.  Returns the exit
 * code (128 + signal after SIGINT/SIGTERM). */
int wx_pipeline_close(wx_pipeline *pl);

/* The log format and the --lock alone (fetch): 0 or an exit code; *lock_fd
 * stays open for the run. */
int wx_unattended_start(const wx_run_opts *o, int *lock_fd);
/* Whether a progress line suits stderr (a terminal, not --quiet or JSON). */
int wx_progress_wanted(const wx_run_opts *o);
/* Which of n shards a path or URL belongs to (the same on every machine). */
unsigned wx_shard_of(const char *s, unsigned n);

/* SIGINT/SIGTERM: catch them (no SA_RESTART, so blocked reads return);
 * the signal caught so far (0: none); the flag itself for loops that poll
 * it (the fetcher); the exit code a caught signal asks for. */
void wx_signals_catch(void);
int wx_signal_caught(void);
volatile sig_atomic_t *wx_signal_flag(void);
int wx_signal_exit(void);

#endif
