/*
 * imagehdr: format sniffing and header dimensions (see imagehdr.h).
 * Every read is bounds-checked against len: the bytes come from the
 * network or from a folder a page was saved into.
 */
#include "imagehdr.h"

#include <string.h>
#include <strings.h>

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long be32(const unsigned char *p) { return (unsigned long)be16(p) << 16 | be16(p + 2); }
static unsigned le16(const unsigned char *p) { return (unsigned)p[1] << 8 | p[0]; }
static unsigned long le24(const unsigned char *p) { return (unsigned long)p[2] << 16 | le16(p); }

/* An SVG document: after a BOM, white space, an XML declaration, comments
 * and a DOCTYPE, the first element is <svg.  An HTML page that merely
 * contains an inline <svg> is not one. */
static int is_svg(const unsigned char *p, size_t len)
{
    size_t i = 0, lim = len < 4096 ? len : 4096;
    if (lim >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) i = 3;
    for (;;) {
        while (i < lim && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
        if (i + 4 >= lim || p[i] != '<') return 0;
        const char *end = NULL;
        if (p[i + 1] == '?') end = "?>";
        else if (p[i + 1] == '!' && p[i + 2] == '-' && p[i + 3] == '-') end = "-->";
        else if (p[i + 1] == '!') end = ">";
        else return strncasecmp((const char *)p + i + 1, "svg", 3) == 0 &&
                    (p[i + 4] == ' ' || p[i + 4] == '>' || p[i + 4] == '\t' || p[i + 4] == '\r' || p[i + 4] == '\n');
        const unsigned char *e = memmem(p + i + 2, lim - i - 2, end, strlen(end));
        if (!e) return 0;
        i = (size_t)(e - p) + strlen(end);
    }
}

const char *wx_image_sniff(const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    if (!p) return NULL;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return "jpeg";
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
    if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) return "gif";
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) return "webp";
    if (is_svg(p, len)) return "svg";
    return NULL;
}

const char *wx_image_ext(const char *format)
{
    static const char *const map[][2] = {{"jpeg", "jpg"}, {"png", "png"}, {"gif", "gif"},
                                         {"webp", "webp"}, {"svg", "svg"}};
    for (size_t i = 0; format && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(format, map[i][0]) == 0) return map[i][1];
    return "bin";
}

/* JPEG: walk the marker segments to the first start-of-frame (C0-CF, but
 * not DHT C4, JPG C8, DAC CC), which holds height then width. */
static int jpeg_size(const unsigned char *p, size_t len, long *w, long *h)
{
    size_t i = 2;
    while (i + 4 <= len) {
        if (p[i] != 0xFF) return -1;
        unsigned m = p[i + 1];
        if (m == 0xFF) { i++; continue; }                      /* fill byte */
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { i += 2; continue; }   /* no length */
        if (m == 0xD9 || m == 0xDA) return -1;                 /* end, or scan data before any frame */
        size_t seg = be16(p + i + 2);
        if (seg < 2) return -1;
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (i + 9 > len || seg < 7) return -1;
            *h = (long)be16(p + i + 5);
            *w = (long)be16(p + i + 7);
            return 0;
        }
        i += 2 + seg;
    }
    return -1;
}

/* WebP: the first chunk says which coding; each keeps the size elsewhere. */
static int webp_size(const unsigned char *p, size_t len, long *w, long *h)
{
    if (len < 30) return -1;
    if (memcmp(p + 12, "VP8 ", 4) == 0) {
        if (p[23] != 0x9D || p[24] != 0x01 || p[25] != 0x2A) return -1;   /* key frame start code */
        *w = (long)(le16(p + 26) & 0x3FFF);
        *h = (long)(le16(p + 28) & 0x3FFF);
        return 0;
    }
    if (memcmp(p + 12, "VP8L", 4) == 0) {
        if (p[20] != 0x2F) return -1;
        unsigned long bits = (unsigned long)p[21] | (unsigned long)p[22] << 8 | (unsigned long)p[23] << 16 |
                             (unsigned long)p[24] << 24;
        *w = (long)(bits & 0x3FFF) + 1;
        *h = (long)((bits >> 14) & 0x3FFF) + 1;
        return 0;
    }
    if (memcmp(p + 12, "VP8X", 4) == 0) {
        *w = (long)le24(p + 24) + 1;
        *h = (long)le24(p + 27) + 1;
        return 0;
    }
    return -1;
}

int wx_image_size(const void *bytes, size_t len, long *width, long *height)
{
    const unsigned char *p = bytes;
    const char *fmt = wx_image_sniff(bytes, len);
    long w = 0, h = 0;
    int rc = -1;
    if (!fmt) return -1;
    if (strcmp(fmt, "jpeg") == 0) rc = jpeg_size(p, len, &w, &h);
    else if (strcmp(fmt, "png") == 0 && len >= 24 && memcmp(p + 12, "IHDR", 4) == 0) {
        w = (long)be32(p + 16);
        h = (long)be32(p + 20);
        rc = 0;
    } else if (strcmp(fmt, "gif") == 0 && len >= 10) {
        w = (long)le16(p + 6);
        h = (long)le16(p + 8);
        rc = 0;
    } else if (strcmp(fmt, "webp") == 0) rc = webp_size(p, len, &w, &h);
    if (rc != 0 || w <= 0 || h <= 0) return -1;
    *width = w;
    *height = h;
    return 0;
}
