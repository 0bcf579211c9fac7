/* SPDX-License-Identifier: ISC */
/* Raw ICMP sockets for path traces; see trace_raw.h. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "core/cursor.h"
#include "core/netx.h"
#include "engine/trace_raw.h"

/* RFC 792 (ICMPv4) and RFC 4443 (ICMPv6) type numbers. */
#define ICMP4_UNREACH 3
#define ICMP4_TIME_EXCEEDED 11
#define ICMP6_UNREACH 1
#define ICMP6_TIME_EXCEEDED 3
#define PROTO_TCP 6

/* The quoted packet: its IP header, then at least the first 8 bytes of
 * TCP (RFC 792 asks for 64 bits; RFC 4443 for as much as fits). */
static bool
quoted(int family, struct pp_cur *c, struct pp_trace_icmp *out)
{
    uint8_t vihl, proto, addr[16];
    size_t start = c->off;

    if (family == AF_INET) {
        if (!pp_cur_u8(c, &vihl) || (vihl >> 4) != 4 || (vihl & 15) < 5)
            return false;
        if (!pp_cur_seek(c, start + 9) || !pp_cur_u8(c, &proto) || proto != PROTO_TCP)
            return false;
        if (!pp_cur_seek(c, start + 16) || !pp_cur_bytes(c, addr, 4))
            return false;
        if (!pp_cur_seek(c, start + (size_t)(vihl & 15) * 4))
            return false;
        inet_ntop(AF_INET, addr, out->quoted_dst, sizeof(out->quoted_dst));
    } else {
        if (!pp_cur_u8(c, &vihl) || (vihl >> 4) != 6)
            return false;
        /* Extension headers between IPv6 and TCP are not followed: our
         * SYNs carry none. */
        if (!pp_cur_seek(c, start + 6) || !pp_cur_u8(c, &proto) || proto != PROTO_TCP)
            return false;
        if (!pp_cur_seek(c, start + 24) || !pp_cur_bytes(c, addr, 16))
            return false;
        inet_ntop(AF_INET6, addr, out->quoted_dst, sizeof(out->quoted_dst));
    }
    return pp_cur_be16(c, &out->sport) && pp_cur_be16(c, &out->dport) && pp_cur_has(c, 4);
}

bool
pp_trace_parse_icmp(int family, const uint8_t *buf, size_t len, struct pp_trace_icmp *out)
{
    struct pp_cur c = {buf, len, 0};
    uint8_t vihl, proto;

    memset(out, 0, sizeof(*out));
    if (family == AF_INET) {
        if (!pp_cur_u8(&c, &vihl) || (vihl >> 4) != 4 || (vihl & 15) < 5)
            return false;
        if (!pp_cur_seek(&c, 9) || !pp_cur_u8(&c, &proto) || proto != 1)
            return false;
        if (!pp_cur_seek(&c, (size_t)(vihl & 15) * 4))
            return false;
    } else if (family != AF_INET6) {
        return false;
    }
    /* type, code, checksum, 4 bytes unused (or the MTU) */
    if (!pp_cur_u8(&c, &out->type) || !pp_cur_u8(&c, &out->code) || !pp_cur_skip(&c, 6))
        return false;
    if (family == AF_INET && out->type != ICMP4_UNREACH && out->type != ICMP4_TIME_EXCEEDED)
        return false;
    if (family == AF_INET6 && out->type != ICMP6_UNREACH && out->type != ICMP6_TIME_EXCEEDED)
        return false;
    return quoted(family, &c, out);
}

int
pp_traceraw_open(int family)
{
    int fd = socket(family, SOCK_RAW, family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);

    if (fd < 0)
        return -1;
    pp_netx_timestamps(fd);
    if (pp_netx_nonblock(fd) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int
pp_traceraw_read(int fd, int family, struct pp_trace_icmp *out, char *from, size_t fromlen)
{
    uint8_t buf[1500];
    char ctl[256];
    struct sockaddr_storage ss;
    struct iovec iov;
    struct msghdr msg;
    struct cmsghdr *c;
    ssize_t n;
    int64_t at;
    int tries;

    /* Bounded: a flood of other ICMP cannot keep us here. */
    for (tries = 0; tries < 64; tries++) {
        memset(&msg, 0, sizeof(msg));
        iov.iov_base = buf;
        iov.iov_len = sizeof(buf);
        msg.msg_name = &ss;
        msg.msg_namelen = sizeof(ss);
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl;
        msg.msg_controllen = sizeof(ctl);
        n = recvmsg(fd, &msg, MSG_DONTWAIT);
        if (n < 0)
            return 0;
        if (!pp_trace_parse_icmp(family, buf, (size_t)n, out))
            continue;
        for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
            if ((at = pp_netx_cmsg_time(c)) != 0)
                out->at_us = at;
        from[0] = '\0';
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, from, (socklen_t)fromlen);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, from,
                      (socklen_t)fromlen);
        return 1;
    }
    return 0;
}
