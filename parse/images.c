/*
 * Image classification: the format an image URL names and the role an
 * image plays in an article.  The rules look at structure every template
 * shares (CDN paths, repetition, shape, the link around an image, the words
 * next to it), never at particular files.
 */
#include "images.h"

#include <string.h>
#include <strings.h>

static const char *const formats[] = {"jpeg", "png", "gif", "webp", "svg", NULL};

/* "jpg" is written for jpeg; anything else WeChat writes ("other", "bmp")
 * is not a format we can name. */
static const char *format_word(const char *s, size_t n)
{
    if (n == 3 && strncasecmp(s, "jpg", 3) == 0) return "jpeg";
    for (int i = 0; formats[i]; i++)
        if (n == strlen(formats[i]) && strncasecmp(s, formats[i], n) == 0) return formats[i];
    return NULL;
}

const char *wx_image_format(const char *url)
{
    if (!url) return NULL;
    const char *q = strstr(url, "wx_fmt=");
    if (q) {
        q += 7;
        const char *f = format_word(q, strcspn(q, "&#/"));
        if (f) return f;
    }
    if (strstr(url, "tp=webp")) return "webp";
    /* mmbiz.qpic.cn/mmbiz_png/…, sz_mmbiz_gif/… */
    const char *m = strstr(url, "mmbiz_");
    if (m) {
        m += 6;
        const char *f = format_word(m, strcspn(m, "/"));
        if (f) return f;
    }
    /* a plain file name: …/x.png?… */
    size_t end = strcspn(url, "?#");
    for (size_t i = end; i > 0; i--) {
        if (url[i - 1] == '/') break;
        if (url[i - 1] == '.') return format_word(url + i, end - i);
    }
    return NULL;
}

static int contains_any(const char *s, const char *const *words)
{
    if (!s) return 0;
    for (int i = 0; words[i]; i++)
        if (strstr(s, words[i])) return 1;
    return 0;
}

const char *wx_image_role(const char *url, int occurrences, int links_to_article,
                          const char *alt, const char *near, double width, double height)
{
    static const char *const qr_words[] = {"二维码", "扫码", "扫一扫", "长按识别", "识别图中",
                                           "qrcode", "QRCode", "qr_code", NULL};
    static const char *const avatar_hosts[] = {"wx.qlogo.cn/", "/mmhead/", "mmbiz.qlogo.cn/",
                                               "thirdwx.qlogo.cn/", NULL};
    if (!url) return "content";
    if (contains_any(url, avatar_hosts)) return "avatar";
    if (links_to_article) return "banner";
    double ratio = (width > 0 && height > 0) ? height / width : -1;
    int squarish = ratio < 0 || (ratio > 0.8 && ratio < 1.25);
    if (strstr(url, "qrcode") || strstr(url, "/qr/") || contains_any(alt, qr_words) ||
        (squarish && contains_any(near, qr_words)))
        return "qrcode";
    const char *fmt = wx_image_format(url);
    /* Dividers and spacers: animated or thin pictures used again and again,
     * very wide and short strips, tiny things.  A repeated photo is still
     * content. */
    int gif = fmt && strcmp(fmt, "gif") == 0;
    int thin = ratio > 0 && ratio < 0.25;
    if (occurrences >= 2 && (gif || thin || (width > 0 && width < 200))) return "decoration";
    if (ratio > 0 && ratio < 0.08) return "decoration";
    if (width > 0 && width < 40) return "decoration";
    if (gif && thin) return "decoration";
    return "content";
}
