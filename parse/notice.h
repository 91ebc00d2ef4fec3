/*
 * notice: the metadata of an official notice (GB/T 9704 layout) found in
 * an article's text (notice.c).
 */
#ifndef WX_PARSE_NOTICE_H
#define WX_PARSE_NOTICE_H

#include <jansson.h>

/* Official-notice metadata (notice.c): an object, or JSON null when the
 * text carries no notice.  dates: what wx_dates_find returned; links: the
 * record's links (a markdown link's text names its URL in the text). */
json_t *wx_notice_extract(const char *title, const char *text, json_t *dates, json_t *links);

#endif
