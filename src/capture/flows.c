/*
 * The capture's flow table (issue 6); see flows.h.
 *
 * Flows live in slabs of FLOW_SLAB, allocated as the table fills and never
 * more than max_flows in all.  A full table evicts the least recently seen
 * flow (the tail of a doubly linked LRU list) and reuses its memory, so no
 * packet allocates a flow.  Lookup is a chained hash over the 5-tuple with
 * its two endpoints put in a canonical order, so both directions of a flow
 * hash alike; the bucket array is a power of two sized from max_flows and
 * the mix is seeded per table.
 *
 * Totals stay exact without a scan: every change to a flow's service,
 * outcome, SYN count or handshake state is bracketed by account(-1) and
 * account(+1), which move it between the cells of stats.outcomes and adjust
 * its push device.  A flow therefore counts once, by its current outcome
 * while it is in the table and by its settled outcome after eviction.
 *
 * Flows still waiting for a timeout (a SYN without answer, UDP from the
 * client only) sit on one FIFO per protocol, refreshed on each SYN or client
 * datagram, so pp_flows_settle() looks only at the flows it decides.
 *
 * The small maps (configured servers and names, push devices, DNS names)
 * are open-addressing indexes of entry numbers over growing arrays, each
 * with a fixed cap; the per-server TTL memory is a direct-mapped cache.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flows.h"
#include "capture/pktap.h"
#include "core/applenet.h"
#include "core/util.h"

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

/* ------------------------------------------------------------ names */

static const char *const svc_names[PP_FS__COUNT] = {
    "courier", "provider", "apple", "mdm", "sus", "dp", "smb", "afp", "dns", "other"
};

static const char *const outcome_names[PP_FO__COUNT] = {
    "pending", "established", "closed", "unanswered", "refused", "reset",
    "reset-by-middlebox", "icmp", "tls-alert", "udp", "udp-unanswered"
};

const char *
pp_flow_svc_name(enum pp_flow_svc s)
{
    return (unsigned)s < PP_FS__COUNT ? svc_names[s] : "?";
}

const char *
pp_flow_outcome_name(enum pp_flow_outcome o)
{
    return (unsigned)o < PP_FO__COUNT ? outcome_names[o] : "?";
}

bool
pp_flow_outcome_bad(enum pp_flow_outcome o)
{
    switch (o) {
    case PP_FO_UNANSWERED:
    case PP_FO_REFUSED:
    case PP_FO_RESET:
    case PP_FO_RESET_MIDDLEBOX:
    case PP_FO_ICMP:
    case PP_FO_TLS_ALERT:
    case PP_FO_UDP_UNANSWERED:
        return true;
    default:
        return false;
    }
}

int
pp_ttl_hops(uint8_t ttl)
{
    if (ttl <= 64)
        return 64 - ttl;
    if (ttl <= 128)
        return 128 - ttl;
    return 255 - ttl;
}

/* ------------------------------------------------------------ hashing */

static uint64_t
load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static uint64_t
fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

static uint64_t
addr_hash(uint64_t seed, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    uint64_t h = mix(seed, load64(addr));

    h = mix(h, load64(addr + 8));
    return fmix(mix(h, (uint64_t)family << 16 | port));
}

/* FNV-1a over a string. */
static uint64_t
str_hash(uint64_t seed, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;

    while (*s != '\0') {
        h ^= (uint8_t)*s++;
        h *= 0x100000001b3ULL;
    }
    return fmix(h);
}

/* The same for both directions: the endpoints in a canonical order. */
static uint64_t
flow_hash(uint64_t seed, uint8_t family, uint8_t proto, const uint8_t *a, uint16_t pa,
          const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, 16);
    uint64_t h;

    if (c > 0 || (c == 0 && pa > pb)) {
        const uint8_t *x = a;
        uint16_t px = pa;
        a = b;
        pa = pb;
        b = x;
        pb = px;
    }
    h = mix(seed, load64(a));
    h = mix(h, load64(a + 8));
    h = mix(h, load64(b));
    h = mix(h, load64(b + 8));
    h = mix(h, (uint64_t)pa << 32 | (uint64_t)pb << 16 | (uint64_t)family << 8 | proto);
    return fmix(h);
}

static size_t
pow2_at_least(size_t n)
{
    size_t p = 16;

    while (p < n)
        p <<= 1;
    return p;
}

static void
ix_init(struct ix *x, size_t cap)
{
    size_t n = pow2_at_least(cap * 2);

    x->slot = pp_xcalloc(n, sizeof(*x->slot));
    x->mask = n - 1;
}

/* ------------------------------------------------------------ addresses */

static bool
in_apple(uint8_t family, const uint8_t addr[16])
{
    if (family == 4) {
        struct sockaddr_in s4;
        memset(&s4, 0, sizeof(s4));
        s4.sin_family = AF_INET;
        memcpy(&s4.sin_addr, addr, 4);
        return pp_addr_in_apple((const struct sockaddr *)(const void *)&s4);
    }
    if (family == 6) {
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof(s6));
        s6.sin6_family = AF_INET6;
        memcpy(&s6.sin6_addr, addr, 16);
        return pp_addr_in_apple((const struct sockaddr *)(const void *)&s6);
    }
    return false;
}

/* Seconds from a to b, never negative, without signed overflow. */
static double
span_s(int64_t a, int64_t b)
{
    return b > a ? ((double)b - (double)a) / 1e6 : 0.0;
}

/* Lower-case copy; false when it does not fit. */
/* Copy a string, cut to fit. */
static void
copy_cut(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool
lower_name(const char *s, char out[PP_DNS_MAX_NAME])
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (i + 1 >= PP_DNS_MAX_NAME)
            return false;
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    while (i > 0 && out[i - 1] == '.')
        i--;
    out[i] = '\0';
    return true;
}

/* name is suffix, or ends with "." suffix. */
static bool
domain_in(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    if (n < s || strcmp(name + n - s, suffix) != 0)
        return false;
    return n == s || name[n - s - 1] == '.';
}

static bool
ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    return n >= s && strcmp(name + n - s, suffix) == 0;
}

static bool
apple_name(const char *name)
{
    return domain_in(name, "apple.com") || domain_in(name, "apple-dns.net") ||
           domain_in(name, "icloud.com") || domain_in(name, "mzstatic.com");
}

/* ------------------------------------------------------------ servers, names */

static uint32_t *
srv_slot(const struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    size_t i = addr_hash(t->seed, family, addr, port) & t->srvix.mask;

    for (;; i = (i + 1) & t->srvix.mask) {
        uint32_t *s = &t->srvix.slot[i];
        const struct server *e;
        if (*s == 0)
            return s;
        e = &t->srv[*s - 1];
        if (e->family == family && e->port == port && memcmp(e->addr, addr, 16) == 0)
            return s;
    }
}

/* The service of a configured or learned server at addr:port, or -1. */
static int
srv_find(const struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    const uint32_t *s;

    if (t->nsrv == 0)
        return -1;
    s = srv_slot(t, family, addr, port);
    if (*s == 0 && port != 0)
        s = srv_slot(t, family, addr, 0);
    return *s ? (int)t->srv[*s - 1].svc : -1;
}

static void
srv_add(struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port,
        enum pp_flow_svc svc, bool learned)
{
    uint8_t key[16];
    uint32_t *s;
    struct server *e;

    if ((family != 4 && family != 6) || (unsigned)svc >= PP_FS__COUNT)
        return;
    memset(key, 0, sizeof(key));
    memcpy(key, addr, family == 4 ? 4 : 16);
    s = srv_slot(t, family, key, port);
    if (*s != 0) {
        if (!learned)
            t->srv[*s - 1].svc = svc;
        return;
    }
    if (t->nsrv >= MAX_SERVERS || (learned && t->nlearned >= MAX_LEARNED))
        return;
    if (t->nsrv == t->srv_cap) {
        t->srv_cap = t->srv_cap ? t->srv_cap * 2 : 16;
        t->srv = pp_xrealloc(t->srv, t->srv_cap, sizeof(*t->srv));
    }
    e = &t->srv[t->nsrv];
    memset(e, 0, sizeof(*e));
    e->family = family;
    e->port = port;
    memcpy(e->addr, key, 16);
    e->svc = svc;
    *s = (uint32_t)++t->nsrv;
    if (learned)
        t->nlearned++;
}

