/* SPDX-License-Identifier: ISC */
/*
 * Apple's address space (applenet.h).  Sources: ../shared/docs/apple-network.md
 * section 1.1.  A block changes by changing its row.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include "core/applenet.h"

/*
 * Apple's address space, for the DNS sanity check of the push hosts.
 * IPv4: "the entire 17.0.0.0/8 address block is assigned to Apple"
 * (apple-network.md 1.1).  IPv6: the APNs /48s listed there sit in
 * Apple's registry allocations below; the allocations themselves are
 * unconfirmed by the fact sheet, so a row each to change.
 */
static const struct {
    int family;
    uint8_t prefix[16];
    int bits;
} apple_space[] = {
    {AF_INET, {17}, 8},
    {AF_INET6, {0x26, 0x20, 0x01, 0x49}, 32},         /* 2620:149::/32 */
    {AF_INET6, {0x24, 0x03, 0x03, 0x00}, 32},         /* 2403:300::/32 */
    {AF_INET6, {0x2a, 0x01, 0xb7, 0x40}, 32},         /* 2a01:b740::/32 */
};

static bool
prefix_match(const uint8_t *a, const uint8_t *p, int bits)
{
    int i;

    for (i = 0; i < bits / 8; i++)
        if (a[i] != p[i])
            return false;
    if (bits % 8 != 0) {
        uint8_t m = (uint8_t)(0xff << (8 - bits % 8));
        if ((a[i] & m) != (p[i] & m))
            return false;
    }
    return true;
}

bool
pp_addr_in_apple(const struct sockaddr *sa)
{
    const uint8_t *a;
    size_t i;

    if (sa->sa_family == AF_INET)
        a = (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        a = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    else
        return false;
    for (i = 0; i < sizeof(apple_space) / sizeof(apple_space[0]); i++)
        if (apple_space[i].family == sa->sa_family &&
            prefix_match(a, apple_space[i].prefix, apple_space[i].bits))
            return true;
    return false;
}

bool
pp_apple_space_entry(size_t i, int *family, const uint8_t **prefix, int *bits)
{
    if (i >= sizeof(apple_space) / sizeof(apple_space[0]))
        return false;
    *family = apple_space[i].family;
    *prefix = apple_space[i].prefix;
    *bits = apple_space[i].bits;
    return true;
}

const struct pp_addr_space pp_apple_space = {
    .owner = "Apple",
    .shown = "17.0.0.0/8",
    .contains = pp_addr_in_apple,
};
