/* SPDX-License-Identifier: ISC */
/*
 * The capture in the reports: a section of the text report and the
 * "capture" object of the JSON (flows, push devices, DNS, counters).  A
 * leaf like the other reports: it reads the flow table, nothing else.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "ui/jsonw.h"
#include "core/redact.h"
#include "core/util.h"
#include "ui/report.h"

#define TEXT_FLOWS 200

static void
jaddr(struct pp_jsonw *w, const char *key, uint8_t family, const uint8_t *a)
{
    char buf[48];

    pp_jw_key(w, key);
    if (family == 0) {
        pp_jw_null(w);
        return;
    }
    pp_pkt_addr_str(family, a, buf, sizeof(buf));
    pp_jw_str(w, buf);
}

static void
jsecs(struct pp_jsonw *w, const char *key, int64_t us)
{
    pp_jw_key(w, key);
    pp_jw_num(w, (double)us / 1e6, 6);
}

/* The process of a flow or device: {name, pid, effective_name,
 * effective_pid}, or null. */
static void
jproc(struct pp_jsonw *w, const struct pp_flows *fl, uint16_t id)
{
    const struct pp_flow_proc *p = pp_flows_proc(fl, id);

    pp_jw_key(w, "process");
    if (p == NULL) {
        pp_jw_null(w);
        return;
    }
    pp_jw_obj(w);
    pp_jw_kstr(w, "name", p->name[0] ? p->name : NULL);
    pp_jw_kint(w, "pid", p->pid);
    pp_jw_kstr(w, "effective_name", p->ename[0] ? p->ename : NULL);
    pp_jw_key(w, "effective_pid");
    if (p->ename[0])
        pp_jw_int(w, p->epid);
    else
        pp_jw_null(w);
    pp_jw_obj_end(w);
}

/* "apsd (pid 123)", "nsurlsessiond (pid 9, for Safari)". */
static void
proc_text(const struct pp_flows *fl, uint16_t id, char *buf, size_t len)
{
    const struct pp_flow_proc *p = pp_flows_proc(fl, id);

    buf[0] = '\0';
    if (p == NULL)
        return;
    if (p->ename[0] != '\0')
        snprintf(buf, len, "%s (pid %u, for %s)", p->name[0] ? p->name : "?", (unsigned)p->pid,
                 p->ename);
    else
        snprintf(buf, len, "%s (pid %u)", p->name, (unsigned)p->pid);
}

static void
flow_json(struct pp_jsonw *w, const struct pp_flows *fl, const struct pp_flow *f)
{
    pp_jw_obj(w);
    pp_jw_kstr(w, "service", pp_flow_svc_name(f->svc));
    pp_jw_kstr(w, "proto", f->proto == 6 ? "tcp" : "udp");
    pp_jw_kstr(w, "family", f->family == 6 ? "ipv6" : "ipv4");
    jaddr(w, "client", f->family, f->client);
    pp_jw_kint(w, "client_port", f->cport);
    jaddr(w, "server", f->family, f->server);
    pp_jw_kint(w, "server_port", f->sport);
    pp_jw_kstr(w, "outcome", pp_flow_outcome_name(f->outcome));
    jsecs(w, "first_seen", f->first_us);
    jsecs(w, "last_seen", f->last_us);
    pp_jw_key(w, "packets");
    pp_jw_arr(w);
    pp_jw_int(w, (long long)f->pkts[PP_DIR_C2S]);
    pp_jw_int(w, (long long)f->pkts[PP_DIR_S2C]);
    pp_jw_arr_end(w);
    pp_jw_key(w, "bytes");
    pp_jw_arr(w);
    pp_jw_int(w, (long long)f->bytes[PP_DIR_C2S]);
    pp_jw_int(w, (long long)f->bytes[PP_DIR_S2C]);
    pp_jw_arr_end(w);
    pp_jw_kint(w, "syns", f->syns);
    pp_jw_kbool(w, "midstream", f->midstream);
    pp_jw_key(w, "server_ttl");
    if (f->server_ttl)
        pp_jw_int(w, f->server_ttl);
    else
        pp_jw_null(w);
    pp_jw_key(w, "rst_ttl");
    if (f->rst_ttl)
        pp_jw_int(w, f->rst_ttl);
    else
        pp_jw_null(w);
    pp_jw_key(w, "icmp");
    if (f->icmp_family != 0) {
        pp_jw_obj(w);
        jaddr(w, "from", f->icmp_family, f->icmp_from);
        pp_jw_kint(w, "type", f->icmp_type);
        pp_jw_kint(w, "code", f->icmp_code);
        pp_jw_obj_end(w);
    } else {
        pp_jw_null(w);
    }
    pp_jw_kstr(w, "sni", f->sni[0] ? f->sni : NULL);
    pp_jw_kstr(w, "alpn", f->alpn[0] ? f->alpn : NULL);
    pp_jw_kstr(w, "interface", pp_flows_iface_name(fl, f->iface));
    jproc(w, fl, f->proc);
    pp_jw_key(w, "tls_alert");
    if (f->alert_seen) {
        pp_jw_obj(w);
        pp_jw_kstr(w, "from", f->alert_dir == PP_DIR_C2S ? "client" : "server");
        pp_jw_kint(w, "level", f->alert_level);
        pp_jw_kstr(w, "description", pp_tls_alert_name(f->alert_desc));
        pp_jw_obj_end(w);
    } else {
        pp_jw_null(w);
    }
    pp_jw_obj_end(w);
}

