/* SPDX-License-Identifier: ISC */
/* Platform-specific socket extras; see netx.h. */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LINUX_ERRQUEUE_H
#include <linux/errqueue.h>
#endif
#ifdef __linux__
#include <linux/sockios.h>
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
pp_netx_sockaddr(const char *address, uint16_t port, struct sockaddr_storage *ss)
{
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, address, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        return 0;
    }
    if (inet_pton(AF_INET6, address, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        return 0;
    }
    return -1;
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
        /* A time that does not fit in microseconds (or before 1970, or
         * with microseconds out of range) is no time: unknown. */
        if (tv.tv_sec <= 0 || tv.tv_sec > INT64_MAX / 1000000 - 1 || tv.tv_usec < 0 ||
            tv.tv_usec >= 1000000)
            return 0;
        return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    }
#else
    (void)c;
#endif
    return 0;
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

#if defined(__linux__) && defined(TCP_INFO)
/* The kernel's TCP_INFO for fd, when it holds at least need bytes. */
static bool
tcp_info(int fd, struct tcp_info *ti, size_t need)
{
    socklen_t len = sizeof(*ti);

    memset(ti, 0, sizeof(*ti));
    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0 && (size_t)len >= need;
}
#endif

/*
 * Linux measures the SYN -> SYN-ACK round trip itself, in microseconds, at
 * the moment the SYN-ACK is processed: the network's figure, whatever the
 * loop was busy with.  Not when the SYN was sent again (then the wait for
 * the retransmission is part of the connect, and the caller's clock says
 * so).
 */
bool
pp_netx_handshake_rtt(int fd, double *ms)
{
#if defined(__linux__) && defined(TCP_INFO)
    struct tcp_info ti;

    if (!tcp_info(fd, &ti, offsetof(struct tcp_info, tcpi_total_retrans) +
                               sizeof(ti.tcpi_total_retrans)))
        return false;
    if (ti.tcpi_rtt == 0 || ti.tcpi_total_retrans != 0 || ti.tcpi_retransmits != 0)
        return false;
    *ms = ti.tcpi_rtt / 1000.0;
    return true;
#else
    (void)fd;
    (void)ms;
    return false;
#endif
}

/*
 * TCP keepalive probes now, on a connection idle for a while: the kernel
 * sends the first at once (its idle time has long passed) and one a second
 * after it, and ends the connection with ETIMEDOUT when 3 go unanswered.
 */
bool
pp_netx_keepalive_now(int fd)
{
#if defined(__linux__) && defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
    int on = 1, idle = 1, intvl = 1, cnt = 3;

    return setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) == 0 &&
           setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) == 0 &&
           setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == 0 &&
           setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == 0;
#else
    (void)fd;
    return false;
#endif
}

/*
 * Receive time stamps (Linux SO_TIMESTAMPNS): the kernel notes when each
 * segment arrived, and recvmsg() on TCP hands over the time of the last
 * one read, so the first byte's time does not depend on when the loop got
 * round to reading it.  The stamp is CLOCK_REALTIME; it is turned into
 * pp_now_msf()'s clock at once.
 */
void
pp_netx_rx_stamps(int fd)
{
#if defined(__linux__) && defined(SO_TIMESTAMPNS)
    int on = 1;

    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
#else
    (void)fd;
#endif
}

ssize_t
pp_netx_recv(int fd, void *buf, size_t len, double *at)
{
#if defined(__linux__) && defined(SO_TIMESTAMPNS) && defined(SCM_TIMESTAMPNS)
    union {
        char buf[CMSG_SPACE(sizeof(struct timespec))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {buf, len};
    struct msghdr msg;
    struct cmsghdr *c;
    ssize_t n;

    *at = 0;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof(ctl.buf);
    n = recvmsg(fd, &msg, 0);
    if (n <= 0)
        return n;
    for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
            struct timespec ts, real, mono;
            double ago;

            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            clock_gettime(CLOCK_REALTIME, &real);
            clock_gettime(CLOCK_MONOTONIC, &mono);
            ago = (double)(real.tv_sec - ts.tv_sec) * 1000.0 +
                  (double)(real.tv_nsec - ts.tv_nsec) / 1e6;
            /* A clock step between the two reads: no stamp. */
            if (ts.tv_sec != 0 && ago >= 0 && ago < 60000.0)
                *at = (double)mono.tv_sec * 1000.0 + (double)mono.tv_nsec / 1e6 - ago;
        }
    }
    return n;
#else
    *at = 0;
    return recv(fd, buf, len, 0);
#endif
}

long
pp_netx_unacked(int fd)
{
#if defined(__linux__) && defined(SIOCOUTQ)
    int n = 0;

    return ioctl(fd, SIOCOUTQ, &n) == 0 ? (long)n : -1;
#elif defined(SO_NWRITE)
    int n = 0;
    socklen_t len = sizeof(n);

    return getsockopt(fd, SOL_SOCKET, SO_NWRITE, &n, &len) == 0 ? (long)n : -1;
#else
    (void)fd;
    return -1;
#endif
}

bool
pp_netx_last_ack_ms(int fd, double *ms)
{
#if defined(__linux__) && defined(TCP_INFO)
    struct tcp_info ti;

    if (!tcp_info(fd, &ti, offsetof(struct tcp_info, tcpi_last_ack_recv) +
                               sizeof(ti.tcpi_last_ack_recv)))
        return false;
    *ms = (double)ti.tcpi_last_ack_recv;
    return true;
#else
    (void)fd;
    (void)ms;
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

void
pp_netx_icmp_msg(const struct msghdr *msg, struct pp_icmp *out)
{
    struct cmsghdr *c;

    for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
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

bool
pp_netx_icmp(int fd, struct pp_icmp *out)
{
    char data[64], ctl[512];
    struct iovec iov = {data, sizeof(data)};
    struct msghdr msg;
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
        pp_netx_icmp_msg(&msg, out);
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

void
pp_netx_icmp_msg(const struct msghdr *msg, struct pp_icmp *out)
{
    (void)msg;
    (void)out;
}

bool
pp_netx_icmp(int fd, struct pp_icmp *out)
{
    (void)fd;
    memset(out, 0, sizeof(*out));
    return false;
}

#endif
