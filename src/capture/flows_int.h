/* SPDX-License-Identifier: ISC */
/*
 * What the flow table's files share (flows.c, flows_index.c, flows_state.c,
 * flows_packet.c): the table, its flows and small maps, its limits, and the
 * steps one file calls in another.  Internal to src/capture/.
 */
#ifndef PP_FLOWS_INT_H
#define PP_FLOWS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flows.h"

#define FLOW_SLAB 1024          /* flows allocated at a time */
#define TTL_SLOTS 4096          /* per-server TTL memory (a power of two) */
#define MAX_SERVERS 4096        /* configured and learned servers */
#define MAX_LEARNED 3072        /* of which learned from DNS answers */
#define MAX_NAMES 1024          /* configured names */
#define CAP_FLOWS (1u << 24)    /* sanity limits on the options */
#define CAP_DEVICES (1u << 20)
#define CAP_DNS (1u << 20)

#define IP_TCP 6
#define IP_UDP 17

/* The hash chain link, the hash and the 5-tuple open the flow, so that a
 * lookup reads one cache line per flow it passes. */
/* A flow's place on one of its queues (oldest first). */
enum { QL_WAIT, QL_RETIRE };
struct flow;
struct qlink {
    struct flow *prev;
    struct flow *next;
    bool on;
};

struct flow {
    _Alignas(64) struct flow *hnext; /* hash chain */
    uint64_t hash;
    struct pp_flow f;           /* pp_flows_list hands out &flow->f */
    struct flow **hprev;
    struct flow *lru_prev;      /* toward the most recently seen */
    struct flow *lru_next;
    struct qlink ql[2];         /* on the waiting list and the retirement queue */
    uint64_t seq;               /* creation order: the list's tie-break */
    int64_t wait_us;            /* last SYN, or last client datagram */
    int64_t client_us;          /* last packet from the client */
    int64_t up_us;              /* when it became established */
    int64_t end_us;             /* when it ended (valid when ended) */
    uint32_t syn_seq;           /* sequence number of the last SYN */
    int32_t dev;                /* push device, or -1 */
    uint8_t ref_ttl;            /* the server TTL a reset was judged by */
    bool up;                    /* handshake completed or data both ways */
    bool ended;                 /* FIN, RST, fatal alert or ICMP error seen */
    bool answered;              /* the server side sent something */
    bool hello_tried;           /* first client payload looked at */
    bool data[2];               /* payload seen, by direction */
    bool fixed_svc;             /* service from a configured server */
    uint8_t rq;                 /* on which retirement queue */
    int64_t r_key;              /* its time on that queue */
};

/* An index of entry numbers: slots hold entry + 1, 0 is empty.  Sized
 * once for its cap at load 1/2 or less, so it never grows or deletes. */
struct ix {
    uint32_t *slot;
    size_t mask;
};

struct server {
    uint8_t family;
    uint16_t port;              /* 0: any */
    uint8_t addr[16];
    enum pp_flow_svc svc;
};

struct name {
    char name[PP_DNS_MAX_NAME]; /* lower case, no trailing dot */
    enum pp_flow_svc svc;
};

struct ttl_slot {
    uint8_t family;             /* 0: empty */
    uint8_t ttl;
    uint8_t addr[16];
};

struct waitq {
    struct flow *head;
    struct flow *tail;
};

/* A TCP flow that ended well and left the table: its tuple, for the
 * grace period in which its late packets (a retransmitted FIN, a last
 * ACK or RST) still belong to it.  Direct-mapped by the flow hash. */
struct ghost {
    uint64_t hash;              /* 0: empty */
    int64_t last_us;
    int64_t until_us;           /* end of its grace period */
    uint8_t family;
    uint16_t cport;
    uint16_t sport;
    uint8_t client[16];
    uint8_t server[16];
};

struct pp_flows {
    size_t max_flows;
    size_t max_devices;
    size_t max_dns;
    uint64_t syn_to_us;
    uint64_t udp_to_us;
    uint64_t seed;
    uint64_t seq;

    struct flow **bucket;
    size_t bmask;
    struct flow **slab;         /* FLOW_SLAB flows each, aligned */
    void **slab_mem;            /* as allocated */
    size_t nslab;
    size_t used;                /* flows allocated, all in the table */
    struct flow *lru_head;      /* most recently seen */
    struct flow *lru_tail;
    struct waitq wait[2];       /* 0: TCP, 1: UDP */
    struct waitq rq[2];         /* flows that ended well, oldest first: 0 other
                                 * traffic and DNS, 1 the services' */
    struct flow *free_list;     /* retired flows' memory, for reuse */
    int64_t next_retire;        /* when retire_due() runs next */
    const struct pp_flow **list;
    size_t list_cap;
    size_t list_n;
    uint64_t changes;           /* bumped by every packet and settle */
    uint64_t list_at;           /* changes when the list was sorted, + 1 */

