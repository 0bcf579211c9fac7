/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the ICMP errors a connect's socket queues
 * (pp_netx_icmp_msg, src/core/netx.c: IP_RECVERR and IPV6_RECVERR with
 * the offender's address, SCM_TIMESTAMP): the kernel frames the control
 * messages (their lengths are true), the contents are what the ICMP
 * packet said.  The result is valid only for an ICMP origin, with a
 * NUL-terminated, printable offender address.
 *
 * Input: records of one byte (bits 0-1: IP_RECVERR, IPV6_RECVERR,
 * SCM_TIMESTAMP or another type), one byte (the payload's length) and
 * the payload; at most 512 bytes of control data, as pp_netx_icmp reads. */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/netx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CTL 512

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int levels[4] = {IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET, IPPROTO_TCP};
    static const int types[4] = {IP_RECVERR, IPV6_RECVERR, SCM_TIMESTAMP, 1};
    union {
        struct cmsghdr align;
        unsigned char b[CTL];
    } u;
    size_t used = 0, off = 0;
    struct msghdr msg;
    struct pp_icmp ic;
    unsigned char *exact;
    const char *p;

    memset(&u, 0, sizeof(u));
    while (off + 2 <= size) {
        size_t k = data[off] & 3, n = data[off + 1];
        struct cmsghdr *c;

        off += 2;
        if (n > size - off)
            n = size - off;
        if (used + CMSG_SPACE(n) > CTL)
            break;
        c = (struct cmsghdr *)(void *)(u.b + used);
        c->cmsg_level = levels[k];
        c->cmsg_type = types[k];
        c->cmsg_len = CMSG_LEN(n);
        memcpy(CMSG_DATA(c), data + off, n);
        off += n;
        used += CMSG_SPACE(n);
    }
    /* Exactly the control data, so ASan sees a read past it. */
    exact = malloc(used ? used : 1);
    memcpy(exact, u.b, used);
    memset(&msg, 0, sizeof(msg));
    msg.msg_control = used ? exact : NULL;
    msg.msg_controllen = used;
    memset(&ic, 0, sizeof(ic));
    pp_netx_icmp_msg(&msg, &ic);
    if (memchr(ic.from, '\0', sizeof(ic.from)) == NULL)
        abort();
    for (p = ic.from; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    if (ic.valid && ic.family != AF_INET && ic.family != AF_INET6)
        abort();
    free(exact);
    return 0;
}
