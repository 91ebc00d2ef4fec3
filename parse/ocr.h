/*
 * ocr: the text inside one image (ocr.c), with libtesseract (chi_sim+eng)
 * and leptonica.  A ruled table (the lists official notices publish as
 * JPEGs) is read cell by cell: the grid is found from its ruling lines, each
 * cell is OCRed on its own (upscaled, lines removed), a wrapped cell's lines
 * are joined, and each table row becomes one line with its cells separated
 * by a tab.  Any other image keeps its lines.
 *
 * Each thread has its own tesseract engine, made on its first image and
 * freed when the thread ends (wx_ocr_thread_end for the main thread).
 * Nothing of tesseract is loaded before wx_ocr_load, nor a model before the
 * first image a thread reads.
 */
#ifndef WX_PARSE_OCR_H
#define WX_PARSE_OCR_H

#include <stddef.h>

/* Largest image file read, and largest image (pixels) decoded. */
#define WX_OCR_MAX_BYTES ((size_t)32 * 1024 * 1024)
#define WX_OCR_MAX_PIXELS ((long)40 * 1000 * 1000)
/* Smaller than this in either dimension: cannot hold a line of text. */
#define WX_OCR_MIN_SIDE 40

typedef enum {
    WX_OCR_READ = 0,      /* text (possibly empty) and confidence are set */
    WX_OCR_SKIPPED,       /* too small, animated GIF, or too large: no text */
    WX_OCR_FAILED         /* not an image leptonica decodes, or no engine */
} wx_ocr_status;

typedef struct wx_ocr_result {
    wx_ocr_status status;
    char *text;           /* malloc'd UTF-8, lines joined by \n; NULL unless READ */
    double confidence;    /* 0-100, mean over the characters read */
    int table;            /* 1 when read as a ruled table */
    const char *why;      /* static reason when SKIPPED or FAILED */
} wx_ocr_result;

/* Open libtesseract (dlopen: without OCR it is never loaded).  Call once
 * from the main thread before any OCR and before starting threads (it sets
 * OMP_THREAD_LIMIT=1 unless the environment has it).  Returns 0, or -1
 * with *err a static message. */
int wx_ocr_load(const char **err);

/* OCR an image held in memory (JPEG, PNG, GIF, WebP, BMP, TIFF). */
wx_ocr_result wx_ocr_bytes(const unsigned char *bytes, size_t len);

/* OCR an image file (read whole, at most WX_OCR_MAX_BYTES). */
wx_ocr_result wx_ocr_file(const char *path);

void wx_ocr_result_free(wx_ocr_result *r);

/* A regular file's bytes (malloc'd, *len set), or NULL with *why when it
 * cannot be read or is over WX_OCR_MAX_BYTES ("too large"). */
unsigned char *wx_ocr_read_file(const char *path, size_t *len, const char **why);

/* Bumped whenever the reading changes, so cached results are redone. */
#define WX_OCR_VERSION 1

/* Free the calling thread's engine (worker threads' engines are freed when
 * they exit). */
void wx_ocr_thread_end(void);

#endif
