/* SPDX-License-Identifier: ISC */
/* What the packet decoder's files (pkt.c: link, IP, transport; pktapp.c:
 * DNS and TLS inside them) share: byte readers for spans the cursor has
 * checked, and the text form of wire bytes.  Internal to src/capture/. */
#ifndef PP_PKT_INT_H
#define PP_PKT_INT_H

#include <stdbool.h>
#include <stdint.h>

/* Only ever called on spans the cursor has checked. */
static inline uint16_t
be16at(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One byte of a wire name or protocol id as text for the reports:
 * printable ASCII stays, anything else becomes '?', and so does `sep`
 * (a '.' inside a DNS label would fake a label boundary, a ',' inside an
 * ALPN id a protocol boundary). */
static inline char
text_char(uint8_t b, uint8_t sep, bool lower)
{
    if (b <= 0x20 || b >= 0x7f || b == sep)
        return '?';
    if (lower && b >= 'A' && b <= 'Z')
        return (char)(b | 0x20);
    return (char)b;
}

#endif
