/*
 * ocr: image -> text with libtesseract and leptonica (see ocr.h).
 *
 * Every image is first brought to a working scale where text is 30-40 px
 * high (WeChat's 640-px images have 16-18 px text; tesseract's LSTM reads
 * best at about twice that), then straightened (pixFindSkewAndDeskew).
 * Ruling lines are what morphological openings with long thin structuring
 * elements leave of the binarised image; their row and column projections
 * give the grid.  All loops are bounded by the image size; the grid by
 * MAX_RULES per direction.
 */
#include "ocr.h"
#include "text.h"

#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORK_WIDTH 1300        /* target width of the working image */
#define MAX_SCALE 3.0f
#define LINE_THRESHOLD 215     /* gray below this may be a ruling line (light-gray rules too) */
#define INK_THRESHOLD 140      /* gray below this is ink, for "is this cell empty" */
#define THICK_RULE 14          /* a horizontal run thicker than this is a filled band */
#define MAX_RULES 256
/* A grid of 255 x 255 tiny inked cells would be 65,025 tesseract calls
 * (minutes); a table image has at most a few hundred cells. */
#define MAX_CELLS 2000
#define DIGIT_CONFIDENCE 70    /* eng's confidence to replace a short reading by digits */
#define CELL_MARGIN 12         /* white border around a cell handed to tesseract */

/* ---------- libtesseract, opened only when OCR is asked for ---------- */

/* The tesseract functions used, resolved by dlsym: a run without --ocr
 * never maps libtesseract (nor the OpenMP runtime and C++ models it
 * brings). */
static struct tess_api {
    __typeof__(TessBaseAPICreate) *Create;
    __typeof__(TessBaseAPIDelete) *Delete;
    __typeof__(TessBaseAPIInit3) *Init3;
    __typeof__(TessBaseAPIEnd) *End;
    __typeof__(TessBaseAPISetVariable) *SetVariable;
    __typeof__(TessBaseAPISetPageSegMode) *SetPageSegMode;
    __typeof__(TessBaseAPISetImage2) *SetImage2;
    __typeof__(TessBaseAPISetSourceResolution) *SetSourceResolution;
    __typeof__(TessBaseAPIGetUTF8Text) *GetUTF8Text;
    __typeof__(TessBaseAPIMeanTextConf) *MeanTextConf;
    __typeof__(TessBaseAPIClear) *Clear;
    __typeof__(TessDeleteText) *DeleteText;
} tess;
static int tess_loaded;

/* One symbol into *slot; 0 when found. */
static int tess_sym(void *lib, const char *name, void *slot)
{
    void *f = dlsym(lib, name);
    memcpy(slot, &f, sizeof f);
    return f ? 0 : -1;
}