/* Where the packets came from and how many were read and decoded. */
static void
capture_counts(struct pp_jsonw *w, const struct pp_capture *c, const struct pp_flows_stats *st)
{
    struct pp_capture_iface ci;
    size_t i;
    int s;

    pp_jw_kstr(w, "source", pp_capture_source(c));
    pp_jw_kbool(w, "live", pp_capture_live(c));
    pp_jw_kstr(w, "link", pp_capture_link_name(c));
    pp_jw_kstr(w, "filter", pp_capture_filter(c));
    pp_jw_kint(w, "packets", (long long)st->frames);
    pp_jw_key(w, "decode");
    pp_jw_obj(w);
    for (s = 0; s < PP_PKT__COUNT; s++) {
        pp_jw_key(w, pp_pkt_status_name((enum pp_pkt_status)s));
        pp_jw_int(w, (long long)st->by_status[s]);
    }
    pp_jw_kint(w, "truncated", (long long)st->truncated);
    pp_jw_kint(w, "tunneled", (long long)st->tunneled);
    pp_jw_kint(w, "ip_length_from_frame", (long long)st->len_from_frame);
    pp_jw_obj_end(w);
    pp_jw_key(w, "tunnels");
    pp_jw_obj(w);
    for (s = 1; s < PP_TUN__COUNT; s++)
        if (st->by_tunnel[s] > 0) {
            pp_jw_key(w, pp_tunnel_name((enum pp_tunnel)s));
            pp_jw_int(w, (long long)st->by_tunnel[s]);
        }
    pp_jw_obj_end(w);
    pp_jw_key(w, "interfaces");
    pp_jw_arr(w);
    for (i = 0; pp_capture_iface(c, i, &ci); i++) {
        pp_jw_obj(w);
        pp_jw_kstr(w, "name", ci.name);
        pp_jw_kstr(w, "link", ci.link);
        pp_jw_kbool(w, "decoded", ci.decoded);
        pp_jw_kint(w, "snaplen", ci.snaplen);
        pp_jw_kint(w, "packets", (long long)ci.packets);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
    pp_jw_kstr(w, "error", pp_capture_error(c));
    pp_jw_kbool(w, "complete", !pp_capture_incomplete(c));
    pp_jw_kint(w, "kernel_drops", (long long)pp_capture_kernel_drops(c));
    pp_jw_kint(w, "flows_total", (long long)st->flows_total);
    pp_jw_kint(w, "flows_evicted", (long long)st->evicted);
    pp_jw_kint(w, "flows_retired", (long long)st->retired);
    pp_jw_kint(w, "icmp_unmatched", (long long)st->icmp_unmatched);
    pp_jw_kint(w, "late_packets", (long long)st->late);
}

/* Every flow ever seen, evicted ones included, by service and outcome. */
static void
outcomes_json(struct pp_jsonw *w, const struct pp_flows_stats *st)
{
    int s, o;

    pp_jw_key(w, "outcomes");
    pp_jw_obj(w);
    for (s = 0; s < PP_FS__COUNT; s++) {
        bool any = false;
        for (o = 0; o < PP_FO__COUNT; o++)
            any |= st->outcomes[s][o] > 0;
        if (!any)
            continue;
        pp_jw_key(w, pp_flow_svc_name((enum pp_flow_svc)s));
        pp_jw_obj(w);
        for (o = 0; o < PP_FO__COUNT; o++)
            if (st->outcomes[s][o] > 0) {
                pp_jw_key(w, pp_flow_outcome_name((enum pp_flow_outcome)o));
                pp_jw_int(w, (long long)st->outcomes[s][o]);
            }
        pp_jw_obj_end(w);
    }
    pp_jw_obj_end(w);
}

/* The devices seen talking to Apple's push servers. */
static void
devices_json(struct pp_jsonw *w, struct pp_flows *fl)
{
    const struct pp_push_device *d;
    size_t n, i;

    pp_jw_key(w, "push_devices");
    pp_jw_arr(w);
    d = pp_flows_devices(fl, &n);
    for (i = 0; i < n; i++) {
        pp_jw_obj(w);
        jaddr(w, "address", d[i].family, d[i].addr);
        pp_jw_kint(w, "connections", d[i].flows);
        pp_jw_kint(w, "established", d[i].established);
        pp_jw_kint(w, "unanswered", d[i].unanswered);
        pp_jw_kint(w, "failed", d[i].failed);
        pp_jw_kint(w, "syns_unanswered", d[i].syns_unanswered);
        pp_jw_kbool(w, "on_5223", d[i].on_5223);
        pp_jw_kbool(w, "on_443", d[i].on_443);
        pp_jw_kbool(w, "holding", d[i].holding);
        pp_jw_key(w, "longest_s");
        pp_jw_num(w, d[i].held_s, 3);
        jproc(w, fl, d[i].proc);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
}

/* The names the devices asked DNS for, and what came back. */
static void
dns_json(struct pp_jsonw *w, struct pp_flows *fl)
{
    const struct pp_dns_obs *dn;
    size_t n, i;

    pp_jw_key(w, "dns");
    pp_jw_arr(w);
    dn = pp_flows_dns(fl, &n);
    for (i = 0; i < n; i++) {
        pp_jw_obj(w);
        pp_jw_kstr(w, "name", dn[i].name);
        pp_jw_kint(w, "queries", dn[i].queries);
        pp_jw_kint(w, "answers", dn[i].answers);
        pp_jw_kint(w, "rcode", dn[i].last_rcode);
        pp_jw_kint(w, "outside_apple", dn[i].outside_apple);
        jaddr(w, "outside_address", dn[i].bad_family, dn[i].bad_addr);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
}

void
pp_capture_json(struct pp_jsonw *w, const struct pp_capture *c)
{
    struct pp_flows *fl = pp_capture_flows(c);
    const struct pp_flow *const *v;
    size_t n, i;

    pp_jw_key(w, "capture");
    pp_jw_obj(w);
    capture_counts(w, c, pp_flows_stats(fl));
    outcomes_json(w, pp_flows_stats(fl));
    devices_json(w, fl);
    dns_json(w, fl);
    pp_jw_obj_end(w);
    pp_jw_key(w, "flows");
    pp_jw_arr(w);
    v = pp_flows_list(fl, &n);
    for (i = 0; i < n; i++)
        flow_json(w, fl, v[i]);
    pp_jw_arr_end(w);
}

/* The capture's head line, how its read ended, its interfaces. */
static void
capture_head(FILE *f, const struct pp_capture *c, const struct pp_flows_stats *st, bool color)
{
    struct pp_capture_iface ci;
    size_t i;

    fprintf(f, "\n%sCapture%s  %s (%s): %llu packets, %llu flows", color ? "\033[1m" : "",
            color ? "\033[0m" : "", pp_capture_source(c), pp_capture_link_name(c),
            (unsigned long long)st->frames, (unsigned long long)st->flows_total);
    if (st->evicted > 0)
        fprintf(f, " (%llu evicted)", (unsigned long long)st->evicted);
    if (st->retired > 0)
        fprintf(f, " (%llu that ended well retired)", (unsigned long long)st->retired);
    if (pp_capture_kernel_drops(c) > 0)
        fprintf(f, ", %llu dropped by the kernel",
                (unsigned long long)pp_capture_kernel_drops(c));
    if (st->tunneled > 0)
        fprintf(f, ", %llu out of tunnels", (unsigned long long)st->tunneled);
    if (st->late > 0)
        fprintf(f, ", %llu late packets of ended flows", (unsigned long long)st->late);
    fprintf(f, "\n");
    if (pp_capture_incomplete(c))
        fprintf(f, "  READ STOPPED EARLY: %s; the %llu packets before it are analysed, the "
                "rest of the file is not\n", pp_capture_error(c),
                (unsigned long long)st->frames);
    else if (pp_capture_error(c) != NULL)
        fprintf(f, "  %s\n", pp_capture_error(c));
    if (pp_capture_ifaces(c) > 1 || (pp_capture_iface(c, 0, &ci) && ci.name != NULL)) {
        fprintf(f, "  interfaces:");
        for (i = 0; pp_capture_iface(c, i, &ci); i++)
            fprintf(f, "%s %s (%s%s) %llu", i ? "," : "", ci.name != NULL ? ci.name : "?",
                    ci.link, ci.decoded ? "" : ", not decoded", (unsigned long long)ci.packets);
        fprintf(f, " packets\n");
    }
}

static void
capture_devices(FILE *f, struct pp_flows *fl)
{
    const struct pp_push_device *d;
    char cl[48];
    size_t n, i;

    d = pp_flows_devices(fl, &n);
    for (i = 0; i < n; i++) {
        char pr[96];
        pp_pkt_addr_str(d[i].family, d[i].addr, cl, sizeof(cl));
        proc_text(fl, d[i].proc, pr, sizeof(pr));
        fprintf(f, "  push device %s: %u connection%s, %u established%s%s, %u unanswered "
                "(%u SYNs), longest %.0f s%s%s%s\n", cl, d[i].flows, d[i].flows == 1 ? "" : "s",
                d[i].established, d[i].on_5223 ? " on 5223" : "",
                d[i].on_443 ? (d[i].on_5223 ? " and 443" : " on 443") : "", d[i].unanswered,
                d[i].syns_unanswered, d[i].held_s, d[i].holding ? ", holding now" : "",
                pr[0] ? ", by " : "", pr);
    }
}

/* One flow's line of the table, its ends and details masked (rd) before
 * the columns are laid out. */
static void
flow_row(FILE *f, struct pp_flows *fl, const struct pp_flow *x, const struct pp_redact *rd)
{
    char *me, *md;
    char ends[128], pk[48], det[320] = "", cl[48], sv[48];

    pp_pkt_addr_str(x->family, x->client, cl, sizeof(cl));
    pp_pkt_addr_str(x->family, x->server, sv, sizeof(sv));
    snprintf(ends, sizeof(ends), "%s -> %s%s%s:%u", cl, x->family == 6 ? "[" : "", sv,
             x->family == 6 ? "]" : "", x->sport);
    snprintf(pk, sizeof(pk), "%llu/%llu", (unsigned long long)x->pkts[PP_DIR_C2S],
             (unsigned long long)x->pkts[PP_DIR_S2C]);
    pp_flows_describe(fl, x, det, sizeof(det));
    if (x->sni[0] != '\0') {
        size_t l = strlen(det);
        snprintf(det + l, sizeof(det) - l, "%sSNI %s", l ? "; " : "", x->sni);
    }
    if (x->proc != 0 || pp_flows_iface_name(fl, x->iface) != NULL) {
        size_t l = strlen(det);
        char pr[96];
        const char *ifn = pp_flows_iface_name(fl, x->iface);
        proc_text(fl, x->proc, pr, sizeof(pr));
        snprintf(det + l, sizeof(det) - l, "%s%s%s%s%s", l ? "; " : "",
                 pr[0] ? pr : "", pr[0] && ifn != NULL ? " " : "",
                 ifn != NULL ? "on " : "", ifn != NULL ? ifn : "");
    }
    me = rd != NULL ? pp_redact_apply(rd, ends) : pp_xstrdup(ends);
    md = rd != NULL ? pp_redact_apply(rd, det) : pp_xstrdup(det);
    fprintf(f, "  %-8s %-5s %-40s %-19s %9s  %s\n", pp_flow_svc_name(x->svc),
            x->proto == 6 ? "tcp" : "udp", me, pp_flow_outcome_name(x->outcome), pk, md);
    free(me);
    free(md);
}

void
pp_capture_text(FILE *f, const struct pp_capture *c, bool color, const struct pp_redact *rd)
{
    struct pp_flows *fl = pp_capture_flows(c);
    const struct pp_flow *const *v;
    size_t n, i, pass, other = 0, shown = 0;

    capture_head(f, c, pp_flows_stats(fl), color);
    capture_devices(f, fl);
    v = pp_flows_list(fl, &n);
    if (n > 0)
        fprintf(f, "  %-8s %-5s %-40s %-19s %9s  %s\n", "SERVICE", "PROTO", "CLIENT -> SERVER",
                "OUTCOME", "PACKETS", "DETAILS");
    /* The failed flows first; at most TEXT_FLOWS lines (all are in the JSON). */
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < n; i++) {
            const struct pp_flow *x = v[i];
            if (x->svc == PP_FS_OTHER || pp_flow_outcome_bad(x->outcome) != (pass == 0)) {
                other += pass == 0 && x->svc == PP_FS_OTHER;
                continue;
            }
            if (shown++ >= TEXT_FLOWS) {
                other++;
                continue;
            }
            flow_row(f, fl, x, rd);
        }
    if (other > 0)
        fprintf(f, "  and %zu other flow%s (in the JSON report)\n", other, other == 1 ? "" : "s");
}
