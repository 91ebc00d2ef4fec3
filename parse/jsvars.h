/*
 * jsvars: the data a page's inline scripts set (jsvars.c): var/window./_g.
 * assignments, the cgiData IIFE and window.cgiDataNew members, read by a
 * PCRE2 + small JS token scanner in linear time.
 */
#ifndef WX_PARSE_JSVARS_H
#define WX_PARSE_JSVARS_H

#include <stddef.h>

/* Script variables: "name" for var/window./_g. assignments, "d.name" for the
 * cgiData IIFE, "cgi.name" for window.cgiDataNew members. */
typedef struct wx_jsvar { char *key, *value; } wx_jsvar;
typedef struct wx_jsvars {
    wx_jsvar *items;
    size_t count, cap;
    size_t *slots, nslots;     /* hash index into items: index + 1, 0 empty; nslots a power of 2 */
    const char *pictures; size_t pictures_len;    /* picture_page_info_list [ … ] */
    const char *text_page; size_t text_page_len;  /* text_page_info { … } */
} wx_jsvars;
int wx_jsvars_compile(void);
void wx_jsvars_init(wx_jsvars *v);
void wx_jsvars_free(wx_jsvars *v);
/* Scan one inline script into v.  Returns 1 when the script may assign to
 * an innerHTML after a call, `…).innerHTML =` (blanks allowed before the
 * '='), which the scan sees on its way over every '='; 0 when it surely
 * does not, so that a caller looking for such assignments (parse.c's
 * getElementById('…').innerHTML) can pass the script by. */
int wx_jsvars_scan(wx_jsvars *v, const char *script, size_t len);
const char *wx_jsvars_get(const wx_jsvars *v, const char *key);  /* NULL when absent or "" */
int wx_jsvars_has(const wx_jsvars *v, const char *key);

/* Walk a JS object/array literal: fn gets each member's key (NULL in arrays)
 * and either its scalar value (decoded) or the raw span of a nested one. */
typedef void (*wx_js_member_fn)(void *ctx, const char *key, const char *val,
                                const char *raw, size_t rawlen);
size_t wx_js_object_each(const char *obj, size_t len, wx_js_member_fn fn, void *ctx);
void wx_js_array_each(const char *arr, size_t len, wx_js_member_fn fn, void *ctx);

#endif
