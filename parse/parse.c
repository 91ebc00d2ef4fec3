/*
 * wx_parse: one document in, one record out.
 *
 *   1. reject what is not a page (read errors, empty, binary, no markup);
 *   2. split the page (page.c) and read its script variables (jsvars.c);
 *   3. build the DOM of the markup (dom.c);
 *   4. classify: article, or one of WeChat's error / verification pages;
 *   5. fill the fields, each from its most structured source first:
 *      script variables, then the DOM and meta tags, then URLs;
 *   6. extract the body: text, images, links.
 */
#include "dates.h"
#include "text.h"
#include "url.h"
#include "scan.h"
#include "jsvars.h"
#include "page.h"
#include "dom.h"
#include "record.h"
#include "markdown.h"
#include "body.h"
#include "notice.h"
#include "parse.h"
#include "../ingest/sniff.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct {
    const wx_doc *doc;
    wx_page page;
    wx_jsvars vars;
    htmlDocPtr dom;
    xmlNodePtr root;
    json_t *rec;
    json_t *account;
    char *unescaped;        /* the page itself when it came as a string dump */
    unsigned char *inner_html;   /* per script: wx_jsvars_scan's answer (NULL: not known) */
} parse_ctx;

int wx_parse_init(void)
{
    xmlInitParser();
    return wx_jsvars_compile();
}

/* The first variable among keys (NULL-terminated) with a non-empty value. */
static const char *var_first(const parse_ctx *c, ...)
{
    va_list ap;
    va_start(ap, c);
    const char *key, *val = NULL;
    while (!val && (key = va_arg(ap, const char *)) != NULL) val = wx_jsvars_get(&c->vars, key);
    va_end(ap);
    return val;
}

/* Text from a script variable: entity-decoded the way the page's own
 * htmlDecode()/.html(false) would, then trimmed to one line. */
static char *var_text(const char *v)
{
    if (!v) return NULL;
    char *dec = wx_html_unescape(v, strlen(v));
    char *line = wx_text_oneline(dec);
    free(dec);
    return line;
}

static void set_text_field(json_t *obj, const char *key, char *owned)
{
    if (owned) wx_json_set_if_null(obj, key, owned);
    free(owned);
}

static void set_url_field(json_t *obj, const char *key, const char *raw)
{
    char *u = raw ? wx_url_clean(raw) : NULL;
    if (u && (strncasecmp(u, "http", 4) == 0)) wx_json_set_if_null(obj, key, u);
    free(u);
}

static const char *field(const parse_ctx *c, const char *key)
{
    return json_string_value(json_object_get(c->rec, key));
}

/* ---------- step 4: classification ---------- */

/* Whether the DOM carries an article: the containers every template since
 * 2014 uses, or the title/body script data of share pages. */
static int is_article_page(const parse_ctx *c)
{
    static const char *const ids[] = {"js_article", "js_content", "activity-name", "img-content",
                                      "js_text_title", NULL};
    for (int i = 0; ids[i]; i++)
        if (wx_dom_by_id(c->root, ids[i])) return 1;
    return var_first(c, "msg_title", "d.title", "cgi.title", NULL) != NULL;
}

/* The message of a page that writes its .weui-msg block from a script
 * (document.write('<h2 class="weui-msg__title">验证身份</h2>…'), 2019
 * rate-limit pages): the text after each weui-msg__title / __desc class in
 * the script bodies, up to the next tag.  Malloc'd, or NULL. */
static char *scripted_message(const parse_ctx *c)
{
    static const char *const marks[] = {"weui-msg__title", "weui-msg__desc", NULL};
    wx_buf out;
    wx_buf_init(&out);
    for (size_t i = 0; i < c->page.nscripts; i++) {
        const char *s = c->page.scripts[i].s, *end = s + c->page.scripts[i].n;
        for (int m = 0; marks[m]; m++) {
            size_t ml = strlen(marks[m]);
            for (const char *p = s; (p = memmem(p, (size_t)(end - p), marks[m], ml)) != NULL; p += ml) {
                const char *gt = memchr(p, '>', (size_t)(end - p) < 256 ? (size_t)(end - p) : 256);
                if (!gt) continue;
                const char *lt = memchr(gt + 1, '<', (size_t)(end - gt - 1) < 512 ? (size_t)(end - gt - 1) : 512);
                if (!lt) continue;
                if (out.len) wx_buf_putc(&out, ' ');
                wx_buf_put(&out, gt + 1, (size_t)(lt - gt - 1));
            }
        }
    }
    if (!out.len) { free(out.data); return NULL; }
    char *raw = wx_buf_take(&out);
    char *line = var_text(raw);
    free(raw);
    return line;
}

/* Status of a page that is not an article, from the message WeChat shows:
 * the .weui-msg block, the old .mesg-block, the same block written by a
 * script, or the title. */
static const char *error_page_status(const parse_ctx *c)
{
    if (memmem(c->page.src, c->page.src_len, "wappoc_appmsgcaptcha", 20) ||
        memmem(c->page.src, c->page.src_len, "secitptpage/verify", 18))
        return "verify";
    xmlNodePtr msg = wx_dom_by_class(c->root, "weui-msg");
    if (!msg) msg = wx_dom_by_class(c->root, "mesg-block");
    if (!msg) msg = wx_dom_by_class(c->root, "global_error_msg");
    char *text = wx_dom_text_line(msg);
    if (!text) text = scripted_message(c);
    char *title = wx_dom_text_line(wx_dom_by_tag(c->root, "title"));
    const char *status = wx_message_status(text);
    if (!status) status = wx_message_status(title);
    if (!status) status = "not_article";
    if (strcmp(status, "not_article") != 0 && text) {
        wx_buf msg;
        wx_buf_init(&msg);
        wx_buf_puts(&msg, "page says: ");
        wx_buf_puts(&msg, text);
        wx_record_warn(c->rec, msg.data);
        free(msg.data);
    }
    free(text);
    free(title);
    return status;
}

