/*
 * The record: construction with every schema field present (null or []),
 * and setters that guarantee valid UTF-8 whatever a page contained.
 */
#include "text.h"
#include "record.h"
#include "parse.h"

#include <stdlib.h>
#include <string.h>

/* A path is bytes, not text.  One that is valid UTF-8 goes in as it is
 * (control characters too: JSON escapes them); one that is not is repaired
 * like page strings, so the record keeps its source and stays valid JSON.
 * The raw bytes stay the --incremental key (main.c, runfile.c). */
static json_t *path_json(const char *path)
{
    if (!path) return json_null();
    json_t *j = json_string(path);
    return j ? j : wx_json_str(path);
}

json_t *wx_record_new(const wx_doc *doc)
{
    json_t *source = json_pack("{s:o, s:n, s:s, s:I, s:s?, s:n, s:n}",
                               "path", path_json(doc ? doc->path : NULL), "url", "format",
                               doc && doc->container == WX_CONTAINER_WARC ? "warc"
                               : doc && doc->wayback                      ? "wayback"
                                                                          : "html",
                               "bytes", (json_int_t)(doc ? doc->len : 0),
                               "sha256", doc && doc->sha256[0] ? doc->sha256 : NULL, "fetched_at",
                               "captured_at");
    json_t *account = json_pack("{s:n, s:n, s:n, s:n}", "name", "id", "alias", "avatar");
    json_t *rec = json_object();
    json_object_set_new(rec, "schema", json_string(WX_SCHEMA_ID));
    json_object_set_new(rec, "id", json_null());
    json_object_set_new(rec, "status", json_string("ok"));
    json_object_set_new(rec, "error", json_null());
    json_object_set_new(rec, "kind", json_null());
    json_object_set_new(rec, "source", source);
    static const char *const scalars[] = {"url", "biz", "mid", "idx", "sn", "title",
                                          "description", "author", NULL};
    for (int i = 0; scalars[i]; i++) json_object_set_new(rec, scalars[i], json_null());
    json_object_set_new(rec, "account", account);
    static const char *const more[] = {"published_at", "cover", "copyright", "source_url", "text", NULL};
    for (int i = 0; more[i]; i++) json_object_set_new(rec, more[i], json_null());
    json_object_set_new(rec, "images", json_array());
    json_object_set_new(rec, "links", json_array());
    json_object_set_new(rec, "dates", json_array());
    json_object_set_new(rec, "notice", json_null());
    json_object_set_new(rec, "warnings", json_array());
    if (doc && doc->url) wx_json_set_str(json_object_get(rec, "source"), "url", doc->url);
    if (doc && doc->fetched_at) wx_json_set_str(json_object_get(rec, "source"), "fetched_at", doc->fetched_at);
    if (doc && doc->captured_at) wx_json_set_str(json_object_get(rec, "source"), "captured_at", doc->captured_at);
    return rec;
}

/* A JSON string from page bytes: repaired to valid UTF-8 first.  What
 * wx_utf8_clean returns is valid by jansson's rules too (utf8proc rejects
 * the same overlong forms, surrogates and code points past U+10FFFF, and
 * NUL is dropped), so jansson is spared checking it a second time. */
json_t *wx_json_str(const char *s)
{
    if (!s) return json_null();
    size_t len = strlen(s);
    if (wx_utf8_is_clean(s, len)) {          /* the usual case: no cleaned copy of a whole text */
        json_t *j = json_stringn_nocheck(s, len);
        return j ? j : json_null();
    }
    char *clean = wx_utf8_clean(s, len);
    json_t *j = clean ? json_string_nocheck(clean) : NULL;
    free(clean);
    return j ? j : json_null();
}

void wx_json_set_str(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, wx_json_str(value));
}

/* Set only when the field is still null: callers try sources in order of
 * trust, and the first one that knows wins. */
int wx_json_set_if_null(json_t *obj, const char *key, const char *value)
{
    if (!value || !*value || !json_is_null(json_object_get(obj, key))) return 0;
    wx_json_set_str(obj, key, value);
    return 1;
}

void wx_record_warn(json_t *rec, const char *msg)
{
    json_array_append_new(json_object_get(rec, "warnings"), wx_json_str(msg));
}

json_t *wx_record_error(json_t *rec, const char *code, const char *message)
{
    json_object_set_new(rec, "status", json_string("error"));
    json_object_set_new(rec, "error", json_pack("{s:s, s:o}", "code", code, "message", wx_json_str(message)));
    json_object_set_new(rec, "kind", json_null());
    if (json_is_null(json_object_get(rec, "id"))) {
        json_t *src = json_object_get(rec, "source");
        const char *sha = json_string_value(json_object_get(src, "sha256"));
        char path_sha[65], id[80];
        if (!sha) {
            /* Unreadable input: no bytes to hash, so the id hashes the path
             * (stable across runs, unique per input). */
            const char *path = json_string_value(json_object_get(src, "path"));
            wx_sha256_hex(path ? path : "", path ? strlen(path) : 0, path_sha);
            sha = path_sha;
        }
        snprintf(id, sizeof id, "sha256:%s", sha);
        json_object_set_new(rec, "id", json_string(id));
    }
    return rec;
}
