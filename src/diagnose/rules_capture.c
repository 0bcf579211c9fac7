/* SPDX-License-Identifier: ISC */
/*
 * The diagnosis's capture rules: findings from what the network showed
 * (the flow table of a capture beside the checks, or of a saved one).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "diagnose/rules.h"

/* A finding in one call: title and detail are taken (allocated), the
 * advice copied. */
static void
found(struct ctx *c, const char *code, enum pp_severity sev, char *title, char *detail,
      const char *user, const char *admin)
{
    struct pp_finding *f = emit(c, code, sev);

    f->title = title;
    f->detail = detail;
    f->advice_user = pp_xstrdup(user);
    f->advice_admin = pp_xstrdup(admin);
}

/* The flows a capture finding is about: Apple's, the MDM's and the file
 * and content servers', not DNS or the rest of the network. */
static bool
flow_matters(const struct pp_flow *f)
{
    return f->svc != PP_FS_OTHER && f->svc != PP_FS_DNS;
}

static void
flow_line(struct sbuf *b, const struct pp_flow *f)
{
    char cl[48], sv[48];

    pp_pkt_addr_str(f->family, f->client, cl, sizeof(cl));
    pp_pkt_addr_str(f->family, f->server, sv, sizeof(sv));
    sb_add(b, "%s%s %s -> %s:%u", b->len ? "; " : "", pp_flow_svc_name(f->svc), cl, sv,
           f->sport);
}

static void
rule_capture_push(struct ctx *c, struct pp_flows *fl)
{
    const struct pp_push_device *d;
    size_t n, i, stuck = 0, retrying = 0, holding = 0, on5223 = 0, on443 = 0, failing = 0;
    size_t by_other = 0;
    struct sbuf b = {0}, hb = {0};
    enum pp_verdict_v *v = &c->out->verdict[PP_AREA_PUSH];
    char a[48];

    d = pp_flows_devices(fl, &n);
    for (i = 0; i < n; i++) {
        if (d[i].established > 0) {
            const struct pp_flow_proc *p = pp_flows_proc(fl, d[i].proc);
            holding++;
            on5223 += d[i].on_5223;
            on443 += d[i].on_443;
            /* Which process held it (PKTAP, Apple's pcapng): apsd is the
             * push daemon; anything else is not the system's push. */
            if (p != NULL && p->name[0] != '\0') {
                bool apsd = strcmp(p->name, PP_PUSH_DAEMON) == 0;
                by_other += !apsd;
                if (hb.len < 600) {
                    pp_pkt_addr_str(d[i].family, d[i].addr, a, sizeof(a));
                    sb_add(&hb, " %s: held by %s (pid %u)%s.", a, p->name, (unsigned)p->pid,
                           apsd ? "" : ", not by apsd, the push daemon");
                }
            }
        }
        if (d[i].unanswered + d[i].failed > 0)
            failing++;
        if (d[i].unanswered > 0) {
            retrying++;
            stuck += d[i].established == 0;
            if (retrying <= 5) {
                pp_pkt_addr_str(d[i].family, d[i].addr, a, sizeof(a));
                sb_add(&b, "%s%s sent %u SYNs in %u connections to the courier, none answered%s",
                       b.len ? "; " : "", a, d[i].syns_unanswered, d[i].unanswered,
                       d[i].established > 0 ? " (its 443 fallback works)" : "");
            }
        }
    }
    if (retrying > 0) {
        found(c, "PUSH_RETRIES_UNANSWERED", stuck > 0 ? PP_SEV_CRITICAL : PP_SEV_WARNING,
              pp_xasprintf("%zu device%s on this network retr%s the push connection without "
                           "an answer", retrying, retrying == 1 ? "" : "s",
                           retrying == 1 ? "ies" : "y"),
              sb_take(&b),
              stuck > 0 ? "Pushes cannot reach these devices from this network; try another "
                          "network to confirm."
                        : "Pushes still arrive over the slower 443 fallback.",
              "Something between these devices and Apple drops their connections silently: "
              "allow outgoing TCP 5223 (and 443) to 17.0.0.0/8.");
    }
    free(b.s);
    if (holding > 0) {
        found(c, "PUSH_CONNECTED", PP_SEV_INFO,
              pp_xasprintf("%zu device%s hold%s a push connection (%zu on 5223, %zu on 443)",
                           holding, holding == 1 ? "" : "s", holding == 1 ? "s" : "", on5223,
                           on443),
              pp_xasprintf("Seen in the capture: TLS connections to Apple's push couriers "
                           "that completed their handshake.%s", hb.len ? hb.s : ""),
              by_other > 0 && by_other == holding
                  ? "The connection seen is an app's own, not the system's (apsd): capture "
                    "longer, or run the checks, to see the system's push connection."
                  : "Nothing to do: these devices can receive pushes.",
              by_other > 0 ? "A process other than apsd holds a connection to the push "
                             "couriers: an app's own push client, not the system's; the "
                             "system's push connection is not in this capture."
                           : "Nothing to do.");
    }
    free(hb.s);
    /* Without active checks the capture gives the push verdict. */
    if (*v == PP_V_NOT_CHECKED && n > 0)
        *v = failing == 0 ? PP_V_OK : holding == 0 ? PP_V_BLOCKED : PP_V_DEGRADED;
}