/* lc: a lower-case name. */
static uint32_t *
name_slot(const struct pp_flows *t, const char *lc)
{
    size_t i = str_hash(t->seed, lc) & t->nameix.mask;

    for (;; i = (i + 1) & t->nameix.mask) {
        uint32_t *s = &t->nameix.slot[i];
        if (*s == 0 || strcmp(t->names[*s - 1].name, lc) == 0)
            return s;
    }
}

static int
name_find(const struct pp_flows *t, const char *lc)
{
    const uint32_t *s;

    if (t->nnames == 0)
        return -1;
    s = name_slot(t, lc);
    return *s ? (int)t->names[*s - 1].svc : -1;
}

/* ------------------------------------------------------------ lifecycle */

struct pp_flows *
pp_flows_new(const struct pp_flows_opts *o)
{
    struct pp_flows *t = pp_xcalloc(1, sizeof(*t));
    struct pp_flows_opts d;
    double syn_s, udp_s;

    memset(&d, 0, sizeof(d));
    if (o != NULL)
        d = *o;
    t->max_flows = d.max_flows ? d.max_flows : 65536;
    if (t->max_flows > CAP_FLOWS)
        t->max_flows = CAP_FLOWS;
    t->max_devices = d.max_devices ? d.max_devices : 4096;
    if (t->max_devices > CAP_DEVICES)
        t->max_devices = CAP_DEVICES;
    t->max_dns = d.max_dns ? d.max_dns : 1024;
    if (t->max_dns > CAP_DNS)
        t->max_dns = CAP_DNS;
    syn_s = d.syn_timeout_s > 0 && d.syn_timeout_s < 1e6 ? d.syn_timeout_s : 3.0;
    udp_s = d.udp_timeout_s > 0 && d.udp_timeout_s < 1e6 ? d.udp_timeout_s : 5.0;
    t->syn_to_us = (uint64_t)(syn_s * 1e6);
    t->udp_to_us = (uint64_t)(udp_s * 1e6);
    /* A per-table seed (the allocation's address varies from run to run)
     * so that crafted tuples cannot aim at one chain; nothing reported
     * depends on the hash order. */
    t->seed = fmix((uint64_t)(uintptr_t)t ^ 0x243f6a8885a308d3ULL);

    t->bmask = pow2_at_least(t->max_flows) - 1;
    t->bucket = pp_xcalloc(t->bmask + 1, sizeof(*t->bucket));
    t->nslab = (t->max_flows + FLOW_SLAB - 1) / FLOW_SLAB;
    t->slab = pp_xcalloc(t->nslab, sizeof(*t->slab));
    t->slab_mem = pp_xcalloc(t->nslab, sizeof(*t->slab_mem));
    ix_init(&t->devix, t->max_devices);
    ix_init(&t->dnsix, t->max_dns);
    ix_init(&t->srvix, MAX_SERVERS);
    ix_init(&t->nameix, MAX_NAMES);
    t->ttl = pp_xcalloc(TTL_SLOTS, sizeof(*t->ttl));
    /* Ghosts for a quarter of the table: the flows that retire within a
     * grace period are a fraction of those it holds. */
    t->gmask = pow2_at_least(t->max_flows / 4 < 1024 ? 1024 : t->max_flows / 4) - 1;
    if (t->gmask > 65535)
        t->gmask = 65535;
    t->ghost = pp_xcalloc(t->gmask + 1, sizeof(*t->ghost));
    ix_init(&t->ifix, PP_FLOWS_MAX_IFACES);
    ix_init(&t->procix, PP_FLOWS_MAX_PROCS);
    return t;
}

void
pp_flows_free(struct pp_flows *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->nslab; i++)
        free(t->slab_mem[i]);
    free(t->slab_mem);
    free(t->slab);
    free(t->bucket);
    free(t->list);
    free(t->dev);
    free(t->dev_open);
    free(t->dev_proc_up);
    free(t->devix.slot);
    free(t->dns);
    free(t->dnsix.slot);
    free(t->srv);
    free(t->srvix.slot);
    free(t->names);
    free(t->nameix.slot);
    free(t->ttl);
    free(t->ghost);
    free(t->ifname);
    free(t->ifix.slot);
    free(t->procs);
    free(t->procix.slot);
    free(t);
}

/* ------------------------------------------------------------ interfaces, processes */

/* An array of entries grows by doubling up to its cap; false when full. */
static bool
grow(void **v, size_t *cap, size_t n, size_t max, size_t size)
{
    size_t old = *cap;

    if (n < *cap)
        return true;
    if (n >= max)
        return false;
    *cap = *cap ? *cap * 2 : 8;
    if (*cap > max)
        *cap = max;
    *v = pp_xrealloc(*v, *cap, size);
    memset((char *)*v + old * size, 0, (*cap - old) * size);
    return true;
}

