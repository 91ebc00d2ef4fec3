/*
 * The log: what a run tells people on stderr.  Text by default
 * ("wxingest: SUBJECT: message"), or with --log-format json one object per
 * line ({"time", "level", "input", "msg", ...}) that a log collector can
 * ingest without parsing prose.  --quiet keeps errors only, so cron mails
 * only when something went wrong.
 */
#include "output.h"
#include "../ingest/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <utf8proc.h>

static int log_quiet, log_json, progress_shown;

void wx_log_setup(int quiet, int json)
{
    log_quiet = quiet;
    log_json = json;
}

int wx_log_quiet(void) { return log_quiet; }

void wx_log_progress_shown(int shown) { progress_shown = shown; }

static const char *level_name(int level)
{
    return level == WX_LOG_ERROR ? "error" : level == WX_LOG_WARN ? "warning" : "info";
}

/* UTC with milliseconds, as collectors expect. */
static void now_iso(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

/* A JSON string of s with any byte that is not UTF-8 replaced by U+FFFD:
 * paths are bytes, log lines must be valid JSON. */
static json_t *json_lossy(const char *s)
{
    size_t n = strlen(s);
    json_t *j = json_stringn(s, n);
    if (j) return j;
    char *buf = malloc(n * 3 + 1), *o = buf;
    if (!buf) return json_string("?");
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    while (*p) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
        if (k <= 0) { memcpy(o, "\xEF\xBF\xBD", 3); o += 3; p++; continue; }
        memcpy(o, p, (size_t)k);
        o += k;
        p += k;
    }
    *o = '\0';
    j = json_string(buf);
    free(buf);
    return j ? j : json_string("?");
}

/* One line, either way; fields may be NULL. */
static void emit(int level, const char *subject, const char *msg, json_t *fields)
{
    if (log_quiet && level != WX_LOG_ERROR) return;
    const char *erase = progress_shown ? "\r\033[K" : "";
    if (log_json) {
        char t[32];
        now_iso(t);
        json_t *o = json_object();
        json_object_set_new(o, "time", json_string(t));
        json_object_set_new(o, "level", json_string(level_name(level)));
        if (subject) json_object_set_new(o, "input", json_lossy(subject));
        json_object_set_new(o, "msg", json_lossy(msg));
        if (fields) json_object_update(o, fields);
        char *line = json_dumps(o, JSON_COMPACT);
        if (line) fprintf(stderr, "%s%s\n", erase, line);
        free(line);
        json_decref(o);
        return;
    }
    fprintf(stderr, "%swxingest: %s%s%s", erase, subject ? subject : "", subject ? ": " : "", msg);
    const char *k;
    json_t *v;
    json_object_foreach(fields, k, v) {
        if (json_is_integer(v)) fprintf(stderr, " %s=%lld", k, (long long)json_integer_value(v));
        else if (json_is_real(v)) fprintf(stderr, " %s=%.2f", k, json_real_value(v));
        else if (json_is_string(v)) fprintf(stderr, " %s=%s", k, json_string_value(v));
    }
    fputc('\n', stderr);
}

void wx_log(int level, const char *subject, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    emit(level, subject, msg ? msg : fmt, NULL);
    free(msg);
}

void wx_log_fields(int level, const char *msg, json_t *fields)
{
    emit(level, NULL, msg, fields);
}
