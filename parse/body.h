/*
 * body: what both front ends (HTML in parse.c, markdown in markdown.c)
 * hand to one stage (body.c) that puts a body's images and links into the
 * record; neither front end calls the other.
 */
#ifndef WX_PARSE_BODY_H
#define WX_PARSE_BODY_H

#include <jansson.h>
#include "dom.h"

/* Images and links of a body into the record: the record's cover first,
 * then the body's images with their roles; hyperlinks, then URLs written
 * in text, then read_more (the article's raw 阅读原文 URL, or NULL).
 * A record keeps the first WX_MAX_IMAGES body images and WX_MAX_LINKS
 * distinct links, with a warning when there were more (each costs a few
 * hundred bytes in the record, from some 30 bytes of page). */
#define WX_MAX_IMAGES 10000
#define WX_MAX_LINKS 10000
void wx_body_emit(json_t *rec, wx_body *b, const char *text, const char *read_more);
/* The status a WeChat error message names (verify, deleted, blocked,
 * unavailable), or NULL. */
const char *wx_message_status(const char *text);

#endif