static const char *kind_name(const char *item_show_type)
{
    static const struct { const char *code, *name; } kinds[] = {
        {"0", "article"}, {"5", "video"}, {"6", "music"}, {"7", "audio"},
        {"8", "picture"}, {"10", "text"}, {"17", "short"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(item_show_type, kinds[i].code) == 0) return kinds[i].name;
    return NULL;
}

/* ---------- step 5: the fields ---------- */

static int all_of(const char *s, const char *set)
{
    if (!s || !*s) return 0;
    return strspn(s, set) == strlen(s);
}

#define DIGITS "0123456789"
#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"
#define HEX "0123456789abcdefABCDEF"

static void set_identity_part(parse_ctx *c, const char *key, const char *v, const char *charset)
{
    if (v && all_of(v, charset) && strlen(v) < 128) wx_json_set_if_null(c->rec, key, v);
}

/* __biz, mid, idx, sn: script variables first, then every URL the page
 * states for itself. */
static void fill_identity(parse_ctx *c)
{
    set_identity_part(c, "biz", var_first(c, "biz", "d.biz", "cgi.bizuin", "cgi.biz", NULL), B64);
    set_identity_part(c, "mid", var_first(c, "mid", "d.mid", "cgi.mid", "appmsgid", "cgi.appmsgid", NULL), DIGITS);
    set_identity_part(c, "idx", var_first(c, "idx", "d.idx", "cgi.idx", NULL), DIGITS);
    set_identity_part(c, "sn", var_first(c, "sn", "d.sn", "cgi.sn", NULL), HEX);
    const char *urls[] = {
        var_first(c, "msg_link", "d.msg_link", "cgi.link", "link", NULL),
        wx_dom_meta(c->root, "og:url"),
        c->doc->url,
        c->page.wayback_url,
        wx_dom_self_url(c->root),
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        if (!urls[i]) continue;
        wx_url_ids ids;
        wx_url_ids_parse(urls[i], &ids);
        set_identity_part(c, "biz", ids.biz, B64);
        set_identity_part(c, "mid", ids.mid, DIGITS);
        set_identity_part(c, "idx", ids.idx, DIGITS);
        set_identity_part(c, "sn", ids.sn, HEX);
        wx_url_ids_free(&ids);
    }
    const char *biz = field(c, "biz"), *mid = field(c, "mid"), *idx = field(c, "idx"), *sn = field(c, "sn");
    char *url = wx_url_article(biz, mid, idx, sn);
    for (size_t i = 0; !url && i < sizeof urls / sizeof urls[0]; i++)
        if (urls[i]) url = wx_url_canonical(urls[i]);
    if (url) wx_json_set_str(c->rec, "url", url);
    free(url);
    if (biz && mid && idx) {
        size_t n = strlen(biz) + strlen(mid) + strlen(idx) + 3;
        char *id = malloc(n);
        if (id) { snprintf(id, n, "%s:%s:%s", biz, mid, idx); wx_json_set_str(c->rec, "id", id); }
        free(id);
    }
    if (idx) json_object_set_new(c->rec, "idx", json_integer(strtoll(idx, NULL, 10)));
}

static void fill_title(parse_ctx *c, const char *account_name)
{
    set_text_field(c->rec, "title", var_text(var_first(c, "msg_title", "d.title", "cgi.title", NULL)));
    set_text_field(c->rec, "title", var_text(wx_dom_meta(c->root, "og:title")));
    set_text_field(c->rec, "title", wx_dom_text_line(wx_dom_by_id(c->root, "activity-name")));
    set_text_field(c->rec, "title", wx_dom_text_line(wx_dom_by_id(c->root, "js_text_title")));
    set_text_field(c->rec, "title", var_text(wx_dom_meta(c->root, "twitter:title")));
    set_text_field(c->rec, "title", var_text(var_first(c, "video_title", NULL)));
    if (!json_is_null(json_object_get(c->rec, "title"))) return;
    /* <title> is the last resort: late-2018 templates put the account name
     * there, 2019+ leave it empty. */
    char *t = wx_dom_text_line(wx_dom_by_tag(c->root, "title"));
    if (t && (!account_name || strcmp(t, account_name) != 0)) {
        wx_json_set_str(c->rec, "title", t);
        wx_record_warn(c->rec, "title taken from <title>");
    }
    free(t);
}

/* The old profile card: <label class="profile_meta_label">微信号</label>
 * <span class="profile_meta_value">alias</span>. */
static char *dom_alias(parse_ctx *c)
{
    xmlNodePtr label = wx_dom_by_class(c->root, "profile_meta_label");
    if (!label) return NULL;
    char *l = wx_dom_text_line(label);
    int is_alias = l && strstr(l, "微信号");
    free(l);
    if (!is_alias) return NULL;
    for (xmlNodePtr n = label->next; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && wx_dom_has_class(n, "profile_meta_value")) return wx_dom_text_line(n);
    return NULL;
}

static void fill_account(parse_ctx *c)
{
    json_t *a = c->account;
    set_text_field(a, "name", var_text(var_first(c, "nickname", "d.nick_name", "cgi.nick_name", "nick_name", NULL)));
    set_text_field(a, "name", wx_dom_text_line(wx_dom_by_id(c->root, "js_name")));
    set_text_field(a, "name", wx_dom_text_line(wx_dom_by_class(c->root, "wx_follow_nickname")));
    set_text_field(a, "name", wx_dom_text_line(wx_dom_by_class(c->root, "profile_nickname")));
    set_text_field(a, "name", wx_dom_text_line(wx_dom_by_id(c->root, "post-user")));
    const char *user = var_first(c, "user_name", "d.user_name", "cgi.user_name", NULL);
    if (user && strncmp(user, "gh_", 3) == 0) set_text_field(a, "id", var_text(user));
    set_text_field(a, "alias", var_text(var_first(c, "alias", "cgi.alias", "d.alias", NULL)));
    set_text_field(a, "alias", dom_alias(c));
    set_url_field(a, "avatar", var_first(c, "round_head_img", "d.round_head_img", "cgi.round_head_img",
                                         "hd_head_img", "cgi.hd_head_img", "ori_head_img_url", NULL));
}

/* "2018-06-20", "2018年6月20日", "2025-11-10 12:00" → ISO date or time. */
static int iso_from_text(const char *s, char *out, size_t outsz)
{
    int y, mo, d, h = -1, mi = -1;
    if (!s) return 0;
    while (*s && !isdigit((unsigned char)*s)) s++;
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 ||
        sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 ||
        sscanf(s, "%4d年%2d月%2d日%n", &y, &mo, &d, &n) == 3 ||
        sscanf(s, "%4d/%2d/%2d%n", &y, &mo, &d, &n) == 3) {
        if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > 31) return 0;
        if (h >= 0 && h < 24 && mi >= 0 && mi < 60)
            snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:00+08:00", y, mo, d, h, mi);
        else
            snprintf(out, outsz, "%04d-%02d-%02d", y, mo, d);
        return 1;
    }
    return 0;
}

