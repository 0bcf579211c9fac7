/* SPDX-License-Identifier: ISC */
/*
 * Packet decoding for the capture (issue 6): pure functions over captured
 * bytes, through the bounds-checked cursor of cursor.h.  No struct is ever
 * laid over packet memory, nothing is allocated, nothing is printed, so the
 * unit tests and the fuzzers call these directly.
 *
 * Addresses are kept as 16 raw bytes; an IPv4 address sits in the first 4
 * bytes and the other 12 are zero.
 */
#ifndef PP_PKT_H
#define PP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link layers we decode.  pp_pkt_link_from_dlt() maps libpcap's DLT_ and
 * LINKTYPE_ numbers onto these. */
enum pp_link {
    PP_LINK_ETHERNET = 0, /* DLT_EN10MB (1), with 802.1Q / 802.1ad tags */
    PP_LINK_SLL,          /* DLT_LINUX_SLL (113) */
    PP_LINK_SLL2,         /* DLT_LINUX_SLL2 (276) */
    PP_LINK_RAW,          /* DLT_RAW (12, 14 on OpenBSD) and LINKTYPE_RAW (101) */
    PP_LINK_NULL,         /* DLT_NULL (0): BSD loopback, host-order AF word */
    PP_LINK_LOOP,         /* DLT_LOOP (108): OpenBSD loopback, network-order AF */
    PP_LINK_IPV4,         /* LINKTYPE_IPV4 (228) */
    PP_LINK_IPV6,         /* LINKTYPE_IPV6 (229) */
    PP_LINK_PKTAP,        /* Apple's PKTAP (258, and DLT_USER2 149): see pktap.h */
    PP_LINK__COUNT
};

/* -1 when the link type is not one we decode. */
int pp_pkt_link_from_dlt(int dlt);
const char *pp_pkt_link_name(enum pp_link);

enum pp_pkt_status {
    PP_PKT_OK = 0,
    PP_PKT_NOT_IP,      /* ARP, LLDP, ...: not an error, just not ours */
    PP_PKT_UNSUPPORTED, /* an IP protocol or link feature we do not decode */
    PP_PKT_MALFORMED,   /* a header that lies or is cut before its end */
    PP_PKT__COUNT
};
const char *pp_pkt_status_name(enum pp_pkt_status);

/* Encapsulations decoded to the packet inside (issue 17). */
enum pp_tunnel {
    PP_TUN_NONE = 0,
    PP_TUN_PPPOE,       /* PPPoE session (EtherType 0x8864), PPP carrying IP */
    PP_TUN_GRE,         /* GRE (IP protocol 47) carrying IP or Ethernet */
    PP_TUN_VXLAN,       /* VXLAN (UDP 4789) carrying Ethernet */
    PP_TUN_IPIP,        /* IPv6-in-IPv4 (6in4, 6to4: protocol 41) and IP-in-IP (4) */
    PP_TUN__COUNT
};
const char *pp_tunnel_name(enum pp_tunnel); /* "none", "pppoe", "gre", "vxlan", "ip-in-ip" */
#define PP_PKT_MAX_TUNNELS 3    /* deeper nesting is unsupported */

/* TCP flag bits, as on the wire. */
#define PP_TCP_FIN 0x01
#define PP_TCP_SYN 0x02
#define PP_TCP_RST 0x04
#define PP_TCP_PSH 0x08
#define PP_TCP_ACK 0x10

/* The flow an ICMP error quotes: the header of the packet it kills. */
struct pp_pkt_quoted {
    bool valid;         /* an IP header and the first 8 bytes of L4 were there */
    uint8_t family;     /* 4 or 6 */
    uint8_t proto;      /* 6 TCP, 17 UDP, ... */
    uint8_t src[16];
    uint8_t dst[16];
    uint16_t sport;
    uint16_t dport;
    uint32_t tcp_seq;   /* when proto is TCP */
};