/* What the flows of a capture show, by kind: resets forged on the path,
 * ICMP rejects, TLS alerts, refusals (at most four lines of each). */
struct flow_tally {
    struct sbuf mb, ib, tb, rb;
    size_t nm, ni, nt, nr;
    bool crit_icmp, crit_alert;
};

static void
tally_flow(struct flow_tally *t, struct pp_flows *fl, const struct pp_flow *x)
{
    if (x->outcome == PP_FO_RESET_MIDDLEBOX) {
        if (t->nm++ < 4) {
            char why[256];
            pp_flows_describe(fl, x, why, sizeof(why));
            flow_line(&t->mb, x);
            sb_add(&t->mb, ": %s", why);
        }
    } else if (x->outcome == PP_FO_ICMP) {
        char r[48];
        pp_pkt_addr_str(x->icmp_family, x->icmp_from, r, sizeof(r));
        if (t->ni++ < 4) {
            flow_line(&t->ib, x);
            sb_add(&t->ib, ": ICMP%s type %u code %u from %s", x->icmp_family == 6 ? "v6" : "",
                   x->icmp_type, x->icmp_code, r);
        }
        t->crit_icmp |= x->svc == PP_FS_COURIER || x->svc == PP_FS_PROVIDER ||
                        x->svc == PP_FS_MDM;
    } else if (x->outcome == PP_FO_TLS_ALERT) {
        const char *an = pp_tls_alert_name(x->alert_desc);
        if (t->nt++ < 4) {
            flow_line(&t->tb, x);
            sb_add(&t->tb, ": alert %s from the %s", an != NULL ? an : "?",
                   x->alert_dir == PP_DIR_C2S ? "device" : "server");
        }
        /* A device refusing the server's certificate: someone else's
         * certificate on the path. */
        t->crit_alert |= x->alert_dir == PP_DIR_C2S &&
                         (x->alert_desc == 48 || x->alert_desc == 42 || x->alert_desc == 46);
    } else if (x->outcome == PP_FO_REFUSED && x->svc != PP_FS_APPLE) {
        /* (Apple's other ports, legacy 2195/2196 among them, may well be closed.) */
        if (t->nr++ < 4) {
            flow_line(&t->rb, x);
            sb_add(&t->rb, ": RST in answer to the SYN");
        }
    }
}

static void
report_flow_tally(struct ctx *c, struct flow_tally *t)
{
    if (t->nm > 0) {
        found(c, "RESET_BY_MIDDLEBOX", PP_SEV_CRITICAL,
              pp_xasprintf("%zu connection%s reset by a device on the path, not by the "
                           "server", t->nm, t->nm == 1 ? "" : "s"),
              sb_take(&t->mb),
              "A firewall or filter on this network cuts these connections.",
              "The resets come from fewer hops than the server: look for a firewall, IPS or "
              "web filter that injects TCP resets for these hosts and ports.");
    }
    if (t->ni > 0) {
        found(c, "CAPTURE_ICMP_REJECTED", t->crit_icmp ? PP_SEV_CRITICAL : PP_SEV_WARNING,
              pp_xasprintf("%zu connection%s rejected by ICMP errors", t->ni,
                           t->ni == 1 ? "" : "s"),
              sb_take(&t->ib),
              "This network refuses these connections.",
              "The router named in the detail rejects the traffic (code 13: administratively "
              "prohibited): change its rules.");
    }
    if (t->nt > 0) {
        found(c, "CAPTURE_TLS_ALERT", t->crit_alert ? PP_SEV_CRITICAL : PP_SEV_WARNING,
              pp_xasprintf("%zu TLS connection%s ended by an alert", t->nt, t->nt == 1 ? "" : "s"),
              sb_take(&t->tb),
              "Secure connections fail on this network.",
              t->crit_alert ? "Devices reject the certificate they are shown: TLS interception "
                           "on the path.  Exclude Apple's hosts (*.apple.com, 17.0.0.0/8) and "
                           "the MDM from inspection."
                         : "See the alert names: a server or a middlebox ends the handshake.");
    }
    if (t->nr > 0) {
        found(c, "CAPTURE_REFUSED", PP_SEV_WARNING,
              pp_xasprintf("%zu connection%s refused", t->nr, t->nr == 1 ? "" : "s"),
              sb_take(&t->rb),
              "A service this device needs is not answering.",
              "Nothing listens on that port, or a firewall resets the connection with the "
              "server's TTL.");
    }
}

