/*
 * output: write records where the user wants them.
 *
 * JSON Lines is the default sink: one compact JSON object per line, UTF-8,
 * keys in schema order.  Write errors are reported as values so the driver
 * can exit with 74.
 */
#ifndef WX_OUTPUT_H
#define WX_OUTPUT_H

#include <jansson.h>
#include <stdio.h>

/* Write one record as one line.  Returns 0, or -1 with errno set. */
int wx_jsonl_write(FILE *out, const json_t *record);

#endif
