/* SPDX-License-Identifier: ISC */
/*
 * Platform-specific socket extras behind one small interface.
 *
 * On Linux, IP_RECVERR / IPV6_RECVERR let a TCP connect in SYN_SENT queue
 * the ICMP error that killed it, with the address of the router that sent
 * it.  Elsewhere the interface reports nothing and callers fall back to the
 * errno of the connect.
 */
#ifndef PP_NETX_H
#define PP_NETX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pp_icmp {
    bool valid;
    int family;       /* AF_INET: ICMPv4 type/code; AF_INET6: ICMPv6 */
    uint8_t type;
    uint8_t code;
    int err;          /* errno the kernel attached */
    char from[48];    /* offender address, "" when unknown */
    int64_t at_us;    /* when it arrived, microseconds since 1970, where the
                       * socket asked for timestamps (pp_netx_timestamps); 0:
                       * unknown */
};

/* A numeric IPv4 or IPv6 address (no brackets, no zone) and a port into
 * *ss; 0, or -1 when it is neither. */
struct sockaddr_storage;
int pp_netx_sockaddr(const char *address, uint16_t port, struct sockaddr_storage *ss);

/* Prepare a fresh non-blocking socket for a connect check. */
void pp_netx_prepare(int fd, int family);
/* Read the ICMP error queued on fd, if any.  Returns true when found. */
bool pp_netx_icmp(int fd, struct pp_icmp *out);
/* What pp_netx_icmp reads of one message from the error queue: its
 * control messages (IP_RECVERR, IPV6_RECVERR, SCM_TIMESTAMP) into out.  A
 * pure function of the message (tests/fuzz/fuzz_recverr.c); nothing where
 * the system has no error queue. */
struct msghdr;
void pp_netx_icmp_msg(const struct msghdr *msg, struct pp_icmp *out);
/* Make fd non-blocking and close-on-exec; -1 on failure. */
int pp_netx_nonblock(int fd);
/* A non-blocking, close-on-exec socket in one call where the system
 * allows (SOCK_NONBLOCK, SOCK_CLOEXEC: Linux, the BSDs), with fcntl()
 * otherwise; -1 with errno set. */
int pp_netx_socket(int family, int type);
/* Before the connect: ask the server for segments of at most mss bytes.
 * False where the system cannot (then do not rely on it). */
bool pp_netx_small_segments(int fd, int mss);
bool pp_netx_can_shrink_segments(void);
/* Ask the kernel to stamp what arrives on fd (SO_TIMESTAMP), for round
 * trips measured at arrival rather than when we got to read it. */
void pp_netx_timestamps(int fd);
/* A control message's SCM_TIMESTAMP in microseconds since 1970, or 0. */
struct cmsghdr;
int64_t pp_netx_cmsg_time(const struct cmsghdr *);
/* Just connected: the SYN -> SYN-ACK round trip the kernel measured, in
 * ms.  False where the system does not say (not Linux) or the SYN was
 * sent again. */
bool pp_netx_handshake_rtt(int fd, double *ms);
/* An idle connection: send TCP keepalive probes now (one a second; the
 * connection fails with ETIMEDOUT after 3 unanswered).  False where the
 * system cannot (then liveness needs another proof). */
bool pp_netx_keepalive_now(int fd);
/* Ask for receive time stamps on fd (Linux; nothing elsewhere). */
void pp_netx_rx_stamps(int fd);
/* recv() that also gives when the last byte read arrived, in
 * pp_now_msf()'s clock (*at), or 0 when the system did not say. */
ssize_t pp_netx_recv(int fd, void *buf, size_t len, double *at);
/* Bytes written but not yet acknowledged by the peer (Linux SIOCOUTQ,
 * macOS SO_NWRITE), or -1 where the system does not say. */
long pp_netx_unacked(int fd);
/* Milliseconds since the last ACK came in (Linux); false elsewhere. */
bool pp_netx_last_ack_ms(int fd, double *ms);

#endif