/* published_at: the create-time epoch (ct), shown in China Standard Time as
 * WeChat itself does; else a date the page states. */
/* A publish time the page shows relative to when it was read (刚刚,
 * N分钟前, N小时前, 今天, 昨天 HH:MM, 前天, N天前, M月D日: what WeChat's
 * script writes into #publish_time, so what a browser save keeps), made
 * absolute with the time the page was saved (UTC ISO 8601), in China time.
 * Returns 1 with out set to a date, or a date and time when one is shown. */
static int relative_publish_date(const char *shown, const char *saved_at, char *out, size_t outsz)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!shown || !saved_at || sscanf(saved_at, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) < 3)
        return 0;
    struct tm tm = {0};
    tm.tm_year = y - 1900; tm.tm_mon = mo - 1; tm.tm_mday = d;
    tm.tm_hour = h; tm.tm_min = mi; tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (saved_at[strlen(saved_at) - 1] != 'Z') return 0;         /* only a known instant */
    long n = strtol(shown, NULL, 10);
    int th = -1, tmin = -1;
    const char *clock = strchr(shown, ':');
    if (clock && clock > shown && sscanf(clock - 2, "%2d:%2d", &th, &tmin) != 2) th = tmin = -1;
    if (strstr(shown, "刚刚")) {
    } else if (n > 0 && strstr(shown, "分钟前")) {
        t -= n * 60;
    } else if (n > 0 && strstr(shown, "小时前")) {
        t -= n * 3600;
    } else if (strncmp(shown, "今天", 6) == 0) {
    } else if (strncmp(shown, "昨天", 6) == 0) {
        t -= 86400;
    } else if (strncmp(shown, "前天", 6) == 0) {
        t -= 2 * 86400;
    } else if (n > 0 && n < 31 && strstr(shown, "天前")) {
        t -= n * 86400;
    } else {
        int m2, d2;
        if (sscanf(shown, "%2d月%2d日", &m2, &d2) != 2 || m2 < 1 || m2 > 12 || d2 < 1 || d2 > 31) return 0;
        time_t cn = t + 8 * 3600;
        struct tm now;
        if (!gmtime_r(&cn, &now)) return 0;
        int year = now.tm_year + 1900;
        if (m2 > now.tm_mon + 1 || (m2 == now.tm_mon + 1 && d2 > now.tm_mday)) year--;
        if (th >= 0 && th < 24 && tmin >= 0 && tmin < 60)
            snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:00+08:00", year, m2, d2, th, tmin);
        else
            snprintf(out, outsz, "%04d-%02d-%02d", year, m2, d2);
        return 1;
    }
    t += 8 * 3600;
    struct tm day;
    if (!gmtime_r(&t, &day)) return 0;
    if (th >= 0 && th < 24 && tmin >= 0 && tmin < 60) {
        day.tm_hour = th;
        day.tm_min = tmin;
        strftime(out, outsz, "%Y-%m-%dT%H:%M:00+08:00", &day);
    } else {
        strftime(out, outsz, "%Y-%m-%d", &day);
    }
    return 1;
}

