/* SPDX-License-Identifier: ISC */
/*
 * Apple's address space: a leaf of core that knows the blocks Apple's
 * hosts live in (apple-network.md 1.1), and nothing else.  A target that
 * must resolve into it carries it as its address-space rule
 * (pp_target.space); the capture reads the blocks for its filter and its
 * flow table.  Calls nothing but libc.
 */
#ifndef PP_APPLENET_H
#define PP_APPLENET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* A rule a name's addresses must keep: "resolves into NAME's addresses
 * (SHOWN)".  The engine checks every address found against it. */
struct pp_addr_space {
    const char *owner;   /* "Apple": whose addresses, for the message */
    const char *shown;   /* "17.0.0.0/8": the block named in the message */
    bool (*contains)(const struct sockaddr *sa);
};

/* Apple's address space, the rule of the push hosts' DNS sanity check. */
extern const struct pp_addr_space pp_apple_space;

/* Is this address in Apple's address space? */
bool pp_addr_in_apple(const struct sockaddr *sa);
/* Apple's address blocks one by one (for the capture filter); false past
 * the last. */
bool pp_apple_space_entry(size_t i, int *family, const uint8_t **prefix, int *bits);

#endif
