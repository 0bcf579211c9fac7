/* Platform-specific socket extras; see netx.h. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LINUX_ERRQUEUE_H
#include <linux/errqueue.h>
#endif

#include "core/netx.h"

int
pp_netx_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

int
pp_netx_socket(int family, int type)
{
    int fd;

#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 || errno != EINVAL)
        return fd;
#endif
    fd = socket(family, type, 0);
    if (fd >= 0 && pp_netx_nonblock(fd) < 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

/*
 * Linux sends the TCP_MAXSEG set before the connect as the SYN's MSS, so
 * the server's segments shrink.  macOS and the BSDs take the SYN's MSS from
 * the interface and refuse values above their 512-byte default there: no
 * small-segment retry on them.
 */
bool
pp_netx_small_segments(int fd, int mss)
{
#if defined(__linux__) && defined(TCP_MAXSEG)
    return setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) == 0;
#else
    (void)fd;
    (void)mss;
    return false;
#endif
}

void
pp_netx_timestamps(int fd)
{
#ifdef SO_TIMESTAMP
    int on = 1;

    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof(on));
#else
    (void)fd;
#endif
}

int64_t
pp_netx_cmsg_time(const struct cmsghdr *c)
{
#if defined(SO_TIMESTAMP) && defined(SCM_TIMESTAMP)
    struct timeval tv;

    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP &&
        c->cmsg_len >= CMSG_LEN(sizeof(tv))) {
        memcpy(&tv, CMSG_DATA(c), sizeof(tv));
        return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    }
#else
    (void)c;
#endif
    return 0;
}

bool
pp_netx_handshake_rtt(int fd, double *ms)
{
#if defined(__linux__) && defined(TCP_INFO)
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || ti.tcpi_rtt == 0)
        return false;
    *ms = ti.tcpi_rtt / 1000.0;
    return true;
#else
    (void)fd;
    (void)ms;
    return false;
#endif
}

bool
pp_netx_can_shrink_segments(void)
{
#if defined(__linux__) && defined(TCP_MAXSEG)
    return true;
#else
    return false;
#endif
}

#if defined(HAVE_LINUX_ERRQUEUE_H) && defined(IP_RECVERR)

void
pp_netx_prepare(int fd, int family)
{
    int on = 1;

    if (family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof(on));
    else
        (void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof(on));
}

bool
pp_netx_icmp(int fd, struct pp_icmp *out)
{
    char data[64], ctl[512];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr msg;
    struct cmsghdr *c;
    int tries;

    memset(out, 0, sizeof(*out));
    /* Drain the queue; the last ICMP error is the one that ended the
     * connect.  Bounded, so a flood cannot keep us here. */
    for (tries = 0; tries < 8; tries++) {
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl;
        msg.msg_controllen = sizeof(ctl);
        if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
            break;
        for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            struct sock_extended_err ee;
            const struct sockaddr *off;

            if (pp_netx_cmsg_time(c) != 0) {
                out->at_us = pp_netx_cmsg_time(c);
                continue;
            }
            if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
                  (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
                continue;
            if (c->cmsg_len < CMSG_LEN(sizeof(ee)))
                continue;
            memcpy(&ee, CMSG_DATA(c), sizeof(ee));
            if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
                continue;
            out->valid = true;
            out->family = ee.ee_origin == SO_EE_ORIGIN_ICMP6 ? AF_INET6 : AF_INET;
            out->type = ee.ee_type;
            out->code = ee.ee_code;
            out->err = (int)ee.ee_errno;
            out->from[0] = '\0';
            off = (const struct sockaddr *)(CMSG_DATA(c) + sizeof(ee));
            if (c->cmsg_len >= CMSG_LEN(sizeof(ee) + sizeof(struct sockaddr_in)) &&
                off->sa_family == AF_INET) {
                struct sockaddr_in sin;
                memcpy(&sin, off, sizeof(sin));
                inet_ntop(AF_INET, &sin.sin_addr, out->from, sizeof(out->from));
            } else if (c->cmsg_len >= CMSG_LEN(sizeof(ee) + sizeof(struct sockaddr_in6)) &&
                       off->sa_family == AF_INET6) {
                struct sockaddr_in6 sin6;
                memcpy(&sin6, off, sizeof(sin6));
                inet_ntop(AF_INET6, &sin6.sin6_addr, out->from, sizeof(out->from));
            }
        }
    }
    return out->valid;
}

#else /* portable fallback: the errno of the connect is all there is */

void
pp_netx_prepare(int fd, int family)
{
    (void)fd;
    (void)family;
}

bool
pp_netx_icmp(int fd, struct pp_icmp *out)
{
    (void)fd;
    memset(out, 0, sizeof(*out));
    return false;
}

#endif
