/*
 * images: what an image of an article is (images.c): its format from the
 * URL and its role in the article.
 */
#ifndef WX_PARSE_IMAGES_H
#define WX_PARSE_IMAGES_H


/* Image format from wx_fmt= or the mmbiz_xxx path segment: "jpeg", "png",
 * "gif", "webp", "svg" or NULL. */
const char *wx_image_format(const char *url);

/* What an image in an article is for.  Inputs: the cleaned URL, how many
 * times this URL occurs in the article, whether it sits inside a link to
 * another article, its alt text and the text of its enclosing small block
 * (either may be NULL), and its size in pixels (-1 when unknown).  Returns
 * "content", "decoration", "qrcode", "avatar" or "banner". */
const char *wx_image_role(const char *url, int occurrences, int links_to_article,
                          const char *alt, const char *near, double width, double height);

#endif