static void fill_published(parse_ctx *c)
{
    const char *epoch_keys[] = {"ct", "d.ct", "create_time", "d.create_time", "cgi.ori_create_time",
                                "oriCreateTime", "cgi.create_time", NULL};
    char iso[40];
    for (int i = 0; epoch_keys[i]; i++) {
        const char *v = wx_jsvars_get(&c->vars, epoch_keys[i]);
        if (!v || !all_of(v, DIGITS) || strlen(v) < 9 || strlen(v) > 11) continue;
        time_t t = (time_t)strtoll(v, NULL, 10) + 8 * 3600;
        struct tm tm;
        if (!gmtime_r(&t, &tm)) continue;
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
        wx_json_set_str(c->rec, "published_at", iso);
        return;
    }
    const char *texts[] = {var_first(c, "createTime", "cgi.create_time", "d.ct_str", "publish_time", NULL), NULL, NULL};
    char *dom1 = wx_dom_text_line(wx_dom_by_id(c->root, "post-date"));
    char *dom2 = wx_dom_text_line(wx_dom_by_id(c->root, "publish_time"));
    texts[1] = dom1;
    texts[2] = dom2;
    for (int i = 0; i < 3; i++)
        if (texts[i] && iso_from_text(texts[i], iso, sizeof iso)) {
            wx_json_set_str(c->rec, "published_at", iso);
            break;
        }
    /* "3天前" counts from when WeChat served the page: a Wayback capture's time when it is one */
    json_t *src = json_object_get(c->rec, "source");
    const char *saved_at = json_string_value(json_object_get(src, "captured_at"));
    if (!saved_at) saved_at = json_string_value(json_object_get(src, "fetched_at"));
    for (int i = 1; i < 3 && json_is_null(json_object_get(c->rec, "published_at")); i++)
        if (relative_publish_date(texts[i], saved_at, iso, sizeof iso)) {
            wx_json_set_str(c->rec, "published_at", iso);
            wx_buf w;
            wx_buf_init(&w);
            wx_buf_puts(&w, "publish time worked out from \"");
            wx_buf_puts(&w, texts[i]);
            wx_buf_puts(&w, "\" and the time the page was saved");
            wx_record_warn(c->rec, w.data);
            free(w.data);
        }
    free(dom1);
    free(dom2);
}

/* The author line of 2014-2020 templates, which have no author variable:
 * the plain .rich_media_meta_text item of the meta list under the title
 * (<em>Emily Liu</em> next to <em id="post-date">), not the date, the
 * 原创 tag or the account name, which carry an id or their own class. */
static char *meta_list_author(const parse_ctx *c)
{
    xmlNodePtr list = wx_dom_by_class(c->root, "rich_media_meta_list");
    for (xmlNodePtr n = list ? list->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || wx_dom_attr(n, "id") || !wx_dom_has_class(n, "rich_media_meta_text") ||
            wx_dom_has_class(n, "rich_media_meta_nickname") || wx_dom_has_class(n, "meta_tag_text") ||
            wx_dom_has_class(n, "meta_original_tag") || wx_dom_has_class(n, "article_modify_tag"))
            continue;
        char *t = wx_dom_text_line(n);
        if (t && *t) return t;
        free(t);
    }
    return NULL;
}

static void fill_meta(parse_ctx *c)
{
    set_text_field(c->rec, "description", var_text(var_first(c, "msg_desc", "d.desc", "cgi.desc", "desc", NULL)));
    set_text_field(c->rec, "description", var_text(wx_dom_meta(c->root, "description")));
    set_text_field(c->rec, "description", var_text(wx_dom_meta(c->root, "og:description")));

    set_text_field(c->rec, "author", var_text(var_first(c, "author", "cgi.author", "d.author", NULL)));
    set_text_field(c->rec, "author", wx_dom_text_line(wx_dom_by_id(c->root, "js_author_name")));
    set_text_field(c->rec, "author", var_text(wx_dom_meta(c->root, "author")));
    set_text_field(c->rec, "author", var_text(wx_dom_meta(c->root, "og:article:author")));
    set_text_field(c->rec, "author", meta_list_author(c));

    set_url_field(c->rec, "cover", var_first(c, "msg_cdn_url", "d.cdn_url", "cgi.cdn_url", "cdn_url", NULL));
    set_url_field(c->rec, "cover", wx_dom_meta(c->root, "og:image"));
    set_url_field(c->rec, "cover", wx_dom_meta(c->root, "twitter:image"));
}

/* Original, repost, or unknown; and for a repost the original's link. */
static void fill_copyright(parse_ctx *c)
{
    const char *stat = var_first(c, "_copyright_stat", "copyright_stat", "d.copyright_stat", NULL);
    xmlNodePtr share = wx_dom_by_id(c->root, "js_share_source");
    const char *src_biz = var_first(c, "source_encode_biz", NULL);
    int repost = (stat && strcmp(stat, "2") == 0) || share || c->page.content_tpl.s ||
                 wx_dom_by_class(c->root, "original_primary_card_tips") || src_biz;
    if (repost) {
        json_object_set_new(c->rec, "copyright", json_string("repost"));
    } else if ((stat && strcmp(stat, "1") == 0) || wx_dom_by_id(c->root, "copyright_logo")) {
        json_object_set_new(c->rec, "copyright", json_string("original"));
    }
    if (!repost) return;
    char *src = NULL;
    const char *data_url = share ? wx_dom_attr(share, "data-url") : NULL;
    if (data_url) src = wx_url_canonical(data_url);
    const char *mid = var_first(c, "source_mid", NULL), *idx = var_first(c, "source_idx", NULL);
    if (!src && src_biz && mid && idx) {
        const char *sn = var_first(c, "source_sn", NULL);
        src = wx_url_article(src_biz, mid, idx, sn ? sn : "");
        if (!src) {
            size_t n = strlen(src_biz) + strlen(mid) + strlen(idx) + 64;
            src = malloc(n);
            if (src) snprintf(src, n, "https://mp.weixin.qq.com/s?__biz=%s&mid=%s&idx=%s", src_biz, mid, idx);
        }
    }
    if (src) wx_json_set_str(c->rec, "source_url", src);
    free(src);
}

/* ---------- step 6: the body ---------- */

/* Text stored in script (picture and text posts): plain text with newlines,
 * sometimes with a little markup (<a class="wx_img_refer_link">图1</a>). */
