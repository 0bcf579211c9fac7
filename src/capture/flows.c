/* SPDX-License-Identifier: ISC */
/*
 * The capture's flow table (issue 6); see flows.h.  This file: the names,
 * the table's life, interfaces and processes, and what it answers (lists,
 * evidence, descriptions).  flows_index.c has its hashes and small maps,
 * flows_state.c a flow's state and the table's lists, flows_packet.c one
 * packet in; flows_int.h is what they share.
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
#include "capture/flows_int.h"

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