int wx_ocr_load(const char **err)
{
    if (tess_loaded) return 0;
    /* tesseract's OpenMP threads busy-wait between its parallel loops; on
     * a machine already running -j workers that tripled the CPU time of a
     * table (9.3 s -> 2.7 s with one thread).  libgomp reads this when it is
     * loaded, which is the dlopen below; a value the user set stays. */
    setenv("OMP_THREAD_LIMIT", "1", 0);
    void *lib = dlopen("libtesseract.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libtesseract.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { *err = "cannot load libtesseract (apt-get install libtesseract5)"; return -1; }
    int bad = tess_sym(lib, "TessBaseAPICreate", &tess.Create) | tess_sym(lib, "TessBaseAPIDelete", &tess.Delete) |
              tess_sym(lib, "TessBaseAPIInit3", &tess.Init3) | tess_sym(lib, "TessBaseAPIEnd", &tess.End) |
              tess_sym(lib, "TessBaseAPISetVariable", &tess.SetVariable) |
              tess_sym(lib, "TessBaseAPISetPageSegMode", &tess.SetPageSegMode) |
              tess_sym(lib, "TessBaseAPISetImage2", &tess.SetImage2) |
              tess_sym(lib, "TessBaseAPISetSourceResolution", &tess.SetSourceResolution) |
              tess_sym(lib, "TessBaseAPIGetUTF8Text", &tess.GetUTF8Text) |
              tess_sym(lib, "TessBaseAPIMeanTextConf", &tess.MeanTextConf) |
              tess_sym(lib, "TessBaseAPIClear", &tess.Clear) | tess_sym(lib, "TessDeleteText", &tess.DeleteText);
    if (bad) { *err = "libtesseract lacks its C API"; return -1; }
    tess_loaded = 1;
    return 0;
}

/* ---------- one engine per thread ---------- */

static pthread_key_t engine_key, latin_key;   /* chi_sim+eng; eng alone */
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
/* Tesseract keeps some parameters (debug_file among them) in process-wide
 * globals that Init3 and SetVariable write: two threads loading their
 * engines at once race on them (ThreadSanitizer shows it), so loading is
 * one thread at a time. Recognition itself runs in parallel. */
static pthread_mutex_t engine_load_lock = PTHREAD_MUTEX_INITIALIZER;

/* Thread exit (or wx_ocr_thread_end): End frees the model, Delete the handle. */
static void engine_free(void *api)
{
    if (!api || !tess_loaded) return;
    pthread_mutex_lock(&engine_load_lock);   /* End resets the same globals Init3 sets */
    tess.End(api);
    tess.Delete(api);
    pthread_mutex_unlock(&engine_load_lock);
}

/* Leptonica's warnings would go to stderr for every odd image; the record
 * says what failed instead. */
static void engine_once_init(void)
{
    pthread_key_create(&engine_key, engine_free);
    pthread_key_create(&latin_key, engine_free);
    setMsgSeverity(L_SEVERITY_NONE);
}

/* The calling thread's engine for langs (kept under key), loaded on its
 * first use; NULL when the language data is missing. */
static TessBaseAPI *engine_for(pthread_key_t key, const char *langs)
{
    pthread_once(&engine_once, engine_once_init);
    TessBaseAPI *api = pthread_getspecific(key);
    if (api || !tess_loaded) return api;
    pthread_mutex_lock(&engine_load_lock);
    api = tess.Create();
    if (api && tess.Init3(api, NULL, langs) != 0) {
        tess.Delete(api);
        api = NULL;
    }
    /* tesseract's debug lines ("Estimating resolution ...") are not ours to print */
    if (api) tess.SetVariable(api, "debug_file", "/dev/null");
    pthread_mutex_unlock(&engine_load_lock);
    if (api) pthread_setspecific(key, api);
    return api;
}

/* The engine for everything but short cells' second reading. */
static TessBaseAPI *engine(void) { return engine_for(engine_key, "chi_sim+eng"); }

/* The main thread never exits through pthread_exit, so its engines
 * would not reach engine_free by the key's destructor. */
void wx_ocr_thread_end(void)
{
    pthread_once(&engine_once, engine_once_init);
    TessBaseAPI *api = pthread_getspecific(engine_key), *latin = pthread_getspecific(latin_key);
    pthread_setspecific(engine_key, NULL);
    pthread_setspecific(latin_key, NULL);
    engine_free(api);
    engine_free(latin);
}

/* ---------- text clean-up ---------- */

static int is_ascii_word(unsigned char c) { return c > ' ' && c < 0x80; }

/* chi_sim puts a space between Chinese characters; a space stays only
 * between two ASCII characters (between words of English or numbers). */
static char *squeeze_spaces(const char *s, size_t n)
{
    wx_buf b;
    wx_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ') { wx_buf_putc(&b, s[i]); continue; }
        size_t j = i;
        while (j < n && s[j] == ' ') j++;
        if (b.len && j < n && is_ascii_word((unsigned char)b.data[b.len - 1]) && is_ascii_word((unsigned char)s[j]))
            wx_buf_putc(&b, ' ');
        i = j - 1;
    }
    return wx_buf_take(&b);
}

/* Append tesseract's output to out: each non-empty line cleaned, joined by
 * sep ("\n" keeps lines; "" joins a wrapped cell's lines, with a space
 * when both sides are ASCII). */
