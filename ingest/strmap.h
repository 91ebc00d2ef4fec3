/*
 * strmap: one small hash map from strings to counts or indices, shared by
 * every part that must look strings up in a list that a page (or a user)
 * can make long: image URLs, links, script variables, URL lists.  A scan
 * of the list per lookup is quadratic in what a hostile page controls.
 *
 * Keys are borrowed, not copied: each must stay alive and unchanged while
 * the map is used.  FNV-1a, open addressing, at most half full.
 */
#ifndef WX_STRMAP_H
#define WX_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct wx_strmap_slot { const char *key; size_t value; } wx_strmap_slot;
typedef struct wx_strmap { wx_strmap_slot *slots; size_t nslots, count; } wx_strmap;

/* FNV-1a over a NUL-terminated string: the hash every table here uses. */
uint64_t wx_hash_str(const char *s);
/* The same hash continued over more strings (a NULL s adds nothing), from
 * WX_HASH_START, for keys made of several parts. */
#define WX_HASH_START 14695981039346656037ULL
uint64_t wx_hash_more(uint64_t h, const char *s);

/* The value stored for key, or NULL when key is absent. */
size_t *wx_strmap_get(const wx_strmap *m, const char *key);

/* The value of key, inserted with value 0 when absent (then *added is 1).
 * NULL when out of memory. */
size_t *wx_strmap_put(wx_strmap *m, const char *key, int *added);

void wx_strmap_free(wx_strmap *m);

#endif
