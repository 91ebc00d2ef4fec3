/*
 * fallback: --fallback wayback for fetch and run (fallback.c).
 *
 * After the live fetches, every URL whose live page is gone (WeChat's
 * deleted, blocked, unavailable or verification page, or HTTP 404, 410 or
 * 5xx after the retries) is looked up in the Wayback Machine's CDX API,
 * nearest to the article's date when a stored copy knows it (the latest
 * or one of the few before it), else the latest capture first; the first
 * 200 capture that parses as an article is stored with via "wayback" and
 * its capture time (captured_at) in the store's index, and becomes the
 * URL's latest copy.  A later refresh that finds the live page as it was
 * (the same gone page) stores nothing and asks nothing: the Wayback copy
 * stays the URL's copy.
 */
#ifndef WX_FALLBACK_H
#define WX_FALLBACK_H

#include "../ingest/fetch.h"

/* Try the fallback for every URL that needs it.  o: the live fetch's
 * options (rate, retries, timeouts, --base-url, which then stands for the
 * CDX server and the Wayback Machine too).  A URL whose capture was stored
 * gets its result replaced (stored or unchanged, no error) and
 * via_wayback[i] = 1, as does one whose stored Wayback copy stands.  Messages go to the log. */
void wx_fallback_wayback(wx_store *st, const wx_urllist *urls, const wx_fetch_opts *o,
                         wx_fetch_result *results, unsigned char *via_wayback);

#endif