static void put_lines(wx_buf *out, const char *text, const char *sep)
{
    const char *p = text;
    size_t start = out->len;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\r')) n--;
        while (n && *p == ' ') p++, n--;
        if (n) {
            char *line = squeeze_spaces(p, n);
            if (out->len > start) {
                if (*sep) wx_buf_puts(out, sep);
                else if (is_ascii_word((unsigned char)out->data[out->len - 1]) && is_ascii_word((unsigned char)line[0]))
                    wx_buf_putc(out, ' ');
            }
            wx_buf_puts(out, line);
            free(line);
        }
        p = e ? e + 1 : NULL;
    }
}

/* ---------- reading one region ---------- */

typedef struct reading {
    wx_buf text;
    double conf_sum;           /* confidence x characters */
    size_t chars;
    int cells_left;            /* tesseract calls a table may still make */
} reading;

/* Count got bytes of text read with confidence conf. */
static void account(reading *r, size_t got, int conf)
{
    if (!got || conf <= 0) return;
    r->conf_sum += (double)conf * (double)got;
    r->chars += got;
}

/* OCR one 8-bit region with a page segmentation mode, appending its lines
 * (joined by sep) to out; *conf is tesseract's mean confidence.  Returns
 * -1 when tesseract failed. */
static int read_raw(TessBaseAPI *api, PIX *gray, TessPageSegMode psm, const char *sep, wx_buf *out, int *conf)
{
    PIX *framed = pixAddBorder(gray, CELL_MARGIN, 255);
    if (!framed) return -1;
    tess.SetPageSegMode(api, psm);
    tess.SetImage2(api, framed);
    tess.SetSourceResolution(api, 300);
    char *t = tess.GetUTF8Text(api);
    *conf = tess.MeanTextConf(api);
    tess.Clear(api);
    pixDestroy(&framed);
    if (!t) return -1;
    put_lines(out, t, sep);
    tess.DeleteText(t);
    return 0;
}

/* read_raw, counted into r. */
static int read_region(TessBaseAPI *api, PIX *gray, TessPageSegMode psm, const char *sep, wx_buf *out, reading *r)
{
    size_t before = out->len;
    int conf = 0;
    if (read_raw(api, gray, psm, sep, out, &conf) != 0) return -1;
    account(r, out->len - before, conf);
    return 0;
}

/* Characters, not bytes: "了" and "7" are both one short reading. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* The only readings eng may substitute: a sequence number. */
static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(s[i] >= '0' && s[i] <= '9')) return 0;
    return n > 0;
}

/* A cell read as one or two characters by chi_sim+eng is read again by
 * the English model alone; when that reads only digits, confidently, the
 * digits are kept.  The mixed model reads a table's lone sequence numbers
 * as look-alikes (a lone 7 as 了: 8 such cells in the fixtures, 6 put
 * right this way), and a Chinese cell (是, 否, 序号) is no confident digit
 * string in English. */
static void read_short_cell(TessBaseAPI *api, PIX *cell, wx_buf *out, reading *r)
{
    size_t before = out->len;
    int conf = 0, latin_conf = 0;
    if (read_raw(api, cell, PSM_SINGLE_BLOCK, "", out, &conf) != 0) return;
    size_t n = utf8_chars(out->data + before, out->len - before);
    TessBaseAPI *latin = n && n <= 2 && !all_digits(out->data + before, out->len - before)
                             ? engine_for(latin_key, "eng") : NULL;
    wx_buf alt;
    wx_buf_init(&alt);
    if (latin && read_raw(latin, cell, PSM_SINGLE_LINE, "", &alt, &latin_conf) == 0 &&
        all_digits(alt.data, alt.len) && latin_conf >= DIGIT_CONFIDENCE) {
        out->len = before;
        wx_buf_put(out, alt.data, alt.len);
        conf = latin_conf;
    }
    free(alt.data);
    account(r, out->len - before, conf);
}

/* Does this region hold any ink (a few dark pixels, not JPEG noise)? */
static int has_ink(PIX *gray)
{
    PIX *b = pixThresholdToBinary(gray, INK_THRESHOLD);
    l_int32 n = 0;
    if (b) pixCountPixels(b, &n, NULL);
    pixDestroy(&b);
    return n > 12;
}

/* ---------- the grid ---------- */

