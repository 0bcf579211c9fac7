/* SPDX-License-Identifier: ISC */
/*
 * The capture: libpcap live or from a file, into the flow table.  Live,
 * the capture descriptor sits in the one poll() loop like any socket
 * (non-blocking, immediate mode); a file is read in one go (capfile.c,
 * filtered by capfilter.c).  Opening is the privileged step; privs.c
 * gives the privileges up afterwards.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture_int.h"
#include "core/applenet.h"
#include "plan/plan.h"
#include "core/url.h"
#include "core/util.h"

/* Service of a plan target, as the flow table names it. */
static enum pp_flow_svc
flow_svc(enum pp_service s)
{
    switch (s) {
    case PP_SV_APNS_DEVICE: return PP_FS_COURIER;
    case PP_SV_APNS_PROVIDER: return PP_FS_PROVIDER;
    case PP_SV_MDM: return PP_FS_MDM;
    case PP_SV_SUS: return PP_FS_SUS;
    case PP_SV_DP: return PP_FS_DP;
    case PP_SV_SMB: return PP_FS_SMB;
    case PP_SV_AFP: return PP_FS_AFP;
    case PP_SV_CUSTOM: return PP_FS_OTHER;
    default: return PP_FS_APPLE;
    }
}

char *
pp_capture_default_filter(const struct pp_plan *plan)
{
    static const unsigned ports[] = {5223, 443, 2197, 8443, 8088, 445, 548, 80};
    /* Tunnels (GRE, 6in4 and IP-in-IP, VXLAN) pass whole: the decoder
     * looks inside them. */
    char *f = pp_xstrdup("icmp or icmp6 or port 53"), *n;
    const uint8_t *prefix;
    int family, bits;
    size_t i, k;

    for (i = 0; pp_apple_space_entry(i, &family, &prefix, &bits); i++) {
        char a[INET6_ADDRSTRLEN];
        uint8_t full[16] = {0};
        memcpy(full, prefix, (size_t)(bits + 7) / 8);
        inet_ntop(family, full, a, sizeof(a));
        n = pp_xasprintf("%s or net %s/%d", f, a, bits);
        free(f);
        f = n;
    }
    for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        n = pp_xasprintf("%s or tcp port %u", f, ports[i]);
        free(f);
        f = n;
    }
    /* Last, as the rarest: a packet that matched already is not tested
     * for them. */
    n = pp_xasprintf("%s or ip proto 47 or ip proto 41 or ip proto 4 or udp port 4789", f);
    free(f);
    f = n;
    for (i = 0; plan != NULL && i < plan->n; i++) {
        const struct pp_target *t = plan->t[i];
        bool seen = false;
        for (k = 0; k < sizeof(ports) / sizeof(ports[0]); k++)
            seen |= ports[k] == t->port;
        for (k = 0; k < i && !seen; k++)
            seen = plan->t[k]->port == t->port;
        if (!seen) {
            n = pp_xasprintf("%s or tcp port %u", f, t->port);
            free(f);
            f = n;
        }
        if (pp_host_literal(t->host) != 0) {
            n = pp_xasprintf("%s or host %s", f, t->host);
            free(f);
            f = n;
        }
    }
    return f;
}

#ifdef HAVE_PCAP

static void
frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pp_capture *c = (struct pp_capture *)(void *)arg;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;

    if (c->soft_filter && !pp_cap_passes(c, c->dlt, bytes, h->caplen, h->len)) {
        if (c->stop != NULL)
            pcap_breakloop(c->p);
        return;
    }
    if (ts > c->last_us)
        c->last_us = ts;
    c->ifs[0].packets++;
    pp_flows_frame(c->flows, ts, c->link, bytes, h->caplen);
}