struct pp_pkt {
    enum pp_link link;
    uint16_t vlan;          /* outermost 802.1Q VLAN id, 0 when untagged */
    uint8_t tunnel;         /* enum pp_tunnel: the outermost encapsulation taken off */
    uint8_t tunnels;        /* how many were taken off; the fields below are the inner packet's */
    bool len_from_frame;    /* IPv4 total length 0 (TSO, BIG TCP): taken from the frame */
    uint16_t iface;         /* set by the flow table: interface and process ids (0: none) */
    uint16_t proc;
    uint8_t family;         /* 4 or 6 */
    uint8_t src[16];
    uint8_t dst[16];
    uint8_t ttl;            /* IPv4 TTL or IPv6 hop limit */
    uint8_t proto;          /* transport after IPv6 extension headers */
    bool fragment;          /* a non-first fragment: no transport header */
    bool truncated;         /* the capture (snaplen) cut the packet short */
    uint32_t ip_len;        /* total length the IP header claims */
    /* TCP and UDP */
    uint16_t sport;
    uint16_t dport;
    /* TCP */
    uint8_t tcp_flags;
    uint32_t seq;
    uint32_t ack;
    uint16_t window;
    /* ICMP and ICMPv6 */
    uint8_t icmp_type;
    uint8_t icmp_code;
    struct pp_pkt_quoted quoted;  /* for error messages */
    /* The transport payload as captured (may be shorter than on the wire),
     * and its length on the wire from the IP length fields. */
    const uint8_t *payload;
    size_t payload_len;
    uint32_t payload_wire_len;
};

/* Decode one captured frame of link type `link` (a PKTAP frame: the
 * packet after its header, by the header's link type).  caplen is what the
 * capture holds.  On PP_PKT_OK every field that applies is set and the
 * others are zero; out->payload points into data. */
enum pp_pkt_status pp_pkt_decode(enum pp_link link, const uint8_t *data, size_t caplen,
                                 struct pp_pkt *out);

/* Is this ICMP/ICMPv6 message an error that quotes a packet
 * (unreachable, time exceeded, parameter problem, packet too big)? */
bool pp_pkt_icmp_is_error(const struct pp_pkt *);

/* Text form of a pp_pkt address ("192.0.2.1", "2001:db8::1"). */
void pp_pkt_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t len);

/* ---------------------------------------------------------------- DNS */

#define PP_DNS_MAX_NAME 256
#define PP_DNS_MAX_ADDRS 16

struct pp_dns_msg {
    uint16_t id;
    bool response;
    uint8_t rcode;            /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED */
    uint16_t qtype;           /* of the first question */
    char qname[PP_DNS_MAX_NAME]; /* lower case, no trailing dot */
    char cname[PP_DNS_MAX_NAME]; /* last CNAME target in the answers, or "" */
    size_t naddrs;            /* A and AAAA answers kept (at most PP_DNS_MAX_ADDRS) */
    struct {
        uint8_t family;       /* 4 or 6 */
        uint8_t addr[16];
        uint32_t ttl;
    } addrs[PP_DNS_MAX_ADDRS];
};

/* Parse a DNS message (the UDP payload, or a TCP payload after its 2-byte
 * length).  Compression pointers are followed forward and backward with a
 * bound on jumps; a name that loops or runs off the end is malformed.
 * Returns 0, or -1 when malformed (out is then unspecified). */
int pp_dns_parse(const uint8_t *p, size_t len, struct pp_dns_msg *out);

/* ---------------------------------------------------------------- TLS */

struct pp_tls_hello {
    uint16_t version;         /* legacy_version of the ClientHello */
    char sni[PP_DNS_MAX_NAME]; /* first host_name, or "" */
    char alpn[128];           /* protocols joined by ',', or "" */
};

/* From the first bytes of a TCP stream sent by a client: 1 when they start
 * a TLS handshake record holding a ClientHello (out filled), 0 when they
 * are not TLS or not a ClientHello, -1 when it is a ClientHello cut short
 * (out holds what was read) or lies about a length. */
int pp_tls_parse_client_hello(const uint8_t *p, size_t len, struct pp_tls_hello *out);

/* 1 when the bytes start a TLS alert record (level and description set),
 * 0 otherwise. */
int pp_tls_parse_alert(const uint8_t *p, size_t len, uint8_t *level, uint8_t *desc);
/* "handshake_failure", "unknown_ca", ... or NULL. */
const char *pp_tls_alert_name(uint8_t desc);

#endif