typedef struct grid {
    int rows[MAX_RULES], nrows;        /* y of each horizontal rule */
    int rthick[MAX_RULES];             /* its thickness */
    int cols[MAX_RULES], ncols;        /* x of each vertical boundary */
    int cthick[MAX_RULES];
    int left, right;                   /* x extent of the horizontal rules */
} grid;

/* Runs of projection values >= min become rules: a thin run one rule at its
 * centre, a thick one (a filled band such as a coloured header) two rules,
 * its top and its bottom edge. */
static int rules_from_projection(NUMA *proj, int lo, int hi, l_int32 min, int split_thick, int *pos, int *thick)
{
    int n = 0, run = -1;
    for (int i = lo; i <= hi && n < MAX_RULES - 1; i++) {
        l_int32 v = 0;
        if (i < hi) numaGetIValue(proj, i, &v);
        if (i < hi && v >= min) { if (run < 0) run = i; continue; }
        if (run < 0) continue;
        int len = i - run;
        if (split_thick && len > THICK_RULE) {
            pos[n] = run, thick[n++] = 1;
            pos[n] = i - 1, thick[n++] = 1;
        } else {
            pos[n] = run + len / 2, thick[n++] = len;
        }
        run = -1;
    }
    return n;
}

/* The horizontal rules: long horizontal runs covering much of the widest. */
static void find_rows(PIX *bin, grid *g)
{
    l_int32 w = pixGetWidth(bin), h = pixGetHeight(bin);
    int len = w / 5 > 100 ? w / 5 : 100;
    PIX *thick = pixDilateBrick(NULL, bin, 1, 3);
    PIX *lines = thick ? pixOpenBrick(NULL, thick, len, 1) : NULL;
    pixDestroy(&thick);
    g->nrows = 0;
    g->left = w, g->right = 0;
    if (!lines) return;
    NUMA *rows = pixCountPixelsByRow(lines, NULL);
    NUMA *cols = pixCountPixelsByColumn(lines);
    l_float32 maxv = 0;
    if (rows) numaGetMax(rows, &maxv, NULL);
    if (rows && maxv >= w / 3)
        g->nrows = rules_from_projection(rows, 0, h, (l_int32)(maxv * 0.6f), 1, g->rows, g->rthick);
    for (l_int32 x = 0; cols && x < w; x++) {
        l_int32 v = 0;
        numaGetIValue(cols, x, &v);
        if (v > 0 && x < g->left) g->left = x;
        if (v > 0) g->right = x;
    }
    numaDestroy(&rows);
    numaDestroy(&cols);
    pixDestroy(&lines);
}

/* The vertical rule mask (long vertical runs), kept for the per-row check
 * of merged cells. */
static PIX *vertical_lines(PIX *bin)
{
    PIX *thick = pixDilateBrick(NULL, bin, 3, 1);
    PIX *lines = thick ? pixOpenBrick(NULL, thick, 1, 60) : NULL;
    pixDestroy(&thick);
    return lines;
}

/* The vertical boundaries: columns whose rule spans half the table height,
 * plus the ends of the horizontal rules when no rule stands there (tables
 * without outer borders). */
static void find_cols(PIX *vlines, grid *g)
{
    g->ncols = 0;
    if (g->nrows < 2 || !vlines) return;
    int top = g->rows[0], bottom = g->rows[g->nrows - 1];
    BOX *band = boxCreate(0, top, pixGetWidth(vlines), bottom - top + 1);
    PIX *clip = band ? pixClipRectangle(vlines, band, NULL) : NULL;
    boxDestroy(&band);
    NUMA *proj = clip ? pixCountPixelsByColumn(clip) : NULL;
    int pos[MAX_RULES], thick[MAX_RULES], n = 0;
    if (proj) n = rules_from_projection(proj, 0, pixGetWidth(vlines), (bottom - top) / 2, 0, pos, thick);
    numaDestroy(&proj);
    pixDestroy(&clip);
    if (n == 0 || pos[0] - g->left > 20) g->cols[g->ncols] = g->left, g->cthick[g->ncols++] = 1;
    for (int i = 0; i < n && g->ncols < MAX_RULES - 1; i++)
        if (pos[i] >= g->left - 5 && pos[i] <= g->right + 5) g->cols[g->ncols] = pos[i], g->cthick[g->ncols++] = thick[i];
    if (g->ncols && g->right - g->cols[g->ncols - 1] > 20 && g->ncols < MAX_RULES)
        g->cols[g->ncols] = g->right, g->cthick[g->ncols++] = 1;
}