static void body_from_script_text(wx_body *b, const char *s)
{
    if (!s) return;
    char *dec = NULL;
    const char *p = s;
    int markup = 0;
    for (; *p; p++)
        if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/')) { markup = 1; break; }
    if (markup) {
        wx_buf html;
        wx_buf_init(&html);
        wx_buf_puts(&html, "<div>");
        for (p = s; *p; p++) {                      /* keep its newlines as line breaks */
            if (*p == '\n') wx_buf_puts(&html, "<br>");
            else wx_buf_putc(&html, *p);
        }
        wx_buf_puts(&html, "</div>");
        htmlDocPtr d = wx_dom_parse(html.data, html.len);
        if (d) { wx_body_walk(xmlDocGetRootElement(d) ? (xmlNodePtr)d : NULL, b); xmlFreeDoc(d); }
        free(html.data);
    } else {
        dec = wx_html_unescape(s, strlen(s));
        wx_body_add_text(b, dec);
        free(dec);
    }
}

/* picture_page_info_list: each item's own cdn_url is a picture (nested
 * objects such as watermark_info carry other cdn_urls). */
typedef struct { wx_body *b; wx_image cur; int qr; } picture_walk;

static void picture_member(void *ctx, const char *key, const char *val, const char *raw, size_t n)
{
    picture_walk *w = ctx;
    (void)raw; (void)n;
    if (!key || !val) return;
    if (strcmp(key, "cdn_url") == 0 && !w->cur.url) w->cur.url = wx_url_clean(val);
    else if (strcmp(key, "width") == 0) w->cur.width = atof(val);
    else if (strcmp(key, "height") == 0) w->cur.height = atof(val);
    else if (strcmp(key, "is_qr_code") == 0) w->qr = strcmp(val, "1") == 0;
}

static void picture_item(void *ctx, const char *key, const char *val, const char *raw, size_t n)
{
    picture_walk *w = ctx;
    (void)key; (void)val;
    if (!raw || raw[0] != '{') return;
    memset(&w->cur, 0, sizeof w->cur);
    w->cur.width = w->cur.height = w->cur.ratio = -1;
    w->qr = 0;
    wx_js_object_each(raw, n, picture_member, w);
    if (!w->cur.url) return;
    w->cur.role = w->qr ? "qrcode" : "content";
    if (w->b->nimages == w->b->capimages) {
        size_t cap = w->b->capimages ? w->b->capimages * 2 : 16;
        wx_image *im = realloc(w->b->images, cap * sizeof *im);
        if (!im) { free(w->cur.url); return; }
        w->b->images = im;
        w->b->capimages = cap;
    }
    w->b->images[w->b->nimages++] = w->cur;
}

typedef struct { char *content; } text_page_walk;

static void text_page_member(void *ctx, const char *key, const char *val, const char *raw, size_t n)
{
    text_page_walk *w = ctx;
    (void)raw; (void)n;
    if (!key || !val || !*val) return;
    if (strcmp(key, "content_noencode") == 0) { free(w->content); w->content = strdup(val); }
    else if (strcmp(key, "content") == 0 && !w->content) w->content = strdup(val);
}

/* A body stored as a template in <script id="content_tpl"> (old-style
 * shares): parse it as its own small document. */
static void body_from_template(parse_ctx *c, wx_body *b)
{
    wx_page tpl;
    if (wx_page_split(&tpl, c->page.content_tpl.s, c->page.content_tpl.n) != 0) return;
    htmlDocPtr d = wx_dom_parse(tpl.html, tpl.html_len);
    if (d) { wx_body_walk((xmlNodePtr)d, b); xmlFreeDoc(d); }
    wx_page_free(&tpl);
}

/* Does the text gathered since `from` hold anything but blanks? */
static int text_added(const wx_body *b, size_t from)
{
    for (size_t i = from; i < b->text.len; i++)
        if (!isspace((unsigned char)b->text.data[i])) return 1;
    return 0;
}

/* Picture and text posts keep their text and pictures in script; the 2018
 * templates rendered them into #js_content on the server instead. */
static void body_of_share_post(parse_ctx *c, wx_body *b)
{
    char *content = NULL;
    if (c->vars.text_page) {
        text_page_walk w = {NULL};
        wx_js_object_each(c->vars.text_page, c->vars.text_page_len, text_page_member, &w);
        content = w.content;
    }
    size_t before = b->text.len;
    const char *fallback = var_first(c, "cgi.content_noencode", "desc", "d.desc", "cgi.desc", NULL);
    body_from_script_text(b, content ? content : fallback);
    free(content);
    if (c->vars.pictures) {
        picture_walk w = {b, {0}, 0};
        wx_js_array_each(c->vars.pictures, c->vars.pictures_len, picture_item, &w);
    }
    if (!text_added(b, before) && b->nimages == 0) wx_body_walk(wx_dom_by_id(c->root, "js_content"), b);
    else if (!text_added(b, before)) wx_body_walk(wx_dom_by_id(c->root, "js_text_desc"), b);
}

/* The end of the JS string literal that starts at s (after its opening
 * quote q), or NULL when it does not close on its line within max bytes. */
static const char *js_string_end(const char *s, const char *end, char q, size_t max)
{
    if ((size_t)(end - s) > max) end = s + max;
    for (const char *p = s; p < end; p++) {
        if (*p == '\\') { p++; continue; }
        if (*p == q) return p;
        if (*p == '\n') return NULL;
    }
    return NULL;
}

