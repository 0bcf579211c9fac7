/* SPDX-License-Identifier: ISC */
/*
 * A read-only, bounds-checked cursor over received bytes, for the pure
 * parsers (SMB2, AFP, and the packet decoders to come).  Every read checks
 * the length first and a failed read leaves the cursor where it was; no
 * struct is ever laid over packet memory.
 */
#ifndef PP_CURSOR_H
#define PP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pp_cur {
    const uint8_t *p;
    size_t len;
    size_t off;
};

static inline bool
pp_cur_seek(struct pp_cur *c, size_t off)
{
    if (off > c->len)
        return false;
    c->off = off;
    return true;
}

static inline bool
pp_cur_has(const struct pp_cur *c, size_t n)
{
    return c->off <= c->len && c->len - c->off >= n;
}

static inline bool
pp_cur_u8(struct pp_cur *c, uint8_t *v)
{
    if (!pp_cur_has(c, 1))
        return false;
    *v = c->p[c->off++];
    return true;
}

static inline bool
pp_cur_be16(struct pp_cur *c, uint16_t *v)
{
    if (!pp_cur_has(c, 2))
        return false;
    *v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
    c->off += 2;
    return true;
}

static inline bool
pp_cur_be32(struct pp_cur *c, uint32_t *v)
{
    if (!pp_cur_has(c, 4))
        return false;
    *v = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
         (uint32_t)c->p[c->off + 2] << 8 | (uint32_t)c->p[c->off + 3];
    c->off += 4;
    return true;
}

static inline bool
pp_cur_le16(struct pp_cur *c, uint16_t *v)
{
    if (!pp_cur_has(c, 2))
        return false;
    *v = (uint16_t)(c->p[c->off] | (c->p[c->off + 1] << 8));
    c->off += 2;
    return true;
}

static inline bool
pp_cur_le32(struct pp_cur *c, uint32_t *v)
{
    if (!pp_cur_has(c, 4))
        return false;
    *v = (uint32_t)c->p[c->off] | (uint32_t)c->p[c->off + 1] << 8 |
         (uint32_t)c->p[c->off + 2] << 16 | (uint32_t)c->p[c->off + 3] << 24;
    c->off += 4;
    return true;
}

/* Copy n bytes out and step over them. */
static inline bool
pp_cur_bytes(struct pp_cur *c, uint8_t *dst, size_t n)
{
    if (!pp_cur_has(c, n))
        return false;
    memcpy(dst, c->p + c->off, n);
    c->off += n;
    return true;
}

static inline bool
pp_cur_skip(struct pp_cur *c, size_t n)
{
    if (!pp_cur_has(c, n))
        return false;
    c->off += n;
    return true;
}

/* Point *s at n bytes at the cursor and step over them. */
static inline bool
pp_cur_span(struct pp_cur *c, size_t n, const uint8_t **s)
{
    if (!pp_cur_has(c, n))
        return false;
    *s = c->p + c->off;
    c->off += n;
    return true;
}

/* A Pascal string: a length byte, then that many bytes. */
static inline bool
pp_cur_pascal(struct pp_cur *c, const uint8_t **s, size_t *n)
{
    size_t save = c->off;
    uint8_t l;

    if (!pp_cur_u8(c, &l) || !pp_cur_span(c, l, s)) {
        c->off = save;
        return false;
    }
    *n = l;
    return true;
}

#endif