/* Is there a vertical rule at x over most of the band y0..y1?  (No: the
 * cells on both sides are one merged cell.) */
static int rule_in_band(PIX *vlines, int x, int thick, int y0, int y1)
{
    int half = thick / 2 + 3, n = 0;
    for (int y = y0; y < y1; y++) {
        l_uint32 v = 0;
        for (int dx = -half; dx <= half && !v; dx++) pixGetPixel(vlines, (l_uint32)(x + dx), (l_uint32)y, &v);
        n += v != 0;
    }
    return n * 2 >= y1 - y0;
}

/* Whiten what is left of a ruling line along a cell crop's edges (a
 * straightened line may still enter the crop by a pixel or two). */
static void trim_edges(PIX *gray)
{
    l_int32 w = pixGetWidth(gray), h = pixGetHeight(gray);
    for (int pass = 0; pass < 2; pass++) {
        int len = pass ? h : w, other = pass ? w : h;
        for (int k = 0; k < 6 && k < other; k++) {
            for (int side = 0; side < 2; side++) {
                int at = side ? other - 1 - k : k, dark = 0;
                for (int i = 0; i < len; i++) {
                    l_uint32 v = 255;
                    pixGetPixel(gray, (l_uint32)(pass ? at : i), (l_uint32)(pass ? i : at), &v);
                    dark += v < LINE_THRESHOLD;
                }
                if (dark * 10 < len * 6) continue;
                for (int i = 0; i < len; i++) pixSetPixel(gray, (l_uint32)(pass ? at : i), (l_uint32)(pass ? i : at), 255);
            }
        }
    }
}

/* A cell that has ink but gave no text: tesseract's LSTM drops some short
 * bold words at one scale and reads them at another (a header's "周期" at
 * 2x, read at 1.5x and 3x), so an empty answer is retried 1.5x larger,
 * then binarised. */
static void read_inked_cell(TessBaseAPI *api, PIX *cell, wx_buf *out, reading *r)
{
    size_t before = out->len;
    read_short_cell(api, cell, out, r);
    if (out->len > before) return;
    PIX *big = pixScale(cell, 1.5f, 1.5f);
    if (big) read_region(api, big, PSM_SINGLE_BLOCK, "", out, r);
    pixDestroy(&big);
    if (out->len > before) return;
    PIX *bin = pixThresholdToBinary(cell, 128);
    PIX *bin8 = bin ? pixConvert1To8(NULL, bin, 255, 0) : NULL;
    if (bin8) read_region(api, bin8, PSM_SINGLE_LINE, "", out, r);
    pixDestroy(&bin8);
    pixDestroy(&bin);
}

/* One cell's text (a wrapped cell's lines joined) appended to out.  Cells
 * on a dark fill (a coloured header with white text) are inverted first. */
static void read_cell(TessBaseAPI *api, PIX *gray, int x0, int y0, int x1, int y1, wx_buf *out, reading *r)
{
    if (x1 - x0 < 8 || y1 - y0 < 8 || r->cells_left <= 0) return;
    r->cells_left--;
    BOX *box = boxCreate(x0, y0, x1 - x0, y1 - y0);
    PIX *cell = box ? pixClipRectangle(gray, box, NULL) : NULL;
    boxDestroy(&box);
    if (!cell) return;
    l_float32 mean = 255;
    pixGetAverageMasked(cell, NULL, 0, 0, 1, L_MEAN_ABSVAL, &mean);
    if (mean < 128) pixInvert(cell, cell);
    trim_edges(cell);
    if (has_ink(cell)) read_inked_cell(api, cell, out, r);
    pixDestroy(&cell);
}

/* One table row: its cells left to right, tab-separated; a missing
 * vertical rule merges the cells on its two sides. */
