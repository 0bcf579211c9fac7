/* SPDX-License-Identifier: ISC */
/*
 * The flow table of the capture (issue 6): what the devices on the network
 * actually do.  Frames go in (pp_flows_frame), decoded by pkt.c; flows,
 * per-device push health, DNS observations and counters come out.  No I/O,
 * no clock: every call takes the packet's own timestamp, so a saved capture
 * and a live one give the same answer, and tests feed packets by hand.
 *
 * Memory is bounded: at most opts.max_flows flows are kept; when the table
 * is full the least recently seen flow is evicted (its outcome is counted in
 * the totals first) and the eviction is counted.
 */
#ifndef PP_FLOWS_H
#define PP_FLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/pkt.h"

/* What a flow is for.  Order is report order. */
enum pp_flow_svc {
    PP_FS_COURIER = 0, /* APNs device side: Apple range on 5223, or SNI *courier.push.apple.com */
    PP_FS_PROVIDER,    /* APNs provider: api(.sandbox).push.apple.com, or Apple range on 2197 */
    PP_FS_APPLE,       /* other traffic to Apple's ranges */
    PP_FS_MDM,         /* a configured MDM host (pp_flows_add_server / _name) */
    PP_FS_SUS,
    PP_FS_DP,
    PP_FS_SMB,         /* TCP 445, any server */
    PP_FS_AFP,         /* TCP 548, any server */
    PP_FS_DNS,         /* UDP or TCP 53 */
    PP_FS_OTHER,
    PP_FS__COUNT
};
const char *pp_flow_svc_name(enum pp_flow_svc); /* "courier", "provider", "apple", "mdm",
                                                    "sus", "dp", "smb", "afp", "dns", "other" */

/* How a flow went.  A flow's outcome can change as packets arrive until it
 * ends; pp_flows_settle() decides the pending ones. */
enum pp_flow_outcome {
    PP_FO_PENDING = 0,   /* SYN seen, too early to tell */
    PP_FO_ESTABLISHED,   /* handshake completed (or data both ways), still open */
    PP_FO_CLOSED,        /* ended with FIN after being established */
    PP_FO_UNANSWERED,    /* SYN(s) sent, nothing came back */
    PP_FO_REFUSED,       /* the server answered the SYN with RST */
    PP_FO_RESET,         /* reset after it was established, by the server's side */
    PP_FO_RESET_MIDDLEBOX, /* a reset whose TTL says it came from closer than the server */
    PP_FO_ICMP,          /* killed by an ICMP/ICMPv6 error (icmp_* fields) */
    PP_FO_TLS_ALERT,     /* a TLS alert was sent (alert_* fields) */
    PP_FO_UDP,           /* UDP: answered (packets both ways) */
    PP_FO_UDP_UNANSWERED,/* UDP: only the client spoke */
    PP_FO__COUNT
};
const char *pp_flow_outcome_name(enum pp_flow_outcome); /* "pending", "established", "closed",
    "unanswered", "refused", "reset", "reset-by-middlebox", "icmp", "tls-alert",
    "udp", "udp-unanswered" */
/* True for outcomes that mean the path or the service failed. */
bool pp_flow_outcome_bad(enum pp_flow_outcome);

enum pp_flow_dir { PP_DIR_C2S = 0, PP_DIR_S2C = 1 };