/* Text a script writes into the page with
 * document.getElementById('ID').innerHTML = "…" (2019 video shares put the
 * post's text in #js_video_desc that way): when that element is empty in
 * the saved markup, give it the literal as text, tags dropped, so the body
 * walk finds it where the reader sees it.  The ids are looked up in an
 * index, and an element found with text is not measured again, nor one
 * found empty that got only blanks since: a walk of the tree, or of the
 * element, per assignment was quadratic (20,000 assignments took 4.2 s,
 * 40,000 blank ones to one element 4.9 s). */
static void fill_scripted_html(parse_ctx *c)
{
    static const char mark[] = "getElementById(";
    wx_dom_ids ids;
    int indexed = 0;                                /* 1 built, -1 out of memory (then walk the tree) */
    enum { UNKNOWN, FULL, EMPTY };                  /* what an element's text line is known to be */
    wx_strmap known = {0};                          /* id -> that, keys in the tree */
    /* 'g' then 'I' 10 bytes on: a pair rare in script, so the 16-byte scan
     * (parse.h) passes megabytes of script faster than memmem */
    static const wx_literal lit[] = {{mark, sizeof mark - 1, 10}};
    size_t which;
    for (size_t i = 0; i < c->page.nscripts; i++) {
        /* a script with no ").innerHTML =" at all (wx_jsvars_scan saw
         * every '=') is not searched: 24.8 M fewer instructions over the
         * bench pages, for 1.0 M more in wx_jsvars_scan */
        if (c->inner_html && !c->inner_html[i]) continue;
        const char *s = c->page.scripts[i].s, *end = s + c->page.scripts[i].n;
        for (const char *p = s; (p = wx_literal_next(p, end, lit, 1, &which)) != NULL;) {
            p += sizeof mark - 1;
            if (p >= end || (*p != '\'' && *p != '"')) continue;
            const char *id_end = js_string_end(p + 1, end, *p, 64);
            if (!id_end || id_end - p - 1 >= 64) continue;
            const char *q = id_end + 1;
            if (q + 11 > end || strncmp(q, ").innerHTML", 11) != 0) continue;
            q += 11;
            while (q < end && isspace((unsigned char)*q)) q++;
            if (q >= end || *q != '=' || (q + 1 < end && q[1] == '=')) continue;
            q++;
            while (q < end && isspace((unsigned char)*q)) q++;
            if (q >= end || (*q != '\'' && *q != '"')) continue;
            const char *lit_end = js_string_end(q + 1, end, *q, (size_t)(end - q));
            if (!lit_end) {                         /* unterminated: skip its line, scanned once */
                const char *nl = memchr(q, '\n', (size_t)(end - q));
                p = nl ? nl : end;
                continue;
            }
            char id[64];
            snprintf(id, sizeof id, "%.*s", (int)(id_end - p - 1), p + 1);
            if (!indexed) indexed = wx_dom_ids_build(&ids, c->root) == 0 ? 1 : -1;
            xmlNodePtr node = indexed > 0 ? wx_dom_ids_get(&ids, id) : wx_dom_by_id(c->root, id);
            const char *key = node ? wx_dom_attr(node, "id") : NULL;
            int added;
            size_t *state = key ? wx_strmap_put(&known, key, &added) : NULL;
            if (state && *state == FULL) { p = lit_end; continue; }      /* text only grows */
            int empty_known = state && *state == EMPTY;
            char *shown = node && !empty_known ? wx_dom_text_line(node) : NULL;
            if (state && shown && *shown) *state = FULL;
            if (node && (empty_known || !shown || !*shown)) {
                char *html = wx_js_unescape(q + 1, (size_t)(lit_end - q - 1));
                wx_buf text;
                wx_buf_init(&text);
                for (const char *h = html; h && *h; h++) {
                    if (*h != '<') { wx_buf_putc(&text, *h); continue; }
                    const char *gt = strchr(h, '>');
                    if (!gt) break;
                    if (strncasecmp(h, "<br", 3) == 0) wx_buf_putc(&text, '\n');
                    h = gt;
                }
                char *raw = wx_buf_take(&text);
                char *plain = raw ? wx_html_unescape(raw, strlen(raw)) : NULL;
                int blank = plain && plain[strspn(plain, " \t\r\n")] == '\0';
                if (plain) xmlNodeAddContent(node, (const xmlChar *)plain);
                if (state) *state = blank ? EMPTY : UNKNOWN;      /* blanks leave the line empty */
                free(plain);
                free(raw);
                free(html);
            }
            free(shown);
            p = lit_end;
        }
    }
    if (indexed) wx_dom_ids_free(&ids);
    wx_strmap_free(&known);
}

static void body_of_article(parse_ctx *c, wx_body *b, int have_notice)
{
    if (!have_notice) wx_body_walk(wx_dom_by_id(c->root, "js_share_notice"), b);
    xmlNodePtr content = wx_dom_by_id(c->root, "js_content");
    fill_scripted_html(c);
    size_t before = b->text.len;
    wx_body_walk(content, b);
    if (!text_added(b, before) && c->page.content_tpl.s) body_from_template(c, b);
    if (!content && !c->page.content_tpl.s) {
        const char *desc = field(c, "description");
        if (desc) wx_body_add_text(b, desc);
    }
    /* 2019-2020 video shares: the post's text goes into an empty
     * #js_common_share_desc by script; the page states it as its
     * description. */
    char *shown = NULL;
    const char *desc = field(c, "description");
    xmlNodePtr share_desc = wx_dom_by_id(c->root, "js_common_share_desc");
    if (share_desc && desc && ((shown = wx_dom_text_line(share_desc)) == NULL || !*shown)) {
        wx_buf_putc(&b->text, '\n');
        wx_body_add_text(b, desc);
    }
    free(shown);
}

