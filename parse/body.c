/*
 * body: the one stage both front ends (HTML pages in parse.c, markdown
 * archives in markdown.c) hand a body to.  It puts the body's images (the
 * record's cover first, each with its role) and links (hyperlinks, then
 * URLs written in the text, then 阅读原文) into the record, and names the
 * status of a WeChat message page, so that neither front end calls the
 * other.
 */
#include "body.h"
#include "images.h"
#include "record.h"
#include "text.h"
#include "url.h"
#include "../ingest/strmap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int text_has(const char *hay, const char *const *needles)
{
    if (!hay) return 0;
    for (int i = 0; needles[i]; i++)
        if (strstr(hay, needles[i])) return 1;
    return 0;
}

/* The status a WeChat message names ("该内容已被发布者删除" → deleted), or
 * NULL.  Both front ends ask: a page shows the message in its markup, a
 * markdown archive keeps it as text. */
const char *wx_message_status(const char *t)
{
    static const char *const verify[] = {"环境异常", "完成验证后即可继续访问", "去验证", "验证身份",
                                         "访问过于频繁", NULL};
    static const char *const deleted[] = {"该内容已被发布者删除", "deleted by the author",
                                          "此帐号已自主注销", NULL};
    static const char *const blocked[] = {"此内容因违规无法查看", "涉嫌违反相关法律法规",
                                          "被投诉且经审核涉嫌侵权", "此帐号已被屏蔽", "违规无法查看",
                                          NULL};
    static const char *const unavailable[] = {"该内容暂时无法查看", "链接已过期", "此内容发送失败无法查看",
                                              "该公众号已迁移", "此帐号处于帐号迁移流程中",
                                              "content is unavailable", NULL};
    if (text_has(t, verify)) return "verify";
    if (text_has(t, deleted)) return "deleted";
    if (text_has(t, blocked)) return "blocked";
    if (text_has(t, unavailable)) return "unavailable";
    return NULL;
}

static json_t *image_json(const wx_image *im, const char *role)
{
    json_t *j = json_object();
    json_object_set_new(j, "url", wx_json_str(im->url));
    const char *fmt = wx_image_format(im->url);
    json_object_set_new(j, "format", fmt ? json_string(fmt) : json_null());
    json_object_set_new(j, "width", im->width > 0 ? json_integer((json_int_t)im->width) : json_null());
    json_object_set_new(j, "height", im->height > 0 ? json_integer((json_int_t)im->height) : json_null());
    json_object_set_new(j, "alt", im->alt && *im->alt ? wx_json_str(im->alt) : json_null());
    json_object_set_new(j, "role", json_string(role));
    json_object_set_new(j, "local", im->local ? wx_json_str(im->local) : json_null());
    /* filled after parsing from the image's file, the store's or a saved
     * page's NAME_files/ copy; text with --ocr (output/ocr_images.c) */
    json_object_set_new(j, "sha256", json_null());
    json_object_set_new(j, "bytes", json_null());
    json_object_set_new(j, "text", json_null());
    json_object_set_new(j, "text_confidence", json_null());
    return j;
}

/* How often each image URL occurs, counted once over the images: a
 * page can hold tens of thousands of images.  NULL when out of memory. */
static size_t *image_occurrences(const wx_body *b)
{
    size_t *counts = calloc(b->nimages ? b->nimages : 1, sizeof *counts);
    wx_strmap seen = {0};
    int added, ok = counts != NULL;
    for (size_t i = 0; ok && i < b->nimages; i++) {
        size_t *v = wx_strmap_put(&seen, b->images[i].url, &added);
        ok = v != NULL;
        if (ok) ++*v;
    }
    for (size_t i = 0; ok && i < b->nimages; i++) counts[i] = *wx_strmap_get(&seen, b->images[i].url);
    wx_strmap_free(&seen);
    if (!ok) { free(counts); return NULL; }
    return counts;
}

/* The record's cover first, then every image of the body with its role. */
static void emit_images(json_t *rec, wx_body *b)
{
    json_t *arr = json_object_get(rec, "images");
    const char *cover = json_string_value(json_object_get(rec, "cover"));
    if (cover) {
        wx_image im = {.url = (char *)cover, .width = -1, .height = -1};
        json_array_append_new(arr, image_json(&im, "cover"));
    }
    size_t *occurrences = image_occurrences(b);
    for (size_t i = 0; occurrences && i < b->nimages; i++) {
        wx_image *im = &b->images[i];
        int n = occurrences[i] > INT_MAX ? INT_MAX : (int)occurrences[i];
        const char *role = im->role ? im->role
                                    : wx_image_role(im->url, n, im->in_article_link, im->alt,
                                                    im->near, im->width, im->height);
        json_array_append_new(arr, image_json(im, role));
    }
    free(occurrences);
}

/* The links of one record and the set of their URLs: a page can write
 * tens of thousands of distinct links, each checked before it is added.
 * The set borrows the URL strings the links array holds. */
typedef struct link_list { json_t *links; wx_strmap urls; } link_list;

static void add_link(link_list *l, const char *url, const char *text)
{
    if (!url || wx_strmap_get(&l->urls, url)) return;
    json_t *u = wx_json_str(url);
    json_t *link = json_pack("{s:o, s:o}", "url", u, "text", text && *text ? wx_json_str(text) : json_null());
    if (!link) return;
    int added;
    wx_strmap_put(&l->urls, json_string_value(u), &added);
    json_array_append_new(l->links, link);
}

/* Hyperlinks of the body, then URLs written out in its text, then the
 * article's 阅读原文 link (read_more, raw; may be NULL). */
static void emit_links(json_t *rec, wx_body *b, const char *text, const char *read_more)
{
    link_list links = {.links = json_object_get(rec, "links")};
    for (size_t i = 0; i < b->nlinks; i++) add_link(&links, b->links[i].url, b->links[i].text);
    const char *p = text;
    while (p && (p = strstr(p, "http")) != NULL) {
        if (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0) { p += 4; continue; }
        size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'*+,;=%");
        while (n > 8 && strchr(".,;:!?'", p[n - 1])) n--;
        char *u = strndup(p, n);
        if (u && strlen(u) > 10) add_link(&links, u, u);
        free(u);
        p += n;
    }
    char *clean = read_more ? wx_url_clean(read_more) : NULL;
    if (clean && strncmp(clean, "http", 4) == 0) add_link(&links, clean, "阅读原文");
    free(clean);
    wx_strmap_free(&links.urls);
}

void wx_body_emit(json_t *rec, wx_body *b, const char *text, const char *read_more)
{
    emit_images(rec, b);
    emit_links(rec, b, text, read_more);
}