/* libpcap's words for a failed activation, turned into advice. */
static void
activate_error(struct pp_capture *c, int rc, const char *iface, char *err, size_t errlen)
{
    const char *why = pcap_geterr(c->p);

    switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
#ifdef __linux__
        snprintf(err, errlen, "capturing on %s needs root or the CAP_NET_RAW capability: run "
                 "with sudo, or once: sudo setcap cap_net_raw,cap_net_admin=eip pushprobe "
                 "(libpcap: %s)", iface, why);
#else
        /* macOS and the BSDs: the right to read the /dev/bpf devices. */
        snprintf(err, errlen, "capturing on %s needs root or read access to /dev/bpf*: run "
                 "with sudo, or give your group access to the BPF devices (on macOS, "
                 "Wireshark's ChmodBPF does) (libpcap: %s)", iface, why);
#endif
        break;
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errlen, "no interface named '%s' to capture on (libpcap: %s)", iface,
                 why);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errlen, "interface '%s' is down: bring it up to capture on it", iface);
        break;
    default:
        snprintf(err, errlen, "cannot capture on %s: %s", iface,
                 rc == PCAP_ERROR ? why : pcap_statustostr(rc));
        break;
    }
}

/* A live capture on o->iface, activated. */
static int
open_live(struct pp_capture *c, const struct pp_capture_opts *o, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    int rc;

    c->live = true;
    c->p = pcap_create(o->iface, ebuf);
    if (c->p == NULL) {
        snprintf(err, errlen, "cannot capture on %s: %s", o->iface, ebuf);
        return -1;
    }
    pcap_set_snaplen(c->p, o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN);
    pcap_set_promisc(c->p, 1);
    pcap_set_immediate_mode(c->p, 1);
    pcap_set_buffer_size(c->p, 8 << 20);
    rc = pcap_activate(c->p);
    if (rc < 0) {
        activate_error(c, rc, o->iface, err, errlen);
        return -1;
    }
    c->source = pp_xstrdup(o->iface);
    return 0;
}

/* The filter: a pcapng file, or PKTAP (judged by the packet inside), is
 * filtered here; live captures and other pcap files by libpcap. */
static int
set_filter(struct pp_capture *c, bool is_default, char *err, size_t errlen)
{
    struct bpf_program prog;
    char *expr;
    int rc;

    c->soft_filter = !c->live && (c->p == NULL || c->link == PP_LINK_PKTAP);
    if (c->soft_filter) {
        /* Compiled now for the first link type, so that a filter that does
         * not apply is said before anything is read. */
        int dlt = c->dlt;
        if (c->link == PP_LINK_PKTAP)
            dlt = DLT_EN10MB;   /* judged by the packets inside: most often Ethernet */
        (void)pp_cap_filter_for(c, dlt);
        if (c->stop != NULL) {
            snprintf(err, errlen, "%s", c->stop);
            return -1;
        }
        return 0;
    }
    expr = pp_cap_link_filter(c, c->dlt);
    rc = pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    free(expr);
    if (rc < 0) {
        if (is_default)
            snprintf(err, errlen, "%s: the default capture filter does not apply to its "
                     "link type %s (%s): give --filter '' to keep every packet, or a "
                     "filter of your own", c->source, pp_cap_dlt_name(c->dlt),
                     pcap_geterr(c->p));
        else
            snprintf(err, errlen, "--filter '%s': %s", c->filter, pcap_geterr(c->p));
        return -1;
    }
    rc = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        snprintf(err, errlen, "setting the filter: %s", pcap_geterr(c->p));
        return -1;
    }
    return 0;
}

