/* SPDX-License-Identifier: ISC */
/*
 * One packet into the flow table: TCP, UDP and DNS answers, ICMP errors,
 * the link-layer frames, retiring flows and settling those that wait.
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

/* ------------------------------------------------------------ TCP */

/* The TTL a reset is judged by: this flow's server, or else what other
 * flows' SYN-ACKs from that address said. */
uint8_t
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
bool
ended_well(const struct flow *fl)
{
    if (fl->f.proto == IP_UDP)
        return fl->answered && fl->f.outcome != PP_FO_UDP_UNANSWERED;
    return fl->ended && fl->f.outcome == PP_FO_CLOSED;
}

void
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