static void
copy_name(char *dst, size_t cap, const char *src)
{
    size_t i;

    for (i = 0; src != NULL && src[i] != '\0' && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

uint16_t
pp_flows_iface_id(struct pp_flows *t, const char *name)
{
    char key[64];
    size_t i;

    if (name == NULL || name[0] == '\0')
        return 0;
    copy_name(key, sizeof(key), name);
    for (i = str_hash(t->seed, key) & t->ifix.mask;; i = (i + 1) & t->ifix.mask) {
        uint32_t s = t->ifix.slot[i];
        if (s == 0)
            break;
        if (strcmp(t->ifname[s - 1], key) == 0)
            return (uint16_t)s;
    }
    if (!grow((void **)&t->ifname, &t->if_cap, t->nif, PP_FLOWS_MAX_IFACES,
              sizeof(*t->ifname)))
        return 0;
    memcpy(t->ifname[t->nif], key, sizeof(key));
    t->ifix.slot[i] = (uint32_t)++t->nif;
    return (uint16_t)t->nif;
}

const char *
pp_flows_iface_name(const struct pp_flows *t, uint16_t id)
{
    return id >= 1 && id <= t->nif ? t->ifname[id - 1] : NULL;
}

static uint64_t
proc_hash(uint64_t seed, const struct pp_flow_proc *p)
{
    return mix(str_hash(seed, p->name) ^ str_hash(~seed, p->ename),
               (uint64_t)p->pid << 32 | p->epid);
}

uint16_t
pp_flows_proc_id(struct pp_flows *t, const char *name, uint32_t pid, const char *ename,
                 uint32_t epid)
{
    struct pp_flow_proc k;
    size_t i;

    memset(&k, 0, sizeof(k));
    copy_name(k.name, sizeof(k.name), name);
    copy_name(k.ename, sizeof(k.ename), ename);
    if (k.name[0] == '\0' && k.ename[0] == '\0')
        return 0;
    /* The effective process only when it is another one. */
    if (strcmp(k.name, k.ename) == 0 && pid == epid) {
        memset(k.ename, 0, sizeof(k.ename));
        epid = 0;
    }
    k.pid = pid;
    k.epid = k.ename[0] != '\0' ? epid : 0;
    for (i = proc_hash(t->seed, &k) & t->procix.mask;; i = (i + 1) & t->procix.mask) {
        uint32_t s = t->procix.slot[i];
        if (s == 0)
            break;
        if (memcmp(&t->procs[s - 1], &k, sizeof(k)) == 0)
            return (uint16_t)s;
    }
    if (!grow((void **)&t->procs, &t->proc_cap, t->nproc, PP_FLOWS_MAX_PROCS,
              sizeof(*t->procs)))
        return 0;
    t->procs[t->nproc] = k;
    t->procix.slot[i] = (uint32_t)++t->nproc;
    return (uint16_t)t->nproc;
}

const struct pp_flow_proc *
pp_flows_proc(const struct pp_flows *t, uint16_t id)
{
    return id >= 1 && id <= t->nproc ? &t->procs[id - 1] : NULL;
}

void
pp_flows_add_server(struct pp_flows *t, uint8_t family, const uint8_t addr[16],
                    uint16_t port, enum pp_flow_svc svc)
{
    srv_add(t, family, addr, port, svc, false);
}

void
pp_flows_add_name(struct pp_flows *t, const char *name, enum pp_flow_svc svc)
{
    char lc[PP_DNS_MAX_NAME];
    uint32_t *s;

    if (name == NULL || (unsigned)svc >= PP_FS__COUNT || !lower_name(name, lc) || lc[0] == '\0')
        return;
    s = name_slot(t, lc);
    if (*s != 0) {
        t->names[*s - 1].svc = svc;
        return;
    }
    if (t->nnames >= MAX_NAMES)
        return;
    if (t->nnames == t->names_cap) {
        t->names_cap = t->names_cap ? t->names_cap * 2 : 8;
        t->names = pp_xrealloc(t->names, t->names_cap, sizeof(*t->names));
    }
    memcpy(t->names[t->nnames].name, lc, sizeof(lc));
    t->names[t->nnames].svc = svc;
    *s = (uint32_t)++t->nnames;
}

/* ------------------------------------------------------------ TTL memory */

static struct ttl_slot *
ttl_slot(const struct pp_flows *t, uint8_t family, const uint8_t addr[16])
{
    return &t->ttl[addr_hash(t->seed, family, addr, 0) & (TTL_SLOTS - 1)];
}

static void
ttl_remember(struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint8_t ttl)
{
    struct ttl_slot *s = ttl_slot(t, family, addr);

    s->family = family;
    s->ttl = ttl;
    memcpy(s->addr, addr, 16);
}

static uint8_t
ttl_recall(const struct pp_flows *t, uint8_t family, const uint8_t addr[16])
{
    const struct ttl_slot *s = ttl_slot(t, family, addr);

    if (s->family == family && memcmp(s->addr, addr, 16) == 0)
        return s->ttl;
    return 0;
}

/* ------------------------------------------------------------ devices */

static void
bump(unsigned *c, int sign)
{
    if (sign > 0)
        (*c)++;
    else
        (*c)--;
}

/* The device of a courier flow's client, created if there is room. */
static int32_t
dev_for(struct pp_flows *t, const struct pp_flow *f)
{
    size_t i = addr_hash(t->seed, f->family, f->client, 0) & t->devix.mask;
    struct pp_push_device *d;

    for (;; i = (i + 1) & t->devix.mask) {
        uint32_t s = t->devix.slot[i];
        if (s == 0)
            break;
        d = &t->dev[s - 1];
        if (d->family == f->family && memcmp(d->addr, f->client, 16) == 0)
            return (int32_t)(s - 1);
    }
    if (t->ndev >= t->max_devices)
        return -1;
    if (t->ndev == t->dev_cap) {
        size_t old = t->dev_cap;
        t->dev_cap = t->dev_cap ? t->dev_cap * 2 : 16;
        if (t->dev_cap > t->max_devices)
            t->dev_cap = t->max_devices;
        t->dev = pp_xrealloc(t->dev, t->dev_cap, sizeof(*t->dev));
        t->dev_open = pp_xrealloc(t->dev_open, t->dev_cap, sizeof(*t->dev_open));
        t->dev_proc_up = pp_xrealloc(t->dev_proc_up, t->dev_cap, sizeof(*t->dev_proc_up));
        memset(t->dev + old, 0, (t->dev_cap - old) * sizeof(*t->dev));
        memset(t->dev_open + old, 0, (t->dev_cap - old) * sizeof(*t->dev_open));
        memset(t->dev_proc_up + old, 0, (t->dev_cap - old) * sizeof(*t->dev_proc_up));
    }
    d = &t->dev[t->ndev];
    d->family = f->family;
    memcpy(d->addr, f->client, 16);
    d->first_us = f->first_us;
    d->last_us = f->last_us;
    t->devix.slot[i] = (uint32_t)(t->ndev + 1);
    return (int32_t)t->ndev++;
}

/* Add (sign 1) or take back (-1) what a courier flow contributes to its
 * device's counters. */
static void
dev_account(struct pp_flows *t, const struct flow *fl, int sign)
{
    struct pp_push_device *d;
    enum pp_flow_outcome o = fl->f.outcome;

    if (fl->f.svc != PP_FS_COURIER || fl->dev < 0)
        return;
    d = &t->dev[fl->dev];
    bump(&d->flows, sign);
    if (fl->up)
        bump(&d->established, sign);
    if (o == PP_FO_UNANSWERED || o == PP_FO_UDP_UNANSWERED) {
        bump(&d->unanswered, sign);
        if (sign > 0)
            d->syns_unanswered += fl->f.syns;
        else
            d->syns_unanswered -= fl->f.syns;
    } else if (pp_flow_outcome_bad(o)) {
        bump(&d->failed, sign);
    }
    if (o == PP_FO_ESTABLISHED) {
        bump(&t->dev_open[fl->dev], sign);
        d->holding = t->dev_open[fl->dev] > 0;
    }
}

/* What only grows: the device's time span, how long a connection held,
 * the ports it held on. */
static void
dev_touch(struct pp_flows *t, const struct flow *fl)
{
    struct pp_push_device *d;

    if (fl->dev < 0)
        return;
    d = &t->dev[fl->dev];
    if (fl->f.first_us < d->first_us)
        d->first_us = fl->f.first_us;
    if (fl->f.last_us > d->last_us)
        d->last_us = fl->f.last_us;
    if (fl->f.proc != 0 && (d->proc == 0 || !t->dev_proc_up[fl->dev]) && !fl->up)
        d->proc = fl->f.proc;
    if (fl->up) {
        double held = span_s(fl->up_us, fl->ended ? fl->end_us : fl->f.last_us);
        /* The process that held the connection longest, or the first
         * that held one at all. */
        if (fl->f.proc != 0 && (held > d->held_s || !t->dev_proc_up[fl->dev])) {
            d->proc = fl->f.proc;
            t->dev_proc_up[fl->dev] = true;
        }
        if (held > d->held_s)
            d->held_s = held;
        if (fl->f.sport == 5223)
            d->on_5223 = true;
        else if (fl->f.sport == 443)
            d->on_443 = true;
    }
}

/* ------------------------------------------------------------ accounting */

static void
account(struct pp_flows *t, const struct flow *fl, int sign)
{
    uint64_t *c = &t->stats.outcomes[fl->f.svc][fl->f.outcome];

    if (sign > 0)
        (*c)++;
    else
        (*c)--;
    dev_account(t, fl, sign);
}

static void
q_remove(struct waitq *q, struct flow *fl, int k)
{
    struct qlink *l = &fl->ql[k];

    if (!l->on)
        return;
    if (l->prev != NULL)
        l->prev->ql[k].next = l->next;
    else
        q->head = l->next;
    if (l->next != NULL)
        l->next->ql[k].prev = l->prev;
    else
        q->tail = l->prev;
    l->prev = l->next = NULL;
    l->on = false;
}

static void
q_push(struct waitq *q, struct flow *fl, int k)
{
    struct qlink *l = &fl->ql[k];

    l->next = NULL;
    l->prev = q->tail;
    if (q->tail != NULL)
        q->tail->ql[k].next = fl;
    else
        q->head = fl;
    q->tail = fl;
    l->on = true;
}

static void
wait_remove(struct pp_flows *t, struct flow *fl)
{
    q_remove(&t->wait[fl->f.proto == IP_UDP], fl, QL_WAIT);
}

/* (Re)start the flow's timeout from key: to the end of its list. */
static void
wait_touch(struct pp_flows *t, struct flow *fl, int64_t key)
{
    wait_remove(t, fl);
    fl->wait_us = key;
    q_push(&t->wait[fl->f.proto == IP_UDP], fl, QL_WAIT);
}

/* Retirement: a flow that ended well (closed, or UDP answered) leaves the
 * table some time after its last packet, counted in the totals: other
 * traffic and DNS after RETIRE_OTHER_US, the services' flows after
 * RETIRE_SVC_US, failures never (only eviction takes them).  So memory
 * follows the live flows and the ones worth reporting, not every
 * connection the network ever made; and when the table is full, flows
 * that ended well go before the others. */
#define RETIRE_OTHER_US 2000000
#define RETIRE_SVC_US 30000000

static int
rq_of(const struct flow *fl)
{
    return fl->f.svc == PP_FS_OTHER || fl->f.svc == PP_FS_DNS ? 0 : 1;
}

static void
rq_remove(struct pp_flows *t, struct flow *fl)
{
    q_remove(&t->rq[fl->rq], fl, QL_RETIRE);
}

static void
rq_push(struct pp_flows *t, struct flow *fl, int64_t key)
{
    fl->rq = (uint8_t)rq_of(fl);
    fl->r_key = key;
    q_push(&t->rq[fl->rq], fl, QL_RETIRE);
}

static void
set_outcome(struct pp_flows *t, struct flow *fl, enum pp_flow_outcome o)
{
    if (o != PP_FO_PENDING)
        wait_remove(t, fl);
    if (fl->f.outcome == o)
        return;
    account(t, fl, -1);
    fl->f.outcome = o;
    account(t, fl, 1);
}

static void
set_svc(struct pp_flows *t, struct flow *fl, enum pp_flow_svc svc)
{
    if (fl->f.svc == svc)
        return;
    account(t, fl, -1);
    fl->f.svc = svc;
    if (svc == PP_FS_COURIER && fl->dev < 0)
        fl->dev = dev_for(t, &fl->f);
    account(t, fl, 1);
}

static void
end_flow(struct flow *fl, int64_t ts)
{
    if (!fl->ended) {
        fl->ended = true;
        fl->end_us = ts;
    }
}

/* What a pending flow comes to once its time is up. */
static enum pp_flow_outcome
settled(const struct flow *fl)
{
    if (fl->f.outcome != PP_FO_PENDING)
        return fl->f.outcome;
    if (fl->f.proto == IP_UDP)
        return fl->answered ? PP_FO_UDP : PP_FO_UDP_UNANSWERED;
    if (fl->f.syns > 0 && !fl->up)
        return PP_FO_UNANSWERED;
    /* Seen mid-stream, from one side only: it was up before the capture. */
    return fl->ended ? PP_FO_CLOSED : PP_FO_ESTABLISHED;
}

static void
finalize(struct pp_flows *t, struct flow *fl)
{
    set_outcome(t, fl, settled(fl));
    wait_remove(t, fl);
}

/* ------------------------------------------------------------ classification */

/* The service a TLS server name says, or -1. */
static int
svc_of_sni(const struct pp_flows *t, const char *sni)
{
    char lc[PP_DNS_MAX_NAME];
    int s;

    if (!lower_name(sni, lc) || lc[0] == '\0')
        return -1;
    s = name_find(t, lc);
    if (s >= 0)
        return s;
    if (ends_with(lc, "courier.push.apple.com"))
        return PP_FS_COURIER;
    if (strcmp(lc, "api.push.apple.com") == 0 || strcmp(lc, "api.sandbox.push.apple.com") == 0 ||
        strcmp(lc, "api.development.push.apple.com") == 0)
        return PP_FS_PROVIDER;
    return -1;
}

static enum pp_flow_svc
classify(const struct pp_flows *t, const struct pp_flow *f, bool *fixed)
{
    bool apple, tcp = f->proto == IP_TCP;
    int s = srv_find(t, f->family, f->server, f->sport);

    *fixed = s >= 0;
    if (s >= 0)
        return (enum pp_flow_svc)s;
    apple = in_apple(f->family, f->server);
    if (apple && tcp && f->sport == 5223)
        return PP_FS_COURIER;
    if (apple && tcp && f->sport == 2197)
        return PP_FS_PROVIDER;
    if (f->sport == 53)
        return PP_FS_DNS;
    if (apple)
        return PP_FS_APPLE;
    if (tcp && f->sport == 445)
        return PP_FS_SMB;
    if (tcp && f->sport == 548)
        return PP_FS_AFP;
    return PP_FS_OTHER;
}

static bool
service_port(uint16_t port)
{
    return (port != 0 && port < 1024) || port == 5223 || port == 2197 || port == 8443 ||
           port == 8080;
}

/* Is the sender of this first packet the client? */
static bool
sender_is_client(const struct pp_flows *t, const struct pp_pkt *p)
{
    bool to_srv, from_srv, to_port, from_port;

    if (p->proto == IP_TCP && (p->tcp_flags & (PP_TCP_SYN | PP_TCP_RST)) == PP_TCP_SYN)
        return !(p->tcp_flags & PP_TCP_ACK);
    to_srv = srv_find(t, p->family, p->dst, p->dport) >= 0;
    from_srv = srv_find(t, p->family, p->src, p->sport) >= 0;
    if (to_srv != from_srv)
        return to_srv;
    to_srv = in_apple(p->family, p->dst);
    from_srv = in_apple(p->family, p->src);
    if (to_srv != from_srv)
        return to_srv;
    to_port = service_port(p->dport);
    from_port = service_port(p->sport);
    if (to_port != from_port)
        return to_port;
    if (p->sport != p->dport)
        return p->sport > p->dport;
    return true;
}

/* ------------------------------------------------------------ the table */

static void
lru_unlink(struct pp_flows *t, struct flow *fl)
{
    if (fl->lru_prev != NULL)
        fl->lru_prev->lru_next = fl->lru_next;
    else
        t->lru_head = fl->lru_next;
    if (fl->lru_next != NULL)
        fl->lru_next->lru_prev = fl->lru_prev;
    else
        t->lru_tail = fl->lru_prev;
    fl->lru_prev = fl->lru_next = NULL;
}

static void
lru_push(struct pp_flows *t, struct flow *fl)
{
    fl->lru_prev = NULL;
    fl->lru_next = t->lru_head;
    if (t->lru_head != NULL)
        t->lru_head->lru_prev = fl;
    else
        t->lru_tail = fl;
    t->lru_head = fl;
}

/* Seen now: to the head of the LRU list. */
static void
lru_touch(struct pp_flows *t, struct flow *fl)
{
    if (t->lru_head == fl)
        return;
    lru_unlink(t, fl);
    lru_push(t, fl);
}

/* Out of its hash chain, if in one. */
static void
hash_unlink(struct flow *fl)
{
    if (fl->hprev == NULL)
        return;
    *fl->hprev = fl->hnext;
    if (fl->hnext != NULL)
        fl->hnext->hprev = fl->hprev;
    fl->hnext = NULL;
    fl->hprev = NULL;
}

static void
unlink_all(struct pp_flows *t, struct flow *fl)
{
    wait_remove(t, fl);
    rq_remove(t, fl);
    lru_unlink(t, fl);
    hash_unlink(fl);
}

static struct flow *
flow_find(const struct pp_flows *t, uint64_t h, uint8_t family, uint8_t proto,
          const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
          enum pp_flow_dir *dir)
{
    struct flow *fl;

    for (fl = t->bucket[h & t->bmask]; fl != NULL; fl = fl->hnext) {
        const struct pp_flow *f = &fl->f;
        if (fl->hash != h || f->family != family || f->proto != proto)
            continue;
        if (f->cport == sport && f->sport == dport && memcmp(f->client, src, 16) == 0 &&
            memcmp(f->server, dst, 16) == 0) {
            *dir = PP_DIR_C2S;
            return fl;
        }
        if (f->cport == dport && f->sport == sport && memcmp(f->client, dst, 16) == 0 &&
            memcmp(f->server, src, 16) == 0) {
            *dir = PP_DIR_S2C;
            return fl;
        }
    }
    return NULL;
}

static bool ended_well(const struct flow *fl);
static void retire(struct pp_flows *t, struct flow *fl);

/* A flow's memory: a retired one, a fresh one while there is room, a
 * flow that ended well (retired early), else the least recently seen
 * flow, settled and counted as evicted. */
static struct flow *
flow_take(struct pp_flows *t)
{
    struct flow *fl;
    int q;

    if (t->free_list != NULL) {
        fl = t->free_list;
        t->free_list = fl->hnext;
        return fl;
    }
    if (t->used < t->max_flows) {
        size_t k = t->used / FLOW_SLAB;
        if (t->slab[k] == NULL) {
            /* Aligned by hand to the flow's cache line alignment. */
            size_t n = t->max_flows - k * FLOW_SLAB, al = _Alignof(struct flow);
            uintptr_t at;
            t->slab_mem[k] = pp_xcalloc(1, (n < FLOW_SLAB ? n : FLOW_SLAB) *
                                           sizeof(struct flow) + al);
            at = ((uintptr_t)t->slab_mem[k] + al - 1) & ~(uintptr_t)(al - 1);
            t->slab[k] = (struct flow *)at;
        }
        return &t->slab[k][t->used++ % FLOW_SLAB];
    }
    /* Full: a flow that ended well goes first (it is only retired early),
     * then the least recently seen. */
    for (q = 0; q < 2; q++)
        while ((fl = t->rq[q].head) != NULL) {
            rq_remove(t, fl);
            if (ended_well(fl)) {
                retire(t, fl);
                fl = t->free_list;
                t->free_list = fl->hnext;
                return fl;
            }
        }
    fl = t->lru_tail;
    finalize(t, fl);
    unlink_all(t, fl);
    t->stats.evicted++;
    return fl;
}

/* Set up fl for the packet p, whose sender is the client or not. */
static void
flow_start(struct pp_flows *t, struct flow *fl, uint64_t h, int64_t ts,
           const struct pp_pkt *p, bool client_sends)
{
    struct pp_flow *f = &fl->f;
    struct flow **b = &t->bucket[h & t->bmask];

    memset(fl, 0, sizeof(*fl));
    fl->hash = h;
    fl->seq = t->seq++;
    fl->dev = -1;
    f->family = p->family;
    f->proto = p->proto;
    memcpy(f->client, client_sends ? p->src : p->dst, 16);
    memcpy(f->server, client_sends ? p->dst : p->src, 16);
    f->cport = client_sends ? p->sport : p->dport;
    f->sport = client_sends ? p->dport : p->sport;
    f->first_us = f->last_us = ts;
    f->midstream = p->proto == IP_TCP && !(p->tcp_flags & PP_TCP_SYN);
    f->outcome = PP_FO_PENDING;
    f->svc = classify(t, f, &fl->fixed_svc);
    if (f->svc == PP_FS_COURIER)
        fl->dev = dev_for(t, f);
    account(t, fl, 1);
    t->stats.flows_total++;

    fl->hnext = *b;
    if (*b != NULL)
        (*b)->hprev = &fl->hnext;
    fl->hprev = b;
    *b = fl;
    lru_push(t, fl);
}

/* Does this TCP packet start a new connection on the flow's 5-tuple (port
 * reuse after an end, or the first SYN of a flow met mid-stream), or show
 * that a mid-stream guess of who is the client was wrong? */
static bool
tcp_restarts(const struct flow *fl, const struct pp_pkt *p, enum pp_flow_dir dir)
{
    uint8_t sa = p->tcp_flags & (PP_TCP_SYN | PP_TCP_ACK | PP_TCP_RST);
    enum pp_flow_outcome o = fl->f.outcome;
    bool fresh = fl->f.midstream && fl->f.syns == 0 && fl->f.synacks == 0;

    if (sa == PP_TCP_SYN) {
        if (fresh)
            return true;
        if (dir != PP_DIR_C2S || p->seq == fl->syn_seq)
            return false;
        return o == PP_FO_CLOSED || o == PP_FO_REFUSED || o == PP_FO_RESET ||
               o == PP_FO_RESET_MIDDLEBOX || o == PP_FO_TLS_ALERT || fl->ended;
    }
    return sa == (PP_TCP_SYN | PP_TCP_ACK) && dir == PP_DIR_C2S && fresh;
}

/* ------------------------------------------------------------ TCP */

/* The TTL a reset is judged by: this flow's server, or else what other
 * flows' SYN-ACKs from that address said. */
static uint8_t
ref_ttl(const struct pp_flows *t, const struct flow *fl)
{
    if (fl->f.server_ttl != 0)
        return fl->f.server_ttl;
    return ttl_recall(t, fl->f.family, fl->f.server);
}

static bool
closer_than(uint8_t rst_ttl, uint8_t ref)
{
    return ref != 0 && pp_ttl_hops(rst_ttl) < pp_ttl_hops(ref);
}

/* The server's TTL just became known: a reset taken for genuine may now
 * show it came from closer. */
static void
recheck_reset(struct pp_flows *t, struct flow *fl)
{
    enum pp_flow_outcome o = fl->f.outcome;

    if ((o == PP_FO_REFUSED || o == PP_FO_RESET) && fl->f.rst_dir == PP_DIR_S2C &&
        closer_than(fl->f.rst_ttl, fl->f.server_ttl)) {
        fl->ref_ttl = fl->f.server_ttl;
        set_outcome(t, fl, PP_FO_RESET_MIDDLEBOX);
    }
}

static void
mark_up(struct pp_flows *t, struct flow *fl, int64_t ts)
{
    enum pp_flow_outcome o = fl->f.outcome;

    if (fl->up)
        return;
    account(t, fl, -1);
    fl->up = true;
    fl->up_us = fl->f.midstream ? fl->f.first_us : ts;
    if (o == PP_FO_PENDING || o == PP_FO_UNANSWERED || o == PP_FO_ICMP)
        fl->f.outcome = PP_FO_ESTABLISHED;
    if (o == PP_FO_ICMP)
        fl->ended = false;      /* the error was for an earlier try */
    account(t, fl, 1);
    if (fl->f.outcome != PP_FO_PENDING)
        wait_remove(t, fl);
}

static void
tcp_rst(struct pp_flows *t, struct flow *fl, enum pp_flow_dir dir, int64_t ts,
        const struct pp_pkt *p)
{
    enum pp_flow_outcome o = fl->f.outcome;
    uint8_t ref;
    bool mb;

    if (dir == PP_DIR_C2S) {
        if (fl->f.rst_ttl == 0) {
            fl->f.rst_ttl = p->ttl;
            fl->f.rst_dir = PP_DIR_C2S;
        }
        if (o == PP_FO_ESTABLISHED)
            set_outcome(t, fl, PP_FO_CLOSED);
        end_flow(fl, ts);
        return;
    }
    if (o != PP_FO_PENDING && o != PP_FO_UNANSWERED && o != PP_FO_ESTABLISHED)
        return;
    fl->f.rst_ttl = p->ttl;
    fl->f.rst_dir = PP_DIR_S2C;
    fl->f.rst_after_ms = fl->f.pkts[PP_DIR_C2S] ? span_s(fl->client_us, ts) * 1e3 : 0.0;
    ref = ref_ttl(t, fl);
    mb = closer_than(p->ttl, ref);
    if (mb)
        fl->ref_ttl = ref;
    end_flow(fl, ts);
    if (mb)
        set_outcome(t, fl, PP_FO_RESET_MIDDLEBOX);
    else if (!fl->up && fl->f.syns > 0)
        set_outcome(t, fl, PP_FO_REFUSED);
    else
        set_outcome(t, fl, PP_FO_RESET);
}

static void
dns_message(struct pp_flows *t, const struct pp_pkt *p, const uint8_t *d, size_t n);

static void
tcp_payload(struct pp_flows *t, struct flow *fl, enum pp_flow_dir dir, int64_t ts,
            const struct pp_pkt *p)
{
    const uint8_t *d = p->payload;
    size_t n = p->payload_len;
    uint8_t level, desc;

    if (d == NULL || n == 0)
        return;
    if (fl->f.sport == 53 || fl->f.cport == 53) {
        size_t m;
        if (n < 2)
            return;
        m = (size_t)d[0] << 8 | d[1];
        dns_message(t, p, d + 2, m < n - 2 ? m : n - 2);
        return;
    }
    if (dir == PP_DIR_C2S && !fl->hello_tried) {
        struct pp_tls_hello hello;
        fl->hello_tried = true;
        memset(&hello, 0, sizeof(hello));
        if (pp_tls_parse_client_hello(d, n, &hello) != 0) {
            int s;
            hello.sni[sizeof(hello.sni) - 1] = '\0';
            hello.alpn[sizeof(hello.alpn) - 1] = '\0';
            /* Kept shorter than the wire allows; judged on the whole name. */
            copy_cut(fl->f.sni, sizeof(fl->f.sni), hello.sni);
            copy_cut(fl->f.alpn, sizeof(fl->f.alpn), hello.alpn);
            s = fl->fixed_svc ? -1 : svc_of_sni(t, hello.sni);
            if (s >= 0)
                set_svc(t, fl, (enum pp_flow_svc)s);
        }
    }
    /* Only a plaintext alert is two bytes long: an encrypted one (TLS 1.2
     * after ChangeCipherSpec, e.g. every close_notify) is longer and its
     * bytes say nothing. */
    if (n >= 7 && d[0] == 21 && d[3] == 0 && d[4] == 2 &&
        pp_tls_parse_alert(d, n, &level, &desc) == 1 && (level == 1 || level == 2)) {
        enum pp_flow_outcome o = fl->f.outcome;
        if (!fl->f.alert_seen || (level == 2 && fl->f.alert_level != 2)) {
            fl->f.alert_seen = true;
            fl->f.alert_dir = dir;
            fl->f.alert_level = level;
            fl->f.alert_desc = desc;
        }
        if (level == 2 &&
            (o == PP_FO_PENDING || o == PP_FO_UNANSWERED || o == PP_FO_ESTABLISHED)) {
            end_flow(fl, ts);
            set_outcome(t, fl, PP_FO_TLS_ALERT);
        }
    }
}

static void
tcp_packet(struct pp_flows *t, struct flow *fl, enum pp_flow_dir dir, int64_t ts,
           const struct pp_pkt *p)
{
    uint8_t flags = p->tcp_flags;
    uint8_t sa = flags & (PP_TCP_SYN | PP_TCP_ACK);

    if (flags & PP_TCP_RST) {
        tcp_rst(t, fl, dir, ts, p);
        return;
    }
    if (sa == PP_TCP_SYN && dir == PP_DIR_C2S) {
        account(t, fl, -1);
        fl->f.syns++;
        account(t, fl, 1);
        fl->syn_seq = p->seq;
        if (fl->f.outcome == PP_FO_PENDING)
            wait_touch(t, fl, ts);
    } else if (sa == (PP_TCP_SYN | PP_TCP_ACK) && dir == PP_DIR_S2C) {
        fl->f.synacks++;
        if (fl->f.established_us == 0)
            fl->f.established_us = ts;
        ttl_remember(t, fl->f.family, fl->f.server, p->ttl);
        mark_up(t, fl, ts);
    }
    if (dir == PP_DIR_S2C)
        recheck_reset(t, fl);
    if (p->payload_len > 0 || p->payload_wire_len > 0) {
        fl->data[dir] = true;
        tcp_payload(t, fl, dir, ts, p);
        if (fl->data[0] && fl->data[1])
            mark_up(t, fl, ts);
    } else if (fl->f.midstream && !(flags & PP_TCP_SYN) && fl->f.pkts[0] && fl->f.pkts[1]) {
        mark_up(t, fl, ts);
    }
    if (flags & PP_TCP_FIN) {
        if (fl->f.outcome == PP_FO_ESTABLISHED)
            set_outcome(t, fl, PP_FO_CLOSED);
        end_flow(fl, ts);
    }
}

/* ------------------------------------------------------------ UDP, DNS */

static struct pp_dns_obs *
dns_obs(struct pp_flows *t, const char *qname)
{
    size_t i = str_hash(t->seed, qname) & t->dnsix.mask;
    struct pp_dns_obs *o;

    for (;; i = (i + 1) & t->dnsix.mask) {
        uint32_t s = t->dnsix.slot[i];
        if (s == 0)
            break;
        if (strcmp(t->dns[s - 1].name, qname) == 0)
            return &t->dns[s - 1];
    }
    if (t->ndns >= t->max_dns) {
        t->stats.dns_evicted++;
        return NULL;
    }
    if (t->ndns == t->dns_cap) {
        t->dns_cap = t->dns_cap ? t->dns_cap * 2 : 16;
        if (t->dns_cap > t->max_dns)
            t->dns_cap = t->max_dns;
        t->dns = pp_xrealloc(t->dns, t->dns_cap, sizeof(*t->dns));
    }
    o = &t->dns[t->ndns];
    memset(o, 0, sizeof(*o));
    memcpy(o->name, qname, strlen(qname) + 1);
    t->dnsix.slot[i] = (uint32_t)++t->ndns;
    return o;
}

static void
dns_message(struct pp_flows *t, const struct pp_pkt *p, const uint8_t *d, size_t n)
{
    struct pp_dns_msg m;
    struct pp_dns_obs *o;
    char qname[PP_DNS_MAX_NAME];
    bool apple;
    int svc;
    size_t i, na;

    if (pp_dns_parse(d, n, &m) != 0)
        return;
    m.qname[sizeof(m.qname) - 1] = '\0';
    if (!lower_name(m.qname, qname) || qname[0] == '\0')
        return;
    apple = apple_name(qname);
    svc = name_find(t, qname);
    if (!apple && svc < 0)
        return;
    na = m.naddrs < PP_DNS_MAX_ADDRS ? m.naddrs : PP_DNS_MAX_ADDRS;
    if (m.response && svc >= 0)
        for (i = 0; i < na; i++)
            srv_add(t, m.addrs[i].family, m.addrs[i].addr, 0, (enum pp_flow_svc)svc, true);
    o = dns_obs(t, qname);
    if (o == NULL)
        return;
    if (!m.response) {
        o->queries++;
        return;
    }
    o->answers++;
    o->last_rcode = m.rcode;
    o->server_family = p->family;
    memcpy(o->server, p->src, 16);
    if (!apple)
        return;
    for (i = 0; i < na; i++) {
        if (in_apple(m.addrs[i].family, m.addrs[i].addr))
            continue;
        o->outside_apple++;
        o->bad_family = m.addrs[i].family;
        memcpy(o->bad_addr, m.addrs[i].addr, 16);
    }
}

static void
udp_packet(struct pp_flows *t, struct flow *fl, enum pp_flow_dir dir, int64_t ts,
           const struct pp_pkt *p)
{
    enum pp_flow_outcome o = fl->f.outcome;

    if (dir == PP_DIR_S2C) {
        fl->answered = true;
        if (o == PP_FO_PENDING || o == PP_FO_UDP_UNANSWERED || o == PP_FO_ICMP)
            set_outcome(t, fl, PP_FO_UDP);
    } else if (o == PP_FO_PENDING) {
        wait_touch(t, fl, ts);
    }
    if ((fl->f.sport == 53 || fl->f.cport == 53) && p->payload != NULL && p->payload_len > 0)
        dns_message(t, p, p->payload, p->payload_len);
}

/* ------------------------------------------------------------ ICMP */

static void
icmp_error(struct pp_flows *t, int64_t ts, const struct pp_pkt *p)
{
    const struct pp_pkt_quoted *q = &p->quoted;
    struct flow *fl = NULL;
    enum pp_flow_dir dir;
    enum pp_flow_outcome o;
    uint64_t h;

    t->stats.icmp_errors++;
    if (q->valid && (q->proto == IP_TCP || q->proto == IP_UDP) &&
        (q->family == 4 || q->family == 6)) {
        h = flow_hash(t->seed, q->family, q->proto, q->src, q->sport, q->dst, q->dport);
        fl = flow_find(t, h, q->family, q->proto, q->src, q->sport, q->dst, q->dport, &dir);
    }
    if (fl == NULL) {
        t->stats.icmp_unmatched++;
        return;
    }
    lru_touch(t, fl);
    /* Fragmentation needed and packet too big tune the path, not kill it. */
    if ((p->family == 4 && p->icmp_type == 3 && p->icmp_code == 4) ||
        (p->family == 6 && p->icmp_type == 2))
        return;
    o = fl->f.outcome;
    if (o == PP_FO_CLOSED || o == PP_FO_REFUSED || o == PP_FO_RESET ||
        o == PP_FO_RESET_MIDDLEBOX || o == PP_FO_TLS_ALERT || o == PP_FO_ICMP)
        return;
    fl->f.icmp_family = p->family;
    memcpy(fl->f.icmp_from, p->src, 16);
    fl->f.icmp_type = p->icmp_type;
    fl->f.icmp_code = p->icmp_code;
    end_flow(fl, ts);
    set_outcome(t, fl, PP_FO_ICMP);
}

/* ------------------------------------------------------------ packets */

static void
note_time(struct pp_flows *t, int64_t ts)
{
    if (!t->seen_any) {
        t->seen_any = true;
        t->stats.first_us = t->stats.last_us = ts;
        return;
    }
    if (ts < t->stats.first_us)
        t->stats.first_us = ts;
    if (ts > t->stats.last_us)
        t->stats.last_us = ts;
}

/* Ended well: closed after its handshake, or UDP with an answer. */
static bool
ended_well(const struct flow *fl)
{
    if (fl->f.proto == IP_UDP)
        return fl->answered && fl->f.outcome != PP_FO_UDP_UNANSWERED;
    return fl->ended && fl->f.outcome == PP_FO_CLOSED;
}

static void
retire(struct pp_flows *t, struct flow *fl)
{
    if (fl->f.proto == IP_TCP) {
        struct ghost *g = &t->ghost[fl->hash & t->gmask];
        int64_t grace = 2 * (rq_of(fl) == 0 ? RETIRE_OTHER_US : RETIRE_SVC_US);
        g->hash = fl->hash | 1;
        g->last_us = fl->f.last_us;
        g->until_us = fl->f.last_us > INT64_MAX - grace ? INT64_MAX : fl->f.last_us + grace;
        g->family = fl->f.family;
        g->cport = fl->f.cport;
        g->sport = fl->f.sport;
        memcpy(g->client, fl->f.client, 16);
        memcpy(g->server, fl->f.server, 16);
    }
    finalize(t, fl);
    unlink_all(t, fl);
    fl->hnext = t->free_list;
    t->free_list = fl;
    t->stats.retired++;
}

/* A late packet of a TCP flow that retired within its grace period (2 x
 * its retirement time): anything but a new connection's SYN. */
static bool
ghost_takes(const struct pp_flows *t, uint64_t h, int64_t ts, const struct pp_pkt *p)
{
    const struct ghost *g = &t->ghost[h & t->gmask];

    if (g->hash != (h | 1) || g->family != p->family || ts > g->until_us ||
        (p->tcp_flags & (PP_TCP_SYN | PP_TCP_ACK)) == PP_TCP_SYN)
        return false;
    if (p->sport == g->cport && p->dport == g->sport && memcmp(p->src, g->client, 16) == 0 &&
        memcmp(p->dst, g->server, 16) == 0)
        return true;
    return p->dport == g->cport && p->sport == g->sport && memcmp(p->dst, g->client, 16) == 0 &&
           memcmp(p->src, g->server, 16) == 0;
}

/* Retire the queued flows whose last packet is old enough. */
static void
retire_due(struct pp_flows *t, int64_t now)
{
    int k;

    for (k = 0; k < 2; k++) {
        int64_t grace = k == 0 ? RETIRE_OTHER_US : RETIRE_SVC_US;
        int64_t cut = now < INT64_MIN + grace ? INT64_MIN : now - grace;
        struct flow *fl;

        while ((fl = t->rq[k].head) != NULL && fl->r_key <= cut) {
            rq_remove(t, fl);
            if (fl->f.last_us > cut) {
                rq_push(t, fl, fl->f.last_us);   /* still talking: later */
                continue;
            }
            if (ended_well(fl) && rq_of(fl) == k)
                retire(t, fl);
        }
    }
}

void
pp_flows_packet(struct pp_flows *t, int64_t ts, const struct pp_pkt *p)
{
    struct flow *fl;
    enum pp_flow_dir dir = PP_DIR_C2S;
    uint64_t h;

    t->changes++;
    note_time(t, ts);
    if (ts >= t->next_retire) {
        retire_due(t, ts);
        t->next_retire = ts > INT64_MAX - 1000000 ? INT64_MAX : ts + 1000000;
    }
    if (p->family != 4 && p->family != 6)
        return;
    if (p->proto == 1 || p->proto == 58) {
        if (pp_pkt_icmp_is_error(p))
            icmp_error(t, ts, p);
        return;
    }
    if ((p->proto != IP_TCP && p->proto != IP_UDP) || p->fragment)
        return;
    h = flow_hash(t->seed, p->family, p->proto, p->src, p->sport, p->dst, p->dport);
    fl = flow_find(t, h, p->family, p->proto, p->src, p->sport, p->dst, p->dport, &dir);
    if (fl == NULL && p->proto == IP_TCP && ghost_takes(t, h, ts, p)) {
        t->stats.late++;
        return;
    }
    if (fl == NULL || (p->proto == IP_TCP && tcp_restarts(fl, p, dir))) {
        bool client_sends = sender_is_client(t, p);
        /* An old connection on this tuple is over: settled and out of
         * the hash, it stays listed until evicted; the new one takes
         * every later packet. */
        if (fl != NULL) {
            finalize(t, fl);
            hash_unlink(fl);
        }
        fl = flow_take(t);
        flow_start(t, fl, h, ts, p, client_sends);
        dir = client_sends ? PP_DIR_C2S : PP_DIR_S2C;
    } else {
        lru_touch(t, fl);
    }

    fl->f.pkts[dir]++;
    fl->f.bytes[dir] += p->ip_len;
    if ((p->iface | p->proc) != 0) {
        if (fl->f.iface == 0)
            fl->f.iface = p->iface;
        if (fl->f.proc == 0)
            fl->f.proc = p->proc;
    }
    if (ts > fl->f.last_us)
        fl->f.last_us = ts;
    if (dir == PP_DIR_C2S) {
        fl->f.client_ttl = p->ttl;
        fl->client_us = ts;
    } else if (!(p->proto == IP_TCP && (p->tcp_flags & PP_TCP_RST))) {
        fl->f.server_ttl = p->ttl;
    }
    if (p->proto == IP_TCP)
        tcp_packet(t, fl, dir, ts, p);
    else
        udp_packet(t, fl, dir, ts, p);
    if (fl->f.svc == PP_FS_COURIER)
        dev_touch(t, fl);
    if (!fl->ql[QL_RETIRE].on && ended_well(fl))
        rq_push(t, fl, fl->f.last_us);
}

/* A PKTAP header names the real interface and the process.  Out of line:
 * its name buffers would cost every other frame a stack guard. */
static __attribute__((noinline)) void
pktap_meta(struct pp_flows *t, const uint8_t *data, size_t caplen, uint16_t *iface,
           uint16_t *proc)
{
    struct pp_pktap h;

    if (pp_pktap_parse(data, caplen, &h) == 0) {
        uint16_t i = pp_flows_iface_id(t, h.ifname);
        uint16_t k = pp_flows_proc_id(t, h.comm, h.pid, h.ecomm, h.epid);
        *iface = i != 0 ? i : *iface;
        *proc = k != 0 ? k : *proc;
    }
}

void
pp_flows_frame_at(struct pp_flows *t, int64_t ts, enum pp_link link, const uint8_t *data,
                  size_t caplen, const struct pp_frame_src *src)
{
    uint16_t iface = src != NULL ? src->iface : 0, proc = src != NULL ? src->proc : 0;
    struct pp_pkt p;
    enum pp_pkt_status st;

    t->stats.frames++;
    st = pp_pkt_decode(link, data, caplen, &p);
    if ((unsigned)st < PP_PKT__COUNT)
        t->stats.by_status[st]++;
    if (__builtin_expect(p.tunnels > 0, 0)) {
        t->stats.tunneled++;
        t->stats.by_tunnel[p.tunnel < PP_TUN__COUNT ? p.tunnel : 0]++;
    }
    if (st != PP_PKT_OK) {
        note_time(t, ts);
        return;
    }
    if (p.truncated)
        t->stats.truncated++;
    if (__builtin_expect(p.len_from_frame, 0))
        t->stats.len_from_frame++;
    if (__builtin_expect(link == PP_LINK_PKTAP, 0))
        pktap_meta(t, data, caplen, &iface, &proc);
    p.iface = iface;
    p.proc = proc;
    pp_flows_packet(t, ts, &p);
}

void
pp_flows_frame(struct pp_flows *t, int64_t ts, enum pp_link link, const uint8_t *data,
               size_t caplen)
{
    pp_flows_frame_at(t, ts, link, data, caplen, NULL);
}

void
pp_flows_settle(struct pp_flows *t, int64_t now)
{
    struct flow *fl;
    int k;

    t->changes++;
    if (now == INT64_MAX) {
        for (fl = t->lru_head; fl != NULL; fl = fl->lru_next)
            finalize(t, fl);
        return;
    }
    retire_due(t, now);
    for (k = 0; k < 2; k++) {
        uint64_t to = k == 0 ? t->syn_to_us : t->udp_to_us;
        while ((fl = t->wait[k].head) != NULL) {
            /* Kept in order of their keys (unless time went backwards,
             * which only delays a decision). */
            if (fl->wait_us > now || (uint64_t)now - (uint64_t)fl->wait_us < to)
                break;
            finalize(t, fl);
        }
    }
}

/* ------------------------------------------------------------ results */

/* The private flow around a public one. */
static const struct flow *
flow_of(const struct pp_flow *f)
{
    return (const struct flow *)(const void *)((const char *)f - offsetof(struct flow, f));
}

static int
by_report_order(const void *a, const void *b)
{
    const struct pp_flow *fa = *(const struct pp_flow *const *)a;
    const struct pp_flow *fb = *(const struct pp_flow *const *)b;
    const struct flow *x = flow_of(fa);
    const struct flow *y = flow_of(fb);

    if (x->f.svc != y->f.svc)
        return x->f.svc < y->f.svc ? -1 : 1;
    if (x->f.first_us != y->f.first_us)
        return x->f.first_us < y->f.first_us ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const struct pp_flow *const *
pp_flows_list(struct pp_flows *t, size_t *n)
{
    const struct flow *fl;
    size_t i = 0;

    /* Sorted once for all the readers of one report. */
    if (t->list != NULL && t->list_at == t->changes + 1) {
        *n = t->list_n;
        return t->list;
    }
    if (t->list_cap < t->used || t->list == NULL) {
        t->list_cap = t->used ? t->used : 1;
        t->list = pp_xrealloc(t->list, t->list_cap, sizeof(*t->list));
    }
    for (fl = t->lru_head; fl != NULL && i < t->list_cap; fl = fl->lru_next)
        t->list[i++] = &fl->f;
    qsort(t->list, i, sizeof(*t->list), by_report_order);
    *n = t->list_n = i;
    t->list_at = t->changes + 1;
    return t->list;
}

const struct pp_push_device *
pp_flows_devices(const struct pp_flows *t, size_t *n)
{
    *n = t->ndev;
    return t->dev;
}

const struct pp_dns_obs *
pp_flows_dns(const struct pp_flows *t, size_t *n)
{
    *n = t->ndns;
    return t->dns;
}

const struct pp_flows_stats *
pp_flows_stats(const struct pp_flows *t)
{
    return &t->stats;
}

static void
put(char *buf, size_t len, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
    va_list ap;
    int w;

    if (*at >= len)
        return;
    va_start(ap, fmt);
    w = vsnprintf(buf + *at, len - *at, fmt, ap);
    va_end(ap);
    if (w > 0)
        *at = (size_t)w >= len - *at ? len : *at + (size_t)w;
}

static void
put_secs(char *buf, size_t len, size_t *at, double s)
{
    if (s < 10)
        put(buf, len, at, "%.1f s", s);
    else
        put(buf, len, at, "%.0f s", s);
}

bool
pp_flows_evidence(const struct pp_flows *t, uint8_t family, const uint8_t addr[16],
                  uint16_t port, char *buf, size_t len)
{
    const struct flow *fl, *best = NULL;

    if (buf == NULL || len == 0)
        return false;
    buf[0] = '\0';
    for (fl = t->lru_head; fl != NULL; fl = fl->lru_next) {
        if (fl->f.family != family || (port != 0 && fl->f.sport != port) ||
            memcmp(fl->f.server, addr, family == 4 ? 4 : 16) != 0)
            continue;
        if (best == NULL || fl->f.last_us > best->f.last_us ||
            (fl->f.last_us == best->f.last_us && fl->seq > best->seq))
            best = fl;
    }
    if (best == NULL)
        return false;
    pp_flows_describe(t, &best->f, buf, len);
    return true;
}

void
pp_flows_describe(const struct pp_flows *t, const struct pp_flow *f, char *buf, size_t len)
{
    const struct flow *best = (const struct flow *)(const void *)
        ((const char *)f - offsetof(struct flow, f));
    char a[64];
    const char *name;
    size_t at = 0;

    (void)t;
    if (buf == NULL || len == 0)
        return;
    buf[0] = '\0';
    switch (f->outcome) {
    case PP_FO_PENDING:
        if (f->proto == IP_UDP)
            put(buf, len, &at, "%" PRIu64 " datagrams sent, no answer yet", f->pkts[0]);
        else
            put(buf, len, &at, "SYN sent %u time%s, no answer yet", f->syns,
                f->syns == 1 ? "" : "s");
        break;
    case PP_FO_UNANSWERED:
        put(buf, len, &at, "SYN sent %u time%s, no answer", f->syns, f->syns == 1 ? "" : "s");
        break;
    case PP_FO_ICMP:
        pp_pkt_addr_str(f->icmp_family, f->icmp_from, a, sizeof(a));
        put(buf, len, &at, "%s type %u code %u from %s", f->icmp_family == 6 ? "ICMPv6" : "ICMP",
            f->icmp_type, f->icmp_code, a);
        break;
    case PP_FO_REFUSED:
        put(buf, len, &at, "RST in answer to the SYN (TTL %u)", f->rst_ttl);
        break;
    case PP_FO_RESET_MIDDLEBOX:
        put(buf, len, &at, "RST with TTL %u while the server's SYN-ACKs arrive with TTL %u",
            f->rst_ttl, best->ref_ttl);
        break;
    case PP_FO_RESET:
        put(buf, len, &at, "reset by the server after ");
        put_secs(buf, len, &at, span_s(best->up ? best->up_us : f->first_us, best->end_us));
        break;
    case PP_FO_TLS_ALERT:
        name = pp_tls_alert_name(f->alert_desc);
        if (name != NULL)
            put(buf, len, &at, "TLS alert %s", name);
        else
            put(buf, len, &at, "TLS alert %u", f->alert_desc);
        put(buf, len, &at, " from the %s", f->alert_dir == PP_DIR_S2C ? "server" : "client");
        break;
    case PP_FO_ESTABLISHED:
    case PP_FO_CLOSED:
        put(buf, len, &at, "handshake completed");
        if (f->server_ttl != 0)
            put(buf, len, &at, ", server TTL %u", f->server_ttl);
        break;
    case PP_FO_UDP:
        put(buf, len, &at, "answered");
        if (f->server_ttl != 0)
            put(buf, len, &at, ", server TTL %u", f->server_ttl);
        break;
    case PP_FO_UDP_UNANSWERED:
        put(buf, len, &at, "%" PRIu64 " datagram%s sent, no answer", f->pkts[0],
            f->pkts[0] == 1 ? "" : "s");
        break;
    default:
        break;
    }
}