static void read_row(TessBaseAPI *api, PIX *gray, PIX *vlines, const grid *g, int i, wx_buf *out, reading *r)
{
    int y0 = g->rows[i] + g->rthick[i] / 2 + 3, y1 = g->rows[i + 1] - g->rthick[i + 1] / 2 - 3;
    if (y1 - y0 < 10) return;
    size_t line_start = out->len;
    int start = 0;
    for (int c = 1; c < g->ncols; c++) {
        if (c < g->ncols - 1 && !rule_in_band(vlines, g->cols[c], g->cthick[c], y0, y1)) continue;
        if (out->len > line_start || start > 0) wx_buf_putc(out, '\t');
        read_cell(api, gray, g->cols[start] + g->cthick[start] / 2 + 3, y0, g->cols[c] - g->cthick[c] / 2 - 3, y1, out, r);
        start = c;
    }
    /* a row with no text at all (a spacer) leaves no line */
    int empty = 1;
    for (size_t k = line_start; k < out->len; k++) empty &= out->data[k] == '\t';
    if (empty) out->len = line_start;
    else wx_buf_putc(out, '\n');
}

/* Text above or below the table (a title, a note): its lines kept. */
static void read_outside(TessBaseAPI *api, PIX *gray, int y0, int y1, wx_buf *out, reading *r)
{
    if (y1 - y0 < 24) return;
    BOX *box = boxCreate(0, y0, pixGetWidth(gray), y1 - y0);
    PIX *part = box ? pixClipRectangle(gray, box, NULL) : NULL;
    boxDestroy(&box);
    if (part && has_ink(part)) {
        size_t before = out->len;
        read_region(api, part, PSM_SINGLE_BLOCK, "\n", out, r);
        if (out->len > before) wx_buf_putc(out, '\n');
    }
    pixDestroy(&part);
}

/* Read gray as a ruled table; returns 0 when there is no grid. */
static int read_table(TessBaseAPI *api, PIX *gray, wx_buf *out, reading *r)
{
    PIX *bin = pixThresholdToBinary(gray, LINE_THRESHOLD);
    if (!bin) return 0;
    grid *g = calloc(1, sizeof *g);
    PIX *vlines = g ? vertical_lines(bin) : NULL;
    if (g) find_rows(bin, g);
    if (g) find_cols(vlines, g);
    pixDestroy(&bin);
    int ok = g && g->nrows >= 3 && g->ncols >= 3;
    if (ok) {
        read_outside(api, gray, 0, g->rows[0] - g->rthick[0] / 2 - 2, out, r);
        for (int i = 0; i + 1 < g->nrows; i++) read_row(api, gray, vlines, g, i, out, r);
        read_outside(api, gray, g->rows[g->nrows - 1] + g->rthick[g->nrows - 1] / 2 + 2, pixGetHeight(gray), out, r);
    }
    pixDestroy(&vlines);
    free(g);
    return ok;
}

/* ---------- one image ---------- */

/* Frames of a GIF (2 is enough to know it is animated): a walk over its
 * blocks, bounded by the bytes. */
static int gif_frames(const unsigned char *p, size_t n)
{
    if (n < 13 || memcmp(p, "GIF8", 4) != 0) return 0;
    size_t i = 13;
    if (p[10] & 0x80) i += (size_t)3 << ((p[10] & 7) + 1);
    int frames = 0;
    while (i < n && frames < 2) {
        if (p[i] == 0x3B) break;
        if (p[i] == 0x2C) {
            frames++;
            if (i + 10 > n) break;
            unsigned flags = p[i + 9];
            i += 10;
            if (flags & 0x80) i += (size_t)3 << ((flags & 7) + 1);
            i++;                                        /* LZW minimum code size */
        } else if (p[i] == 0x21) {
            i += 2;
        } else {
            break;
        }
        while (i < n && p[i]) i += (size_t)p[i] + 1;    /* data sub-blocks */
        i++;
    }
    return frames;
}

/* A result without text, saying why. */
static wx_ocr_result not_read(wx_ocr_status st, const char *why)
{
    wx_ocr_result r = {.status = st, .why = why};
    return r;
}

