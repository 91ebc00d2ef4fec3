/*
 * images: `fetch --images` / `run --images` (images.c): every image of the
 * fetched pages into the same store, and the roles a user asks for.
 *
 * The images of a page are the parser's (wx_parse → record images[] with
 * url and role); they are downloaded with the pages' fetcher (ingest/
 * fetch.h: per-host rate, retries, backoff, size cap, http/https only, TLS
 * verified), with Referer: https://mp.weixin.qq.com/, at their original
 * size, content-addressed by SHA-256 under the extension of the format
 * sniffed from their bytes.  README.md, "Archiving images", has the rules.
 */
#ifndef WX_OUTPUT_IMAGES_H
#define WX_OUTPUT_IMAGES_H

#include <stddef.h>
#include "../ingest/fetch.h"

/* The roles of images[].role, as bits of a mask. */
enum { WX_ROLE_COVER = 1, WX_ROLE_CONTENT = 2, WX_ROLE_DECORATION = 4, WX_ROLE_QRCODE = 8,
       WX_ROLE_AVATAR = 16, WX_ROLE_BANNER = 32 };
#define WX_ROLES_DEFAULT (WX_ROLE_COVER | WX_ROLE_CONTENT)

/* --images ROLES: "all", or a comma list of role names.  Returns the mask,
 * or 0 when spec is not one (an unknown word, an empty item). */
unsigned wx_image_roles_parse(const char *spec);

/* The URL to ask for: an mmbiz.qpic.cn/mmbiz_… URL whose last path
 * segment is a width (/640, /300) asks for /0, the original, keeping the
 * query (wx_fmt=…); other URLs are asked for as they are.  malloc'd. */
char *wx_image_request_url(const char *url);

typedef struct wx_image_counts {
    size_t stored;              /* new images in the store */
    size_t skipped;             /* image URLs the store had already */
    size_t failed;              /* per-image failures, placeholders included */
    size_t placeholder;         /* of which: the same bytes for >= 3 URLs */
} wx_image_counts;

/* Fetch the images of the given roles of every page of pages the store
 * holds.  o: the pages' fetcher options (copied; Referer, Accept and
 * to_memory set here).  Every failure is logged per image and counted;
 * none fails a page.  Returns 0, or 74 when the store could not be
 * written. */
int wx_fetch_images(wx_store *st, const wx_urllist *pages, const wx_fetch_opts *o, unsigned roles,
                    wx_image_counts *counts);

#endif
