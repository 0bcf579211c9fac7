/* SPDX-License-Identifier: ISC */
/*
 * The raw-socket side of a path trace: ICMP errors read from a raw ICMP
 * (ICMPv6) socket and matched to our probes by the TCP header they quote.
 * It needs root or CAP_NET_RAW on Linux, root on macOS and the BSDs; it is
 * the only way there, where a TCP socket has no error queue.  The parser is
 * a pure function over the received bytes (tests and fuzzers call it).
 */
#ifndef PP_TRACE_RAW_H
#define PP_TRACE_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_trace_icmp {
    uint8_t type;
    uint8_t code;
    char quoted_dst[48]; /* destination of the packet the ICMP quotes */
    uint16_t sport;      /* its TCP ports */
    uint16_t dport;
    int64_t at_us;       /* pp_traceraw_read: when it arrived (microseconds
                          * since 1970), 0 when unknown */
};

/* family AF_INET: buf holds the IPv4 packet (header included, as raw IPv4
 * sockets deliver it); AF_INET6: the ICMPv6 message (raw IPv6 sockets strip
 * the header).  True for a time-exceeded or destination-unreachable that
 * quotes a TCP segment. */
bool pp_trace_parse_icmp(int family, const uint8_t *buf, size_t len,
                         struct pp_trace_icmp *out);

/* A non-blocking raw ICMP socket of the family, or -1 with errno set
 * (EPERM/EACCES without the privilege). */
int pp_traceraw_open(int family);
/* Read one queued ICMP error that quotes TCP.  1: got one (from: its
 * sender); 0: nothing more queued; packets of no interest are skipped. */
int pp_traceraw_read(int fd, int family, struct pp_trace_icmp *out, char *from,
                     size_t fromlen);

#endif