static void
rule_capture_flows(struct ctx *c, struct pp_flows *fl)
{
    const struct pp_flow *const *v;
    struct flow_tally t;
    size_t n, i;

    memset(&t, 0, sizeof(t));
    v = pp_flows_list(fl, &n);
    for (i = 0; i < n; i++)
        if (flow_matters(v[i]))
            tally_flow(&t, fl, v[i]);
    report_flow_tally(c, &t);
    free(t.mb.s);
    free(t.ib.s);
    free(t.tb.s);
    free(t.rb.s);
}

static void
rule_capture_dns(struct ctx *c, struct pp_flows *fl)
{
    const struct pp_dns_obs *d;
    struct sbuf ob = {0}, fb = {0};
    size_t n, i, no = 0, nf = 0;
    char a[48];

    d = pp_flows_dns(fl, &n);
    for (i = 0; i < n; i++) {
        if (d[i].outside_apple > 0 && no++ < 5) {
            pp_pkt_addr_str(d[i].bad_family, d[i].bad_addr, a, sizeof(a));
            sb_add(&ob, "%s%s -> %s", ob.len ? "; " : "", d[i].name, a);
        }
        if (d[i].answers > 0 && d[i].last_rcode != 0 && nf++ < 5)
            sb_add(&fb, "%s%s: %s", fb.len ? "; " : "", d[i].name,
                   d[i].last_rcode == 3 ? "NXDOMAIN" : d[i].last_rcode == 2 ? "SERVFAIL" :
                   d[i].last_rcode == 5 ? "REFUSED" : "error");
    }
    if (no > 0) {
        found(c, "CAPTURE_DNS_OUTSIDE_APPLE", PP_SEV_CRITICAL,
              pp_xstrdup("The network's DNS answers for Apple's names with addresses outside "
                         "Apple"),
              sb_take(&ob),
              "A DNS filter on this network blocks Apple's services.",
              "Remove Apple's names from the DNS blocklist or sinkhole (*.push.apple.com, "
              "*.apple.com).");
    }
    if (nf > 0) {
        found(c, "CAPTURE_DNS_FAILED", PP_SEV_WARNING,
              pp_xstrdup("DNS lookups of Apple's or the MDM's names fail on this network"),
              sb_take(&fb),
              "Names do not resolve on this network.",
              "Check the resolver the devices get (DHCP) and its forwarders.");
    }
    free(ob.s);
    free(fb.s);
}

void
pp_rule_capture(struct ctx *c)
{
    const struct pp_flows_stats *st;
    struct pp_flows *fl;
    size_t first = c->out->n, i;

    if (c->rep->capture == NULL)
        return;
    fl = pp_capture_flows(c->rep->capture);
    rule_capture_push(c, fl);
    rule_capture_flows(c, fl);
    rule_capture_dns(c, fl);
    st = pp_flows_stats(fl);
    if (pp_capture_incomplete(c->rep->capture)) {
        found(c, "CAPTURE_INCOMPLETE", PP_SEV_WARNING,
              pp_xasprintf("The capture file could not be read to its end: %llu packets "
                           "were read before the damage", (unsigned long long)st->frames),
              pp_xasprintf("%s.  Everything here is about those packets only; what the rest "
                           "of the file held is unknown.", pp_capture_error(c->rep->capture)),
              "Send the whole capture again (the file was cut or damaged on the way).",
              "Take the capture again, or repair what can be read: editcap copies the "
              "readable part of a damaged file.");
    }
    if (st->evicted > 0) {
        found(c, "CAPTURE_EVICTED", PP_SEV_INFO,
              pp_xasprintf("%llu flows were dropped from the table to bound memory",
                           (unsigned long long)st->evicted),
              pp_xstrdup("Their outcomes are in the totals; raise --flows-max to keep each "
                         "one."),
              "Nothing to do.",
              "Raise --flows-max to keep every flow in the report.");
    }
    /* No "no traffic" advice about a file that was not read whole. */
    if (st->flows_total == 0 && !pp_capture_incomplete(c->rep->capture)) {
        found(c, "CAPTURE_NO_TRAFFIC", PP_SEV_INFO,
              pp_xstrdup("The capture holds no traffic to Apple or the configured servers"),
              pp_xasprintf("%llu packets read from %s with the filter '%s'.",
                           (unsigned long long)st->frames, pp_capture_source(c->rep->capture),
                           pp_capture_filter(c->rep->capture)),
              "Use the device (open an app, check for updates) while the capture runs.",
              "Capture where the devices' traffic passes (a mirror port, the Wi-Fi "
              "interface), or widen --filter.");
    }
    /* What the capture shows counts in the status as its findings say. */
    for (i = first; i < c->out->n; i++) {
        enum pp_status st_f = c->out->f[i].severity == PP_SEV_CRITICAL ? PP_STATUS_FAILED :
                              c->out->f[i].severity == PP_SEV_WARNING ? PP_STATUS_DEGRADED :
                                                                        PP_STATUS_OK;
        if (st_f > c->capture_status)
            c->capture_status = st_f;
    }
}