struct pp_capture *
pp_capture_open(const struct pp_capture_opts *o, char *err, size_t errlen)
{
    struct pp_flows_opts fo;
    struct pp_capture *c = pp_xcalloc(1, sizeof(*c));
    int link;

    c->fd = -1;
    c->last_dlt = -1;
    c->duration_s = o->duration_s;
    c->filter = pp_xstrdup(o->filter != NULL ? o->filter : "");
    c->filter_default = o->filter_is_default;
    memset(&fo, 0, sizeof(fo));
    fo.max_flows = o->max_flows;
    c->flows = pp_flows_new(&fo);
    if (o->file != NULL ? pp_cap_open_file(c, o->file, err, errlen) < 0
                        : open_live(c, o, err, errlen) < 0)
        goto fail;
    if (c->p != NULL) {
        c->dlt = pcap_datalink(c->p);
        pp_cap_add_if(c, c->dlt, (uint32_t)pcap_snapshot(c->p), NULL);
    } else {
        c->dlt = c->ifs[0].dlt;
    }
    link = pp_pkt_link_from_dlt(c->dlt);
    if (link < 0 && c->p != NULL) {
        snprintf(err, errlen, "%s: link type %s (%d) is not one pushprobe decodes (Ethernet, "
                 "Linux cooked, raw IP, loopback, PKTAP)", c->source, pp_cap_dlt_name(c->dlt),
                 c->dlt);
        goto fail;
    }
    c->link = link >= 0 ? (enum pp_link)link : PP_LINK__COUNT;
    if (c->filter[0] != '\0' && set_filter(c, o->filter_is_default, err, errlen) < 0)
        goto fail;
    return c;
fail:
    pp_capture_free(c);
    return NULL;
}

void
pp_capture_free(struct pp_capture *c)
{
    size_t i;

    if (c == NULL)
        return;
    pp_capture_detach(c);
    free(c->error);
    if (c->p != NULL)
        pcap_close(c->p);
    if (c->gz != NULL)
        gzclose(c->gz);
    for (i = 0; i < c->nfilt; i++)
        if (c->filt[i].ok)
            pcap_freecode(&c->filt[i].prog);
    free(c->stop);
    free(c->ng);
    free(c->buf);
    free(c->ifs);
    free(c->link_names);
    pp_flows_free(c->flows);
    free(c->source);
    free(c->filter);
    free(c);
}

static void
on_readable(int fd, short revents, void *arg)
{
    struct pp_capture *c = arg;
    int n = 0, budget = 64;

    (void)fd;
    (void)revents;
    /* A bounded batch per turn, so probes and the screen get their turn. */
    while (budget-- > 0 && (n = pcap_dispatch(c->p, 256, frame, (u_char *)c)) > 0)
        c->generation++;
    if (n < 0 && c->error == NULL && c->loop != NULL) {
        /* The interface went away (or down): stop watching, say why. */
        c->error = pp_xasprintf("the capture on %s stopped: %s", c->source,
                                n == PCAP_ERROR ? pcap_geterr(c->p) : "interrupted");
        pp_loop_unwatch(c->loop, c->fd);
        c->fd = -1;
        c->generation++;
    }
}

static int64_t
wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void
settle_tick(void *arg)
{
    struct pp_capture *c = arg;

    pp_flows_settle(c->flows, wall_us());
    c->generation++;
    pp_loop_timer(c->loop, &c->settle_timer, pp_now_ms() + 1000);
}

static void
duration_over(void *arg)
{
    struct pp_capture *c = arg;

    if (c->done != NULL)
        c->done(c->done_arg);
}

int
pp_capture_attach(struct pp_capture *c, struct pp_loop *loop, void (*done)(void *), void *arg,
                  char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];

    if (!c->live) {
        snprintf(err, errlen, "a saved capture is read, not watched");
        return -1;
    }
    if (pcap_setnonblock(c->p, 1, ebuf) < 0) {
        snprintf(err, errlen, "capture: %s", ebuf);
        return -1;
    }
    c->fd = pcap_get_selectable_fd(c->p);
    if (c->fd < 0) {
        snprintf(err, errlen, "capture: this platform gives no descriptor to wait on");
        return -1;
    }
    if (pp_loop_watch(loop, c->fd, POLLIN, on_readable, c) < 0) {
        snprintf(err, errlen, "capture: %s", strerror(errno));
        c->fd = -1;
        return -1;
    }
    c->loop = loop;
    c->done = done;
    c->done_arg = arg;
    pp_timer_init(&c->settle_timer, settle_tick, c);
    pp_loop_timer(loop, &c->settle_timer, pp_now_ms() + 1000);
    pp_timer_init(&c->duration_timer, duration_over, c);
    if (c->duration_s > 0)
        pp_loop_timer(loop, &c->duration_timer, pp_now_ms() + (int64_t)(c->duration_s * 1000));
    return 0;
}