struct pp_flow {
    uint8_t family;          /* 4 or 6 */
    uint16_t iface;          /* interface it was captured on (pp_flows_iface_name), 0: one */
    uint16_t proc;           /* the process on this machine (pp_flows_proc), 0: unknown */
    uint8_t proto;           /* 6 or 17 */
    uint8_t client[16];      /* the side that sent the SYN (or the first packet) */
    uint8_t server[16];
    uint16_t cport;
    uint16_t sport;
    enum pp_flow_svc svc;
    enum pp_flow_outcome outcome;
    int64_t first_us;        /* timestamps as given to pp_flows_frame */
    int64_t last_us;
    int64_t established_us;  /* when the SYN-ACK came, or 0 */
    uint64_t pkts[2];        /* by pp_flow_dir */
    uint64_t bytes[2];       /* IP bytes on the wire, by pp_flow_dir */
    unsigned syns;           /* SYNs from the client (1 = no retransmission) */
    unsigned synacks;
    bool midstream;          /* first seen after its handshake */
    uint8_t client_ttl;      /* last TTL seen from each side (0: none) */
    uint8_t server_ttl;      /* from SYN-ACKs and data, never from a RST */
    uint8_t rst_ttl;         /* of the reset that ended it, or 0 */
    enum pp_flow_dir rst_dir;/* who the reset appeared to come from */
    double rst_after_ms;     /* time from the last client packet to the RST */
    /* ICMP error that ended it. */
    uint8_t icmp_family;
    uint8_t icmp_from[16];
    uint8_t icmp_type;
    uint8_t icmp_code;
    /* TLS, from the first client payload and any alert. */
    char sni[128];           /* cut short past 127 bytes (classified on the whole) */
    char alpn[48];
    bool alert_seen;
    enum pp_flow_dir alert_dir;
    uint8_t alert_level;
    uint8_t alert_desc;
};

/* The process that holds a Mac's or an iPhone's push connection. */
#define PP_PUSH_DAEMON "apsd"

/* Push health per device: every client address with courier flows. */
struct pp_push_device {
    uint8_t family;
    uint8_t addr[16];
    unsigned flows;          /* courier connections attempted (incl. evicted ones) */
    unsigned established;    /* of which completed their handshake */
    unsigned unanswered;     /* of which got nothing back */
    unsigned failed;         /* of which ended another bad way (reset, ICMP, alert) */
    unsigned syns_unanswered;/* SYNs sent in unanswered flows */
    bool on_5223;            /* established on 5223 at least once */
    bool on_443;             /* established on 443 at least once */
    bool holding;            /* a courier connection is open at the end */
    double held_s;           /* longest time one courier connection stayed up */
    int64_t first_us;
    int64_t last_us;
    uint16_t proc;           /* the process that held the push connection (the longest-held
                              * courier connection's, else its latest one's), 0: unknown */
};

/* DNS, for the names that matter: Apple's (*.apple.com, *.apple-dns.net,
 * *.icloud.com, *.mzstatic.com) and the names given with pp_flows_add_name. */
struct pp_dns_obs {
    char name[PP_DNS_MAX_NAME];
    uint8_t server_family;   /* the resolver that answered */
    uint8_t server[16];
    unsigned queries;
    unsigned answers;
    uint8_t last_rcode;
    unsigned outside_apple;  /* A/AAAA answers of an Apple name outside Apple's space */
    uint8_t bad_family;      /* the last such address */
    uint8_t bad_addr[16];
};

struct pp_flows_stats {
    uint64_t frames;
    uint64_t by_status[PP_PKT__COUNT];   /* decode results */
    uint64_t truncated;                  /* cut by the snaplen */
    uint64_t icmp_errors;
    uint64_t icmp_unmatched;             /* ICMP errors quoting no known flow */
    uint64_t flows_total;                /* flows ever created */
    uint64_t evicted;
    uint64_t retired;                    /* unremarkable flows (other traffic, DNS) that
                                          * ended well, out of the table 10 s after
                                          * their last packet */
    uint64_t dns_evicted;                /* DNS observations dropped for the cap */
    uint64_t late;                       /* TCP packets of a flow that had ended and left
                                          * the table, within the grace period: matched
                                          * to it, no new flow */
    uint64_t tunneled;                   /* packets taken out of a tunnel (PPPoE, GRE,
                                          * VXLAN, IP-in-IP), by their inner packet */
    uint64_t by_tunnel[PP_TUN__COUNT];   /* the same, by outermost encapsulation */
    uint64_t len_from_frame;             /* IPv4 length 0 (TSO): taken from the frame */
    /* Outcomes of every flow (evicted ones included; settled ones by their
     * final outcome), by service. */
    uint64_t outcomes[PP_FS__COUNT][PP_FO__COUNT];
    int64_t first_us;
    int64_t last_us;
};

