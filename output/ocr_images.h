/*
 * ocr_images: a record's images from the files that hold them
 * (ocr_images.c): the store's objects (fetch --images) or the NAME_files/
 * folder a "Save as, complete" page keeps beside it.  For each image found
 * it fills images[].local (the store object), sha256, bytes, width and
 * height (from the file's header), and with --ocr images[].text and
 * text_confidence, cached by the image's SHA-256.  The parser never
 * touches the filesystem; this runs after it, on the same worker thread.
 */
#ifndef WX_OUTPUT_OCR_IMAGES_H
#define WX_OUTPUT_OCR_IMAGES_H

#include <jansson.h>
#include <stdatomic.h>

typedef struct wx_ocr_run {
    const char *cache_dir;        /* NULL: no cache */
    atomic_size_t read;           /* images OCRed */
    atomic_size_t cached;         /* results taken from the cache */
    atomic_size_t skipped;        /* too small, animated, too large */
    atomic_size_t failed;         /* unreadable or undecodable files */
} wx_ocr_run;

struct wx_store;
typedef struct wx_image_files wx_image_files;

/* ocr: the --ocr run (NULL without); store: the store run's inputs come
 * from (borrowed; NULL: a page path inside a store's objects/ folder opens
 * that store, read only through its index).  NULL when out of memory. */
wx_image_files *wx_image_files_new(wx_ocr_run *ocr, struct wx_store *store);
void wx_image_files_free(wx_image_files *f);

/* Fill the images of rec from the store (by image URL) or, for a saved
 * page at page_path (may be NULL), its NAME_files/ folder (nothing
 * outside that folder is opened).  Content images are OCRed with --ocr.
 * Thread-safe; the OCR counters are updated atomically. */
void wx_image_files_fill(wx_image_files *f, json_t *rec, const char *page_path);

/* The path of the regular file a record's images[].local names, when it
 * lies in a NAME_files/ folder beside page_path (symbolic links leading
 * out of the folder refused); malloc'd, or NULL. */
char *wx_ocr_local_path(const char *page_path, const char *local);

#endif
