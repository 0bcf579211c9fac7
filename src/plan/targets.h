/* SPDX-License-Identifier: ISC */
/*
 * Targets for the firewall-audit mode (--audit, --targets FILE): port
 * lists ("443,5223,8000-8010"), target specs (a DNS name, an IPv4 or IPv6
 * address, or a CIDR block) and targets files.  Pure parsers: no I/O, no
 * name resolution; errors come back as a sentence in err, never a crash.
 */
#ifndef PP_TARGETS_H
#define PP_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A port list "443,5223,8000-8010": sorted, merged, each 1..65535. */
struct pp_ports {
    uint16_t (*range)[2];   /* inclusive [lo, hi], sorted, non-overlapping, merged */
    size_t n;
    uint32_t count;         /* ports in all */
};

/* Items are ports or "lo-hi" ranges separated by commas, with spaces or
 * tabs allowed around the commas.  Overlapping and adjacent items are
 * merged ("1-10,5-20,21" is the one range 1-21).  Returns 0, or -1 with
 * *out empty and an err sentence naming the bad item. */
int pp_ports_parse(const char *s, struct pp_ports *out, char *err, size_t errlen);
/* The i-th port in ascending order (i < count); 0 when i is out of range. */
uint16_t pp_ports_at(const struct pp_ports *p, uint32_t i);
bool pp_ports_has(const struct pp_ports *p, uint16_t port);
/* Frees the ranges and empties *p; safe on an empty or freed list. */
void pp_ports_free(struct pp_ports *p);

/* A target: a DNS name, an IPv4 or IPv6 address, or a CIDR block. */
enum pp_tspec_kind { PP_TS_NAME, PP_TS_ADDR, PP_TS_CIDR };

struct pp_tspec {
    enum pp_tspec_kind kind;
    char *name;             /* NAME: lower-cased; else the address ("2001:db8::1") or
                               block ("10.30.0.0/24") in canonical form */
    int family;             /* AF_INET/AF_INET6 for ADDR and CIDR */
    uint8_t addr[16];       /* network address (host bits cleared for CIDR) */
    int prefix;             /* 32/128 for ADDR */
    uint64_t count;         /* addresses: 1 for NAME and ADDR; 2^(bits-prefix) for CIDR */
};

/* Largest blocks accepted: 2^24 addresses. */
#define PP_TSPEC_MIN_PREFIX4 8
#define PP_TSPEC_MIN_PREFIX6 104

/* "files.corp.test", "192.0.2.7", "2001:db8::1", "[2001:db8::1]",
 * "10.30.0.0/24", "2001:db8::/120" (also "[2001:db8::]/120").  Host bits
 * of a block are cleared silently ("10.30.0.5/24" is 10.30.0.0/24); an
 * explicit /32 or /128 is a CIDR spec of one address.  Blocks wider than
 * /8 (IPv4) or /104 (IPv6) are an error that says so.  Returns 0, or -1
 * with *out empty (name NULL) and err set. */
int pp_tspec_parse(const char *s, struct pp_tspec *out, char *err, size_t errlen);
/* The same, or a name or address with a port in the one address syntax
 * of url.h (host:443, 192.0.2.7:443, [2001:db8::1]:443; *port 0 without
 * one).  A bare IPv6 address that also reads as address and port
 * (2001:db8::1:443) is refused as ambiguous. */
int pp_tspec_parse_port(const char *s, struct pp_tspec *out, uint16_t *port, char *err,
                        size_t errlen);
/* The i-th address (i < count) of an ADDR or CIDR spec, with the port set
 * to port; computed on the fly, no allocation.  IPv4 blocks include their
 * network and broadcast addresses (like nmap).  For a NAME spec, or i out
 * of range, *out is zeroed and *len set to 0. */
void pp_tspec_addr(const struct pp_tspec *t, uint64_t i, uint16_t port,
                   struct sockaddr_storage *out, socklen_t *len);
/* Does the address fall in the spec (ADDR or CIDR)?  NAME specs never
 * match an address.  An IPv4-mapped IPv6 address (::ffff:192.0.2.1)
 * matches IPv4 specs. */
bool pp_tspec_contains(const struct pp_tspec *t, const struct sockaddr *sa);
/* Frees the name and empties *t; safe on an empty or freed spec. */
void pp_tspec_free(struct pp_tspec *t);

/* Called for each target line with the spec and the line's ports (NULL
 * when the line has none).  Both are heap-allocated and the callee owns
 * them, whatever it returns: pp_tspec_free(spec); free(spec);
 * pp_ports_free(ports); free(ports).  A nonzero return stops reading; a
 * sentence written to err becomes the error (prefixed "NAME:LINE: "). */
typedef int (*pp_target_cb)(void *ctx, struct pp_tspec *spec, struct pp_ports *ports,
                            char *err, size_t errlen);

/* Longest line accepted in a targets file, in bytes (without the line end). */
#define PP_TARGETS_MAX_LINE 1024

/* A targets file: one target per line, optionally followed by white space
 * and a port list ("10.0.0.0/24 443,5223"); '#' starts a comment (at the
 * start of a line or after white space); blank lines are ignored; LF or
 * CRLF line ends, and a leading UTF-8 byte order mark is skipped.  Lines
 * longer than PP_TARGETS_MAX_LINE, NUL bytes and more than one field after
 * the target are errors.  Reading stops at the first error: returns 0,
 * -1 with err "NAME:LINE: <why>", or the callback's nonzero return. */
int pp_targets_parse(const char *name, const char *text, size_t len, pp_target_cb cb, void *ctx,
                     char *err, size_t errlen);

#endif
