/* SPDX-License-Identifier: ISC */
/*
 * NAT64 prefixes (RFC 6052) and their discovery (RFC 7050): pure
 * functions over addresses, for the engine's address-space judgement and
 * its ipv4only.arpa lookup.  Room: core; calls libc only.
 *
 * A prefix is 32, 40, 48, 56, 64 or 96 bits long; an IPv4 address sits
 * after it, skipping bits 64-71 (the u-octet, which must be zero) for the
 * lengths under 96.  The well-known prefix is 64:ff9b::/96 (RFC 6052
 * 2.1); 64:ff9b:1::/48 is set aside for local use (RFC 8215), at any of
 * the lengths above within it.
 */
#ifndef PP_NAT64_H
#define PP_NAT64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct sockaddr_in;

#define PP_NAT64_MAX 4   /* prefixes a run keeps */

struct pp_nat64_prefix {
    uint8_t addr[16];    /* zero past bits */
    int bits;            /* 32, 40, 48, 56, 64 or 96 */
};

extern const struct pp_nat64_prefix pp_nat64_wkp;       /* 64:ff9b::/96 */
extern const struct pp_nat64_prefix pp_nat64_local_use; /* 64:ff9b:1::/48 */

/* One of RFC 6052's six lengths? */
bool pp_nat64_len_ok(int bits);
/* Is a inside p (its first p->bits bits)?  False for a bad length. */
bool pp_nat64_in_prefix(const struct pp_nat64_prefix *p, const uint8_t a[16]);
/* 64:ff9b::/96 itself?  And a prefix inside 64:ff9b:1::/48? */
bool pp_nat64_is_wkp(const struct pp_nat64_prefix *p);
bool pp_nat64_is_local_use(const struct pp_nat64_prefix *p);
/* The address of v4 under p (RFC 6052 2.2, the suffix zero); -1 for a bad
 * length. */
int pp_nat64_embed(const struct pp_nat64_prefix *p, const uint8_t v4[4], uint8_t out[16]);
/* The IPv4 address a embeds under p: true when a is inside p and its
 * u-octet is zero (the suffix is not looked at). */
bool pp_nat64_extract(const struct pp_nat64_prefix *p, const uint8_t a[16], uint8_t v4[4]);
/* The same for a socket address among n prefixes (the first that holds
 * it): an AF_INET6 address inside one gives *out (port 0) and true;
 * anything else false. */
bool pp_nat64_embedded(const struct pp_nat64_prefix *p, size_t n, const struct sockaddr *sa,
                       struct sockaddr_in *out);
/*
 * RFC 7050 section 3: from the AAAA answers for ipv4only.arpa, the
 * prefixes.  In each answer the well-known IPv4 addresses 192.0.0.170 or
 * 192.0.0.171 are looked for at every length of RFC 6052 (with a zero
 * u-octet); an answer that holds them at no length, or at more than one
 * (ambiguous), gives nothing.  Distinct prefixes in answer order, at most
 * max; returns how many.
 */
size_t pp_nat64_discover(const uint8_t (*aaaa)[16], size_t n, struct pp_nat64_prefix *out,
                         size_t max);
/* "64:ff9b::/96"; buf of 64 is always enough.  Returns buf. */
char *pp_nat64_format(const struct pp_nat64_prefix *p, char *buf, size_t len);
/* "PREFIX/LEN" with an allowed length and no bits set past it: 0, else
 * -1. */
int pp_nat64_parse(const char *s, struct pp_nat64_prefix *out);

#endif