void
pp_capture_detach(struct pp_capture *c)
{
    if (c == NULL || c->loop == NULL)
        return;
    /* What the kernel still holds for us. */
    if (c->fd >= 0) {
        on_readable(c->fd, POLLIN, c);
        if (c->fd >= 0)
            pp_loop_unwatch(c->loop, c->fd);
    }
    pp_loop_cancel(c->loop, &c->settle_timer);
    pp_loop_cancel(c->loop, &c->duration_timer);
    c->loop = NULL;
    c->fd = -1;
}

int
pp_capture_read_all(struct pp_capture *c, char *err, size_t errlen)
{
    int rc;

    if (c->p == NULL) {
        while ((rc = pp_cap_ng_step(c)) > 0)
            ;
    } else {
        rc = pcap_loop(c->p, -1, frame, (u_char *)c);
        if (c->stop != NULL) {
            pp_cap_read_stops(c, "%s", c->stop);
        } else if (rc == PCAP_ERROR) {
            /* A file cut short: what was read counts, and the error is said. */
            const char *z = pp_cap_gz_damage(c->gz);
            if (z != NULL)
                pp_cap_read_stops(c, "the compressed data is damaged (zlib: %s)", z);
            else
                pp_cap_read_stops(c, "%s", pcap_geterr(c->p));
        }
    }
    c->generation++;
    if (c->incomplete) {
        snprintf(err, errlen, "%s", c->error);
        return -1;
    }
    return 0;
}

void
pp_capture_settle(struct pp_capture *c, bool end)
{
    /* A file whose read stopped early has no end: what was still waiting
     * for an answer at the damage stays pending (the answer may be in the
     * part not read), only what its timeout had decided by then counts. */
    if (end && c->incomplete)
        end = false;
    pp_flows_settle(c->flows, end ? INT64_MAX : c->live ? wall_us() : c->last_us);
    c->generation++;
}

uint64_t
pp_capture_kernel_drops(const struct pp_capture *c)
{
    struct pcap_stat st;

    if (!c->live || pcap_stats(c->p, &st) < 0)
        return 0;
    return (uint64_t)st.ps_drop;   /* ps_ifdrop: the interface's, not ours */
}

const char *
pp_capture_error(const struct pp_capture *c)
{
    return c->error;
}

const char *
pp_capture_link_name(const struct pp_capture *c)
{
    struct pp_capture *w = (struct pp_capture *)(uintptr_t)c;
    size_t i, k;

    if (c->nif <= 1)
        return pp_cap_dlt_name(c->dlt);
    /* Every link type of the file, once each, in the order they came. */
    if (c->link_names == NULL) {
        char *s = pp_xstrdup("");
        for (i = 0; i < c->nif; i++) {
            for (k = 0; k < i && c->ifs[k].dlt != c->ifs[i].dlt; k++)
                ;
            if (k == i) {
                char *n = pp_xasprintf("%s%s%s", s, s[0] ? ", " : "",
                                       pp_cap_dlt_name(c->ifs[i].dlt));
                free(s);
                s = n;
            }
        }
        w->link_names = s;
    }
    return c->link_names;
}

bool
pp_capture_incomplete(const struct pp_capture *c)
{
    return c->incomplete;
}

size_t
pp_capture_ifaces(const struct pp_capture *c)
{
    return c->nif;
}

bool
pp_capture_iface(const struct pp_capture *c, size_t i, struct pp_capture_iface *out)
{
    if (i >= c->nif)
        return false;
    out->name = c->ifs[i].name[0] != '\0' ? c->ifs[i].name : NULL;
    out->link = pp_cap_dlt_name(c->ifs[i].dlt);
    out->dlt = c->ifs[i].dlt;
    out->decoded = c->ifs[i].link >= 0;
    out->snaplen = c->ifs[i].snaplen;
    out->packets = c->ifs[i].packets;
    return true;
}

#else /* !HAVE_PCAP */


struct pp_capture *
pp_capture_open(const struct pp_capture_opts *o, char *err, size_t errlen)
{
    (void)o;
    snprintf(err, errlen, "this pushprobe was built without libpcap: no capture");
    return NULL;
}

