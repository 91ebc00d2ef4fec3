/*
 * scan: finding a few literals, or one frequent byte, in megabytes of page
 * or script, or runs of bytes none of which needs a closer look, with
 * 16-byte vector compares (inline; used by page.c, jsvars.c, text.c,
 * dom.c and output/jsonl.c).
 */
#ifndef WX_PARSE_SCAN_H
#define WX_PARSE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Finding a few literals in megabytes of page or script, 16 bytes at a
 * time: a position is a candidate only when its byte is a literal's first
 * byte and the byte `second` further on is that literal's byte there (pick
 * pairs rare in pages, so candidates are few); only candidates are compared
 * in full.  GCC/Clang vector extensions keep it portable.  Inline, so that
 * with a constant table the compiler unrolls the pairs. */
typedef struct wx_literal { const char *text; size_t len, second; } wx_literal;

/* Which of lits[0..n) begins at p: its index + 1, or 0. */
static inline size_t wx_literal_at(const char *p, const char *end, const wx_literal *lits, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if ((size_t)(end - p) >= lits[k].len && *p == lits[k].text[0] &&
            memcmp(p, lits[k].text, lits[k].len) == 0)
            return k + 1;
    return 0;
}

/* The lanes of a 16-byte compare result that are set, as bits. */
static inline unsigned wx_lane_bits(const void *hit16)
{
#if defined(__SSE2__)
    typedef long long v2di __attribute__((vector_size(16)));
    v2di h;
    memcpy(&h, hit16, 16);
    return (unsigned)__builtin_ia32_pmovmskb128((__attribute__((vector_size(16))) char)h);
#else
    const unsigned char *h = hit16;
    unsigned bits = 0;
    for (int i = 0; i < 16; i++) bits |= (unsigned)(h[i] >> 7) << i;
    return bits;
#endif
}

/* Whether the 16 bytes at p (all readable) are all printable ASCII
 * (0x20..0x7F): one signed compare, as bytes from 0x80 up are negative. */
static inline int wx_printable16(const char *p)
{
    typedef signed char s16 __attribute__((vector_size(16)));
    s16 x, space;
    memcpy(&x, p, 16);
    memset(&space, 0x1F, 16);
    s16 ok = (s16)(x > space);
    return wx_lane_bits(&ok) == 0xFFFF;
}

/* Bit i set where p[i], of the 16 bytes at p (all readable), is a C0
 * control (below 0x20) or one of the four bytes of set: a run of bytes
 * that are none of those is passed 16 at a time. */
static inline unsigned wx_ctl_or4_lanes(const char *p, const char set[4])
{
    typedef unsigned char v16 __attribute__((vector_size(16)));
    typedef signed char m16 __attribute__((vector_size(16)));
    v16 x, space, s0, s1, s2, s3;
    memcpy(&x, p, 16);
    memset(&space, 0x20, 16);
    memset(&s0, set[0], 16);
    memset(&s1, set[1], 16);
    memset(&s2, set[2], 16);
    memset(&s3, set[3], 16);
    m16 hit = (m16)((x < space) | (x == s0) | (x == s1) | (x == s2) | (x == s3));
    return wx_lane_bits(&hit);
}

/* Bit i set where p[i] == c, for the 64 bytes at p (all readable): a
 * frequent byte (the '=' of scripts, one in ~100) is cheaper to walk this
 * way than by restarting memchr after each. */
static inline uint64_t wx_byte_mask64(const char *p, char c)
{
    typedef unsigned char v16 __attribute__((vector_size(16)));
    typedef signed char m16 __attribute__((vector_size(16)));
    v16 want;
    memset(&want, c, 16);
    uint64_t bits = 0;
#pragma GCC unroll 4
    for (int b = 0; b < 4; b++) {
        v16 a;
        memcpy(&a, p + 16 * b, 16);
        m16 hit = (m16)(a == want);
        bits |= (uint64_t)wx_lane_bits(&hit) << (16 * b);
    }
    return bits;
}

/* The first byte at or after p that is a, b or c, or end if none is: a
 * string literal's body is skipped this way up to its quote, escape or
 * line end, 16 bytes per compare instead of three tests a byte (scripts
 * carry whole articles as string literals). */
static inline const char *wx_byte3_next(const char *p, const char *end, char a, char b, char c)
{
    typedef unsigned char v16 __attribute__((vector_size(16)));
    typedef signed char m16 __attribute__((vector_size(16)));
    v16 va, vb, vc;
    memset(&va, a, 16);
    memset(&vb, b, 16);
    memset(&vc, c, 16);
    for (; end - p >= 16; p += 16) {
        v16 x;
        memcpy(&x, p, 16);
        m16 hit = (m16)((x == va) | (x == vb) | (x == vc));
        unsigned bits = wx_lane_bits(&hit);
        if (bits) return p + __builtin_ctz(bits);
    }
    for (; p < end; p++)
        if (*p == a || *p == b || *p == c) return p;
    return end;
}

/* The first position at or after p where one of lits[0..n) (n <= 4)
 * begins, *which getting its index; or NULL.  Four 16-byte blocks are
 * compared per branch (a hit is rare, the branch per block cost more than
 * the compares), and only the lanes that hit are compared in full. */
static inline const char *wx_literal_next(const char *p, const char *end, const wx_literal *lits, size_t n,
                                          size_t *which)
{
    typedef unsigned char v16 __attribute__((vector_size(16)));
    typedef signed char m16 __attribute__((vector_size(16)));
    enum { MAX_LITS = 4, BLOCKS = 4 };
    v16 first[MAX_LITS], other[MAX_LITS];              /* each byte of the pair, in all 16 lanes */
    size_t reach = 0, k;                               /* bytes a 16-byte step reads past p */
    if (n > MAX_LITS) n = MAX_LITS;
    for (k = 0; k < n; k++) {
        memset(&first[k], lits[k].text[0], 16);
        memset(&other[k], lits[k].text[lits[k].second], 16);
        if (lits[k].second + 16 > reach) reach = lits[k].second + 16;
    }
    while ((size_t)(end - p) >= reach + 16 * (BLOCKS - 1)) {
        m16 hit[BLOCKS], any = {0};
#pragma GCC unroll 4
        for (int b = 0; b < BLOCKS; b++) {
            v16 a;
            memcpy(&a, p + 16 * b, 16);
            hit[b] = (m16){0};
#pragma GCC unroll 4
            for (k = 0; k < n; k++) {
                v16 o;
                memcpy(&o, p + 16 * b + lits[k].second, 16);
                hit[b] |= (a == first[k]) & (o == other[k]);
            }
            any |= hit[b];
        }
        uint64_t lo, hi;
        memcpy(&lo, &any, 8);
        memcpy(&hi, (const char *)&any + 8, 8);
        if (lo | hi) {
            for (int b = 0; b < BLOCKS; b++)
                for (unsigned bits = wx_lane_bits(&hit[b]); bits; bits &= bits - 1) {
                    const char *at = p + 16 * b + __builtin_ctz(bits);
                    if ((k = wx_literal_at(at, end, lits, n)) != 0) { *which = k - 1; return at; }
                }
        }
        p += 16 * BLOCKS;
    }
    for (; p < end; p++)
        if ((k = wx_literal_at(p, end, lits, n)) != 0) { *which = k - 1; return p; }
    return NULL;
}

#endif
