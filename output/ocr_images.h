/*
 * ocr_images: fill a record's images[].text and images[].text_confidence
 * (ocr_images.c) from the image files a "Save as, complete" page keeps in
 * its NAME_files/ folder, with results cached by the image's SHA-256.
 * The parser never touches the filesystem; this runs after it, on the
 * same worker thread.
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

/* OCR the content images of rec whose local copy is in a NAME_files/
 * folder beside page_path (nothing outside that folder is opened).
 * Thread-safe; run's counters are updated atomically. */
void wx_ocr_record(json_t *rec, const char *page_path, wx_ocr_run *run);

/* The path of the regular file a record's images[].local names, when it
 * lies in a NAME_files/ folder beside page_path (symbolic links leading
 * out of the folder refused); malloc'd, or NULL. */
char *wx_ocr_local_path(const char *page_path, const char *local);

#endif