void
pp_capture_free(struct pp_capture *c)
{
    (void)c;
}

int
pp_capture_attach(struct pp_capture *c, struct pp_loop *loop, void (*done)(void *), void *arg,
                  char *err, size_t errlen)
{
    (void)c;
    (void)loop;
    (void)done;
    (void)arg;
    snprintf(err, errlen, "no capture in this build");
    return -1;
}

void
pp_capture_detach(struct pp_capture *c)
{
    (void)c;
}

int
pp_capture_read_all(struct pp_capture *c, char *err, size_t errlen)
{
    (void)c;
    snprintf(err, errlen, "no capture in this build");
    return -1;
}

void
pp_capture_settle(struct pp_capture *c, bool end)
{
    (void)c;
    (void)end;
}

uint64_t
pp_capture_kernel_drops(const struct pp_capture *c)
{
    (void)c;
    return 0;
}

const char *
pp_capture_link_name(const struct pp_capture *c)
{
    (void)c;
    return "none";
}

const char *
pp_capture_error(const struct pp_capture *c)
{
    (void)c;
    return NULL;
}

bool
pp_capture_incomplete(const struct pp_capture *c)
{
    (void)c;
    return false;
}

size_t
pp_capture_ifaces(const struct pp_capture *c)
{
    (void)c;
    return 0;
}

bool
pp_capture_iface(const struct pp_capture *c, size_t i, struct pp_capture_iface *out)
{
    (void)c;
    (void)i;
    (void)out;
    return false;
}

#endif /* HAVE_PCAP */

void
pp_capture_learn_plan(struct pp_capture *c, const struct pp_plan *plan)
{
    size_t i;

    for (i = 0; i < plan->n; i++) {
        const struct pp_target *t = plan->t[i];
        enum pp_flow_svc s = flow_svc(t->service);
        uint8_t a[16] = {0};
        int lit = pp_host_literal(t->host);

        if (s != PP_FS_MDM && s != PP_FS_SUS && s != PP_FS_DP && s != PP_FS_SMB &&
            s != PP_FS_AFP)
            continue;   /* Apple's own are known by range and name */
        if (lit == 4 && inet_pton(AF_INET, t->host, a) == 1)
            pp_flows_add_server(c->flows, 4, a, t->port, s);
        else if (lit == 6 && inet_pton(AF_INET6, t->host, a) == 1)
            pp_flows_add_server(c->flows, 6, a, t->port, s);
        else if (lit == 0)
            pp_flows_add_name(c->flows, t->host, s);
    }
}

void
pp_capture_learn_report(struct pp_capture *c, const struct pp_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        enum pp_flow_svc s = flow_svc(r->target->service);
        uint8_t a[16] = {0};

        if (!r->has_address || (s != PP_FS_MDM && s != PP_FS_SUS && s != PP_FS_DP &&
                                s != PP_FS_SMB && s != PP_FS_AFP))
            continue;
        if (inet_pton(r->family, r->address, a) == 1)
            pp_flows_add_server(c->flows, r->family == AF_INET6 ? 6 : 4, a, r->target->port, s);
    }
}

struct pp_flows *
pp_capture_flows(const struct pp_capture *c)
{
    return c->flows;
}

const char *
pp_capture_source(const struct pp_capture *c)
{
    return c->source;
}

bool
pp_capture_live(const struct pp_capture *c)
{
    return c->live;
}

const char *
pp_capture_filter(const struct pp_capture *c)
{
    return c->filter;
}

uint64_t
pp_capture_generation(const struct pp_capture *c)
{
    return c->generation;
}

bool
pp_capture_evidence(const struct pp_capture *c, int family, const char *address, uint16_t port,
                    char *buf, size_t len)
{
    uint8_t a[16] = {0};

    buf[0] = '\0';
    if (c == NULL || inet_pton(family, address, a) != 1)
        return false;
    return pp_flows_evidence(c->flows, family == AF_INET6 ? 6 : 4, a, port, buf, len);
}