struct pp_flows_opts {
    size_t max_flows;        /* 0: 65536 */
    size_t max_devices;      /* 0: 4096 */
    size_t max_dns;          /* 0: 1024 */
    double syn_timeout_s;    /* a SYN unanswered this long is "unanswered"; 0: 3 */
    double udp_timeout_s;    /* 0: 5 */
};

struct pp_flows;
struct pp_flows *pp_flows_new(const struct pp_flows_opts *);
void pp_flows_free(struct pp_flows *);

/* Teach the table the configured hosts: an address and port (0: any port)
 * that belong to a service, and names (matched against DNS answers seen in
 * the capture and against TLS SNI, case-insensitively). */
void pp_flows_add_server(struct pp_flows *, uint8_t family, const uint8_t addr[16],
                         uint16_t port, enum pp_flow_svc);
void pp_flows_add_name(struct pp_flows *, const char *name, enum pp_flow_svc);

/* Feed one captured frame.  ts_us: its timestamp in microseconds. */
void pp_flows_frame(struct pp_flows *, int64_t ts_us, enum pp_link link,
                    const uint8_t *data, size_t caplen);
/* The same, captured on interface src->iface and sent or received by
 * process src->proc (ids from the calls below, 0: not known; src NULL:
 * neither).  A PKTAP frame names both in its header, which wins. */
struct pp_frame_src {
    uint16_t iface;
    uint16_t proc;
};
void pp_flows_frame_at(struct pp_flows *, int64_t ts_us, enum pp_link link,
                       const uint8_t *data, size_t caplen, const struct pp_frame_src *src);

/* Interfaces and processes, kept once each (at most PP_FLOWS_MAX_IFACES
 * and PP_FLOWS_MAX_PROCS; past that, and for an empty name, the id is 0). */
#define PP_FLOWS_MAX_IFACES 1024
#define PP_FLOWS_MAX_PROCS 4096
struct pp_flow_proc {
    char name[32];           /* "" when not known */
    uint32_t pid;
    char ename[32];          /* the effective process (the one it acts for), or "" */
    uint32_t epid;
};
uint16_t pp_flows_iface_id(struct pp_flows *, const char *name);
const char *pp_flows_iface_name(const struct pp_flows *, uint16_t id);  /* NULL for 0 */
uint16_t pp_flows_proc_id(struct pp_flows *, const char *name, uint32_t pid, const char *ename,
                          uint32_t epid);
const struct pp_flow_proc *pp_flows_proc(const struct pp_flows *, uint16_t id); /* NULL for 0 */
/* Feed one decoded packet (pp_flows_frame calls this). */
void pp_flows_packet(struct pp_flows *, int64_t ts_us, const struct pp_pkt *);

/* Decide pending flows older than the timeouts at time now_us (INT64_MAX at
 * the end of a saved capture: everything pending is decided). */
void pp_flows_settle(struct pp_flows *, int64_t now_us);

/* The flows now in the table, in report order (service, then first seen).
 * The array is owned by the table and valid until the next call that
 * changes it. */
const struct pp_flow *const *pp_flows_list(struct pp_flows *, size_t *n);
const struct pp_push_device *pp_flows_devices(const struct pp_flows *, size_t *n);
const struct pp_dns_obs *pp_flows_dns(const struct pp_flows *, size_t *n);
const struct pp_flows_stats *pp_flows_stats(const struct pp_flows *);

/* One sentence of evidence for an active check to family/addr/port from the
 * capture, e.g. "SYN sent 3 times, no answer", "ICMP type 3 code 13 from
 * 10.20.0.1", "RST with TTL 63 while the server's SYN-ACKs arrive with TTL
 * 52", "handshake completed, server TTL 52".  Uses the most recent flow to
 * that server and port.  Returns false (buf "") when the capture saw none. */
bool pp_flows_evidence(const struct pp_flows *, uint8_t family, const uint8_t addr[16],
                       uint16_t port, char *buf, size_t len);

/* The same sentence for one flow of the table (from pp_flows_list). */
void pp_flows_describe(const struct pp_flows *, const struct pp_flow *, char *buf, size_t len);

/* Guess of the hop count behind a received TTL: the distance to the next
 * common initial TTL (64, 128, 255) at or above it. */
int pp_ttl_hops(uint8_t ttl);

#endif
