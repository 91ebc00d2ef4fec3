/*
 * A string map with borrowed keys (see strmap.h).
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t wx_hash_more(uint64_t h, const char *s)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

uint64_t wx_hash_str(const char *s) { return wx_hash_more(WX_HASH_START, s); }

/* Where key is, or the empty slot where it would go: linear probing keeps
 * the table one allocation. */
static wx_strmap_slot *find_slot(const wx_strmap *m, const char *key)
{
    size_t mask = m->nslots - 1;
    for (size_t i = (size_t)wx_hash_str(key) & mask;; i = (i + 1) & mask) {
        wx_strmap_slot *s = &m->slots[i];
        if (!s->key || strcmp(s->key, key) == 0) return s;
    }
}

size_t *wx_strmap_get(const wx_strmap *m, const char *key)
{
    if (!m->nslots) return NULL;
    wx_strmap_slot *s = find_slot(m, key);
    return s->key ? &s->value : NULL;
}

/* Doubled and refilled before it would pass half full, so probes stay short
 * whatever the keys.  Returns -1 when out of memory (the map is unchanged). */
static int reserve_one(wx_strmap *m)
{
    if ((m->count + 1) * 2 <= m->nslots) return 0;
    size_t n = m->nslots ? m->nslots * 2 : 64;
    wx_strmap_slot *slots = calloc(n, sizeof *slots);
    if (!slots) return -1;
    wx_strmap old = *m;
    m->slots = slots;
    m->nslots = n;
    for (size_t i = 0; i < old.nslots; i++)
        if (old.slots[i].key) *find_slot(m, old.slots[i].key) = old.slots[i];
    free(old.slots);
    return 0;
}

size_t *wx_strmap_put(wx_strmap *m, const char *key, int *added)
{
    *added = 0;
    size_t *v = wx_strmap_get(m, key);
    if (v) return v;
    if (reserve_one(m) != 0) return NULL;
    wx_strmap_slot *s = find_slot(m, key);
    s->key = key;
    s->value = 0;
    m->count++;
    *added = 1;
    return &s->value;
}

void wx_strmap_free(wx_strmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}
