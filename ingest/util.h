/*
 * util: the small helpers every layer shares, at the bottom of the flow
 * (ingest/, parse/ and output/ may include this; it includes nothing of
 * theirs).  The string map and its hash are in strmap.h.
 */
#ifndef WX_UTIL_H
#define WX_UTIL_H

/* printf into a fresh string (the caller frees it); NULL when out of
 * memory.  Used for every path and message, so no fixed-size buffer can
 * truncate one. */
char *wx_strf(const char *f, ...) __attribute__((format(printf, 1, 2)));

#endif