static void fill_body(parse_ctx *c, const char *kind)
{
    wx_body b;
    memset(&b, 0, sizeof b);
    const char *notice = var_first(c, "share_notice", NULL);
    if (notice) {                                   /* the sharer's comment comes first */
        body_from_script_text(&b, notice);
        wx_buf_putc(&b.text, '\n');
    }
    if (kind && (strcmp(kind, "picture") == 0 || strcmp(kind, "text") == 0)) body_of_share_post(c, &b);
    else body_of_article(c, &b, notice != NULL);
    char *text = b.text.data ? wx_text_normalize_cells(b.text.data, b.text.len) : NULL;
    free(b.text.data);                              /* not read again: one copy of the text at a time */
    wx_buf_init(&b.text);
    if (text && *text) wx_json_set_str(c->rec, "text", text);
    else wx_record_warn(c->rec, "article body is empty");
    wx_body_emit(c->rec, &b, text, var_first(c, "msg_source_url", "cgi.source_url", NULL));
    free(text);
    wx_body_free(&b);
}

/* ---------- the whole ---------- */

static void fill_source(parse_ctx *c)
{
    json_t *src = json_object_get(c->rec, "source");
    if (!c->page.wayback) return;
    json_object_set_new(src, "format", json_string("wayback"));
    if (c->page.wayback_url) {
        char *u = wx_url_clean(c->page.wayback_url);
        if (u) wx_json_set_if_null(src, "url", u);
        free(u);
    }
    const char *ts = c->page.wayback_ts;
    if (strlen(ts) == 14) {
        char iso[32];
        snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", ts, ts + 4, ts + 6, ts + 8, ts + 10, ts + 12);
        wx_json_set_if_null(src, "fetched_at", iso);
        wx_json_set_if_null(src, "captured_at", iso);
    }
}

/* Whether the page was stored as the body of a JS/JSON string (scrapers
 * that write JSON.stringify(html) or a repr to disk): one long line where
 * every newline is written \n and every attribute quote \".  Judged on the
 * first 2 KiB: no real newline, and escaped attribute quotes (=\") outnumber
 * plain ones (=") there. */
static int is_string_dump(const char *s, size_t n)
{
    size_t w = n < 2048 ? n : 2048, escaped = 0, plain = 0;
    if (memchr(s, '\n', w)) return 0;
    for (size_t i = 0; i + 2 < w; i++) {
        if (s[i] != '=') continue;
        if (s[i + 1] == '\\' && s[i + 2] == '"') escaped++;
        else if (s[i + 1] == '"') plain++;
    }
    return escaped >= 3 && escaped > plain;
}

/* The page out of its string dump: the enclosing quotes dropped, one layer
 * of escapes decoded. */
static char *undo_string_dump(const char *s, size_t n)
{
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) { s++; n -= 2; }
    return wx_js_unescape(s, n);
}

static void parse_page(parse_ctx *c)
{
    const wx_doc *doc = c->doc;
    const char *bytes = (const char *)doc->bytes;
    size_t len = doc->len;
    if (is_string_dump(bytes, len) && (c->unescaped = undo_string_dump(bytes, len)) != NULL) {
        bytes = c->unescaped;
        len = strlen(c->unescaped);
        wx_record_warn(c->rec, "page stored as an escaped string; one layer of escapes decoded");
    }
    if (wx_page_split(&c->page, bytes, len) != 0) {
        wx_record_error(c->rec, "parse_failed", "out of memory while splitting the page");
        return;
    }
    if (c->page.charset_converted) wx_record_warn(c->rec, "page converted to UTF-8 from its declared charset");
    if (c->page.attrs_dropped) {
        char *msg = wx_strf("%zu attributes not kept: an element keeps its first %d", c->page.attrs_dropped,
                            WX_MAX_ATTRS);
        if (msg) wx_record_warn(c->rec, msg);
        free(msg);
    }
    c->inner_html = c->page.nscripts ? malloc(c->page.nscripts) : NULL;
    for (size_t i = 0; i < c->page.nscripts; i++) {
        int inner = wx_jsvars_scan(&c->vars, c->page.scripts[i].s, c->page.scripts[i].n);
        if (c->inner_html) c->inner_html[i] = (unsigned char)inner;
    }
    char stopped[256];
    c->dom = wx_dom_parse_checked(c->page.html, c->page.html_len, stopped, sizeof stopped);
    free(c->page.html);                             /* the tree has it now; scripts point into src */
    c->page.html = NULL;
    c->page.html_len = 0;
    if (stopped[0]) wx_record_warn(c->rec, stopped);
    c->root = c->dom ? (xmlNodePtr)c->dom : NULL;
    if (!c->root) {
        wx_record_error(c->rec, "not_html", "the HTML parser found no document");
        return;
    }
    fill_source(c);
    fill_identity(c);
    fill_account(c);
    if (!is_article_page(c)) {
        const char *status = error_page_status(c);
        json_object_set_new(c->rec, "status", json_string(status));
        if (json_is_null(json_object_get(c->rec, "id"))) {
            char id[80];
            snprintf(id, sizeof id, "sha256:%s", doc->sha256);
            json_object_set_new(c->rec, "id", json_string(id));
        }
        return;
    }
    const char *ist = var_first(c, "item_show_type", "d.item_show_type", "cgi.item_show_type",
                                "real_item_show_type", NULL);
    const char *kind = ist ? kind_name(ist) : "article";
    if (ist && !kind) wx_record_warn(c->rec, "unknown item_show_type");
    json_object_set_new(c->rec, "kind", kind ? json_string(kind) : json_null());
    fill_title(c, json_string_value(json_object_get(c->account, "name")));
    fill_published(c);
    fill_meta(c);
    fill_copyright(c);
    fill_body(c, kind);
    if (json_is_null(json_object_get(c->rec, "id"))) {
        char id[80];
        snprintf(id, sizeof id, "sha256:%s", doc->sha256);
        json_object_set_new(c->rec, "id", json_string(id));
        wx_record_warn(c->rec, "article identity (__biz, mid, idx) not found; id is the content hash");
    }
    if (json_is_null(json_object_get(c->rec, "published_at"))) wx_record_warn(c->rec, "no publish time found");
}

