/*
 * record: a new record with every field present (record.c), and the
 * helpers that fill it: strings, warnings, the error object.
 */
#ifndef WX_PARSE_RECORD_H
#define WX_PARSE_RECORD_H

#include <jansson.h>
#include "../ingest/doc.h"

json_t *wx_record_new(const wx_doc *doc);
json_t *wx_json_str(const char *s);
void wx_json_set_str(json_t *obj, const char *key, const char *value);
int wx_json_set_if_null(json_t *obj, const char *key, const char *value);
void wx_record_warn(json_t *rec, const char *msg);
json_t *wx_record_error(json_t *rec, const char *code, const char *message);

#endif