/* Filled bands (a coloured table header with white text): inside each,
 * the pixels far from the band's own colour become black ink and the rest
 * white, so the header reads like the other rows and its fill is not taken
 * for a ruling line (the band's blurred edges stay, as the row's rules).
 * A band is a large area where most pixels of every 13x13 window are
 * mid-tones (the fill colour); black text on white has mid-tones only
 * along its strokes' edges.  The band's holes (its text) are filled, but
 * it must not grow into the rows around it: a 41x41 closing did, and
 * blackened their dense text (a small rotated table read 0.71 instead of
 * 0.96). */
static void flatten_bands(PIX *gray)
{
    PIX *mid = pixGenerateMaskByBand(gray, 30, 200, 1, 1);
    PIX *mid8 = mid ? pixConvert1To8(NULL, mid, 255, 0) : NULL;
    PIX *low = mid8 ? pixBlockconv(mid8, 6, 6) : NULL;
    PIX *dark = low ? pixThresholdToBinary(low, 50) : NULL;
    PIX *closed = dark ? pixCloseSafeBrick(NULL, dark, 15, 15) : NULL;
    PIX *holes = closed ? pixHolesByFilling(closed, 4) : NULL;
    PIX *filled = holes ? pixOr(NULL, closed, holes) : NULL;
    PIX *solid = filled ? pixOpenBrick(NULL, filled, 120, 24) : NULL;
    BOXA *boxes = solid ? pixConnCompBB(solid, 4) : NULL;
    l_int32 n = boxes ? boxaGetCount(boxes) : 0;
    l_uint32 *gd = pixGetData(gray), *md = solid ? pixGetData(solid) : NULL;
    l_int32 gwpl = pixGetWpl(gray), mwpl = solid ? pixGetWpl(solid) : 0;
    for (l_int32 i = 0; i < n && i < 64; i++) {
        l_int32 x0 = 0, y0 = 0, w = 0, h = 0;
        BOX *box = boxaGetBox(boxes, i, L_CLONE);
        PIX *part = box ? pixClipRectangle(gray, box, NULL) : NULL;
        l_float32 bg = 0;
        if (part) pixGetRankValueMasked(part, NULL, 0, 0, 2, 0.5f, &bg, NULL);
        if (box) boxGetGeometry(box, &x0, &y0, &w, &h);
        /* ink is a third of the way from the fill towards white or black,
         * whichever is farther (about 60 levels for a blue header) */
        int far = (bg > 127 ? (int)bg : 255 - (int)bg) / 3;
        for (l_int32 y = y0; part && y < y0 + h; y++)
            for (l_int32 x = x0; x < x0 + w; x++) {
                if (!GET_DATA_BIT(md + y * mwpl, x)) continue;
                int g = GET_DATA_BYTE(gd + y * gwpl, x);
                SET_DATA_BYTE(gd + y * gwpl, x, abs(g - (int)bg) > far ? 0 : 255);
            }
        pixDestroy(&part);
        boxDestroy(&box);
    }
    boxaDestroy(&boxes);
    pixDestroy(&solid);
    pixDestroy(&filled);
    pixDestroy(&holes);
    pixDestroy(&closed);
    pixDestroy(&dark);
    pixDestroy(&low);
    pixDestroy(&mid8);
    pixDestroy(&mid);
}

/* Leptonica's deskew turns only when its confidence is over 3; a table
 * 1.5x smaller than WeChat's, turned 1 degree, scores 2.75 for the right
 * angle.  The ruling lines make even a weak score trustworthy, so 1.5 is
 * enough here.  Returns a new image, or NULL on failure. */