/* The title once per time the document shows it (a markdown archive may
 * repeat the title heading), one a line, for the date scan: a date in a
 * headline shown twice is written twice.  NULL when once is all. */
static char *title_lines(const char *title, int shown)
{
    if (shown <= 1) return NULL;
    if (shown > 4) shown = 4;
    wx_buf b;
    wx_buf_init(&b);
    for (int i = 0; i < shown; i++) {
        if (i) wx_buf_putc(&b, '\n');
        wx_buf_puts(&b, title);
    }
    return wx_buf_take(&b);
}

/* Dates in the title and text, and the official notice they may carry:
 * the same for every input format, so done once the record is filled.
 * They read lines of words and know nothing of table cells, so a text with
 * cell tabs is given to them as plain lines (wx_text_normalize: the cells
 * of a row apart by a space, no empty leading cell), as they read any
 * other paragraph. */
static void fill_dates_and_notice(json_t *rec, int title_shown)
{
    if (strcmp(json_string_value(json_object_get(rec, "status")), "ok") != 0) return;
    const char *title = json_string_value(json_object_get(rec, "title"));
    const char *text = json_string_value(json_object_get(rec, "text"));
    const char *published = json_string_value(json_object_get(rec, "published_at"));
    char *plain = text && strchr(text, '\t') ? wx_text_normalize(text, strlen(text)) : NULL;
    if (plain) text = plain;
    char *titles = title ? title_lines(title, title_shown) : NULL;
    json_t *dates = wx_dates_find(titles ? titles : title, text, published, json_object_get(rec, "warnings"));
    free(titles);
    if (dates) {
        json_object_set_new(rec, "notice", wx_notice_extract(title, text, dates, json_object_get(rec, "links")));
        json_object_set_new(rec, "dates", dates);
    }
    free(plain);
}

static const char *doc_error_code(wx_doc_status s)
{
    switch (s) {
    case WX_DOC_UNREADABLE: return "unreadable";
    case WX_DOC_TOO_LARGE: return "too_large";
    case WX_DOC_BAD_GZIP: return "bad_gzip";
    case WX_DOC_BAD_MHTML: return "bad_mhtml";
    case WX_DOC_BAD_WARC: return "bad_warc";
    default: return "error";
    }
}

/* A page saved as UTF-16 says so with its byte order mark (Windows tools
 * write FF FE): its text is decoded to UTF-8 for the rest of the parse,
 * while the record's source keeps the bytes as they were (size, sha256).
 * *utf8 owns the decoded bytes; returns doc itself when there is no BOM. */
static const wx_doc *utf16_decoded(const wx_doc *doc, wx_doc *copy, char **utf8)
{
    *utf8 = NULL;
    if (doc->len < 2) return doc;
    const char *charset = doc->bytes[0] == 0xFF && doc->bytes[1] == 0xFE   ? "UTF-16LE"
                          : doc->bytes[0] == 0xFE && doc->bytes[1] == 0xFF ? "UTF-16BE"
                                                                         : NULL;
    if (!charset) return doc;
    size_t n = 0;
    *utf8 = wx_charset_to_utf8((const char *)doc->bytes + 2, doc->len - 2, charset, &n);
    if (!*utf8) return doc;
    *copy = *doc;
    copy->bytes = (unsigned char *)*utf8;
    copy->len = n;
    return copy;
}

static json_t *parse_doc(json_t *rec, const wx_doc *doc);

json_t *wx_parse(const wx_doc *doc)
{
    wx_parse_init();
    json_t *rec = wx_record_new(doc);
    if (!rec) return NULL;
    if (doc->status != WX_DOC_OK)
        return wx_record_error(rec, doc_error_code(doc->status), doc->error ? doc->error : "unreadable");
    wx_doc decoded;
    char *utf8;
    rec = parse_doc(rec, utf16_decoded(doc, &decoded, &utf8));
    free(utf8);
    return rec;
}

/* The checks and the parse proper of a readable document's bytes. */
static json_t *parse_doc(json_t *rec, const wx_doc *doc)
{
    if (doc->len == 0) return wx_record_error(rec, "empty", "the input is empty");
    if (wx_sniff_binary(doc->bytes, doc->len)) return wx_record_error(rec, "binary", "the input is binary, not a page");
    if (wx_sniff(doc->bytes, doc->len, 0) == WX_FMT_MARKDOWN && wx_markdown_is_article(doc)) {
        fill_dates_and_notice(rec, wx_markdown_fill(rec, doc));
        return rec;
    }
    if (!wx_sniff_markup(doc->bytes, doc->len))
        return wx_record_error(rec, "not_html", "the input has no HTML markup");
    parse_ctx c;
    memset(&c, 0, sizeof c);
    c.doc = doc;
    c.rec = rec;
    c.account = json_object_get(rec, "account");
    wx_jsvars_init(&c.vars);
    parse_page(&c);
    fill_dates_and_notice(rec, 1);
    if (c.dom) xmlFreeDoc(c.dom);
    wx_jsvars_free(&c.vars);
    wx_page_free(&c.page);
    free(c.unescaped);
    free(c.inner_html);
    return rec;
}