    struct pp_push_device *dev;
    unsigned *dev_open;         /* established courier flows still open */
    bool *dev_proc_up;          /* the device's process is from an established flow */
    size_t ndev;
    size_t dev_cap;
    struct ix devix;

    struct pp_dns_obs *dns;
    size_t ndns;
    size_t dns_cap;
    struct ix dnsix;

    struct server *srv;
    size_t nsrv;
    size_t srv_cap;
    size_t nlearned;
    struct ix srvix;

    struct name *names;
    size_t nnames;
    size_t names_cap;
    struct ix nameix;

    struct ttl_slot *ttl;
    struct ghost *ghost;
    size_t gmask;

    char (*ifname)[64];         /* interfaces: entry i is id i + 1 */
    size_t nif;
    size_t if_cap;
    struct ix ifix;
    struct pp_flow_proc *procs; /* processes: entry i is id i + 1 */
    size_t nproc;
    size_t proc_cap;
    struct ix procix;

    bool seen_any;
    struct pp_flows_stats stats;
};

/* Retirement: a flow that ended well (closed, or UDP answered) leaves the
 * table some time after its last packet, counted in the totals: other
 * traffic and DNS after RETIRE_OTHER_US, the services' flows after
 * RETIRE_SVC_US, failures never (only eviction takes them).  So memory
 * follows the live flows and the ones worth reporting, not every
 * connection the network ever made; and when the table is full, flows
 * that ended well go before the others. */
#define RETIRE_OTHER_US 2000000
#define RETIRE_SVC_US 30000000

/* flows_index.c */
uint64_t mix(uint64_t h, uint64_t v);
uint64_t fmix(uint64_t h);
uint64_t addr_hash(uint64_t seed, uint8_t family, const uint8_t addr[16], uint16_t port);
uint64_t str_hash(uint64_t seed, const char *s);
uint64_t flow_hash(uint64_t seed, uint8_t family, uint8_t proto, const uint8_t *a, uint16_t pa,
                   const uint8_t *b, uint16_t pb);
size_t pow2_at_least(size_t n);
void ix_init(struct ix *x, size_t cap);
bool in_apple(uint8_t family, const uint8_t addr[16]);
double span_s(int64_t a, int64_t b);
void copy_cut(char *dst, size_t len, const char *src);
bool lower_name(const char *s, char out[PP_DNS_MAX_NAME]);
bool ends_with(const char *name, const char *suffix);
bool apple_name(const char *name);
int srv_find(const struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port);
void srv_add(struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port,
             enum pp_flow_svc svc, bool learned);
uint32_t *name_slot(const struct pp_flows *t, const char *lc);
int name_find(const struct pp_flows *t, const char *lc);
void ttl_remember(struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint8_t ttl);
uint8_t ttl_recall(const struct pp_flows *t, uint8_t family, const uint8_t addr[16]);

/* flows_state.c */
void dev_touch(struct pp_flows *t, const struct flow *fl);
void account(struct pp_flows *t, const struct flow *fl, int sign);
void wait_remove(struct pp_flows *t, struct flow *fl);
void wait_touch(struct pp_flows *t, struct flow *fl, int64_t key);
int rq_of(const struct flow *fl);
void rq_remove(struct pp_flows *t, struct flow *fl);
void rq_push(struct pp_flows *t, struct flow *fl, int64_t key);
void set_outcome(struct pp_flows *t, struct flow *fl, enum pp_flow_outcome o);
void set_svc(struct pp_flows *t, struct flow *fl, enum pp_flow_svc svc);
void end_flow(struct flow *fl, int64_t ts);
void finalize(struct pp_flows *t, struct flow *fl);
int svc_of_sni(const struct pp_flows *t, const char *sni);
bool sender_is_client(const struct pp_flows *t, const struct pp_pkt *p);
void lru_touch(struct pp_flows *t, struct flow *fl);
void hash_unlink(struct flow *fl);
void unlink_all(struct pp_flows *t, struct flow *fl);
struct flow *flow_find(const struct pp_flows *t, uint64_t h, uint8_t family, uint8_t proto,
                       const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
                       enum pp_flow_dir *dir);
struct flow *flow_take(struct pp_flows *t);
void flow_start(struct pp_flows *t, struct flow *fl, uint64_t h, int64_t ts,
                const struct pp_pkt *p, bool client_sends);
bool tcp_restarts(const struct flow *fl, const struct pp_pkt *p, enum pp_flow_dir dir);

/* flows_packet.c */
uint8_t ref_ttl(const struct pp_flows *t, const struct flow *fl);
bool ended_well(const struct flow *fl);
void retire(struct pp_flows *t, struct flow *fl);

#endif
