/*
 * body: what both front ends (HTML in parse.c, markdown in markdown.c)
 * hand to one stage that puts a body's images and links into the record.
 */
#ifndef WX_PARSE_BODY_H
#define WX_PARSE_BODY_H

#include <jansson.h>
#include "dom.h"

/* Images and links of a body into the record, the way HTML pages get them
 * (parse.c): the record's cover first, roles, links then URLs in text. */
void wx_body_emit(json_t *rec, wx_body *b, const char *text);
/* The status a WeChat error message names (verify, deleted, blocked,
 * unavailable), or NULL (parse.c). */
const char *wx_message_status(const char *text);

#endif