static PIX *straighten(PIX *pix)
{
    l_float32 angle = 0, conf = 0;
    PIX *d = pixFindSkewAndDeskew(pix, 2, &angle, &conf);
    if (d != pix || fabsf(angle) < 0.1f || conf < 1.5f) return d;
    pixDestroy(&d);
    return pixRotate(pix, 0.0174532925f * angle, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
}

/* The 8-bit working image: scaled so text is 30-40 px high, straightened. */
static PIX *working_image(PIX *pix)
{
    PIX *gray = pixConvertTo8(pix, 0);
    if (!gray) return NULL;
    l_int32 w = pixGetWidth(gray), h = pixGetHeight(gray);
    float scale = (float)WORK_WIDTH / (float)w;
    if (scale > MAX_SCALE) scale = MAX_SCALE;
    if (scale < 1) scale = 1;
    while (scale > 1 && (double)w * h * scale * scale > (double)WX_OCR_MAX_PIXELS) scale -= 0.25f;
    PIX *big = scale > 1 ? pixScale(gray, scale, scale) : pixClone(gray);
    pixDestroy(&gray);
    if (!big) return NULL;
    PIX *straight = straighten(big);
    if (straight) pixDestroy(&big);
    else straight = big;
    flatten_bands(straight);
    return straight;
}

/* Cheap refusals first (header only: size, animation), then one engine
 * per thread on the working image: a table when a grid is found, else the
 * page's lines. */
wx_ocr_result wx_ocr_bytes(const unsigned char *bytes, size_t len)
{
    l_int32 format, w = 0, h = 0, bps, spp, cmap;
    if (!bytes || len == 0) return not_read(WX_OCR_FAILED, "empty");
    if (len > WX_OCR_MAX_BYTES) return not_read(WX_OCR_SKIPPED, "too large");
    pthread_once(&engine_once, engine_once_init);
    if (pixReadHeaderMem(bytes, len, &format, &w, &h, &bps, &spp, &cmap) != 0)
        return not_read(WX_OCR_FAILED, "not an image");
    if (w < WX_OCR_MIN_SIDE || h < WX_OCR_MIN_SIDE) return not_read(WX_OCR_SKIPPED, "too small");
    if ((double)w * h > (double)WX_OCR_MAX_PIXELS) return not_read(WX_OCR_SKIPPED, "too many pixels");
    if (gif_frames(bytes, len) > 1) return not_read(WX_OCR_SKIPPED, "animated");
    TessBaseAPI *api = engine();
    if (!api) return not_read(WX_OCR_FAILED, tess_loaded ? "tesseract chi_sim+eng data missing" : "wx_ocr_load not called");
    PIX *pix = pixReadMem(bytes, len);
    PIX *gray = pix ? working_image(pix) : NULL;
    pixDestroy(&pix);
    if (!gray) return not_read(WX_OCR_FAILED, "cannot decode");
    reading rd = {.cells_left = MAX_CELLS};
    wx_buf_init(&rd.text);
    wx_ocr_result res = {.status = WX_OCR_READ};
    res.table = read_table(api, gray, &rd.text, &rd);
    if (!res.table && read_region(api, gray, PSM_AUTO, "\n", &rd.text, &rd) != 0) {
        pixDestroy(&gray);
        free(rd.text.data);
        return not_read(WX_OCR_FAILED, "tesseract failed");
    }
    pixDestroy(&gray);
    while (rd.text.len && rd.text.data[rd.text.len - 1] == '\n') rd.text.data[--rd.text.len] = '\0';
    char *raw = wx_buf_take(&rd.text);
    res.text = wx_utf8_clean(raw, strlen(raw));
    free(raw);
    res.confidence = rd.chars ? rd.conf_sum / (double)rd.chars : 0;
    return res;
}

/* Whole-file read with the size cap checked on fstat, before any
 * allocation; shared with ocr_images.c, which hashes the same bytes. */
unsigned char *wx_ocr_read_file(const char *path, size_t *len, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    *why = "cannot read";
    if (fd < 0) return NULL;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) { close(fd); return NULL; }
    if ((size_t)sb.st_size > WX_OCR_MAX_BYTES) { *why = "too large"; close(fd); return NULL; }
    unsigned char *buf = malloc((size_t)sb.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)sb.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got == 0) { free(buf); return NULL; }
    *len = got;
    return buf;
}

/* ocr_cli's entry: the same as wx_ocr_bytes on the file's bytes. */
wx_ocr_result wx_ocr_file(const char *path)
{
    size_t len = 0;
    const char *why;
    unsigned char *bytes = wx_ocr_read_file(path, &len, &why);
    if (!bytes) return not_read(strcmp(why, "too large") == 0 ? WX_OCR_SKIPPED : WX_OCR_FAILED, why);
    wx_ocr_result r = wx_ocr_bytes(bytes, len);
    free(bytes);
    return r;
}

/* Results are values; only their text is owned. */
void wx_ocr_result_free(wx_ocr_result *r)
{
    free(r->text);
    r->text = NULL;
}
