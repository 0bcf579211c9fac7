/* SPDX-License-Identifier: ISC */
/*
 * A flow's state in the table: its push device, the exact totals (account),
 * the wait and retire queues, its outcome and service, and the table
 * itself (the LRU list, the hash chains, taking and starting a flow).
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
void
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

void
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

void
wait_remove(struct pp_flows *t, struct flow *fl)
{
    q_remove(&t->wait[fl->f.proto == IP_UDP], fl, QL_WAIT);
}

/* (Re)start the flow's timeout from key: to the end of its list. */
void
wait_touch(struct pp_flows *t, struct flow *fl, int64_t key)
{
    wait_remove(t, fl);
    fl->wait_us = key;
    q_push(&t->wait[fl->f.proto == IP_UDP], fl, QL_WAIT);
}

int
rq_of(const struct flow *fl)
{
    return fl->f.svc == PP_FS_OTHER || fl->f.svc == PP_FS_DNS ? 0 : 1;
}

void
rq_remove(struct pp_flows *t, struct flow *fl)
{
    q_remove(&t->rq[fl->rq], fl, QL_RETIRE);
}

void
rq_push(struct pp_flows *t, struct flow *fl, int64_t key)
{
    fl->rq = (uint8_t)rq_of(fl);
    fl->r_key = key;
    q_push(&t->rq[fl->rq], fl, QL_RETIRE);
}

void
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

void
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

void
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

void
finalize(struct pp_flows *t, struct flow *fl)
{
    set_outcome(t, fl, settled(fl));
    wait_remove(t, fl);
}

/* ------------------------------------------------------------ classification */

/* The service a TLS server name says, or -1. */
int
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
bool
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
void
lru_touch(struct pp_flows *t, struct flow *fl)
{
    if (t->lru_head == fl)
        return;
    lru_unlink(t, fl);
    lru_push(t, fl);
}

/* Out of its hash chain, if in one. */
void
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

void
unlink_all(struct pp_flows *t, struct flow *fl)
{
    wait_remove(t, fl);
    rq_remove(t, fl);
    lru_unlink(t, fl);
    hash_unlink(fl);
}

struct flow *
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

/* A flow's memory: a retired one, a fresh one while there is room, a
 * flow that ended well (retired early), else the least recently seen
 * flow, settled and counted as evicted. */
struct flow *
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
void
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
bool
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
