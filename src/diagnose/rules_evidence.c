/* SPDX-License-Identifier: ISC */
/*
 * The rules from the network's evidence: a local route, resets of push and
 * of the TLS hello, a held connection closed, ICMP errors rate-limited.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/url.h"
#include "diagnose/diagnose.h"
#include "diagnose/rules.h"
#include "core/util.h"
#include "probes/details.h"
#include "core/applenet.h"

/* ------------------------------------------------ network evidence */

/* A required target among idx that works on none of its addresses. */
static bool
any_required_dead(struct ctx *c, const size_t *idx, size_t n)
{
    size_t i, k;

    for (i = 0; i < n; i++) {
        const struct pp_target *t = c->rep->results[idx[i]]->target;
        bool works = false;

        if (!t->required)
            continue;
        for (k = 0; k < c->rep->n && !works; k++)
            works = c->rep->results[k]->target == t && c->rep->results[k]->state == PP_ST_OK &&
                    pp_result_counted(c->rep->results[k]);
        if (!works)
            return true;
    }
    return false;
}

/* Failed inside connect(): this machine's own routing sent nothing. */
static bool
pick_local_route(const struct pp_result *r)
{
    return r->reason == PP_RS_LOCAL_ROUTE ||
           (r->reason == PP_RS_NO_ROUTE && pp_detail_get(r, "connect_errno") != NULL) ||
           r->reason == PP_RS_LOCAL_POLICY;
}

/* Blackhole, unreachable and prohibit routes, no default route, no address
 * of the family, a local firewall rule: the cause is on this machine (a
 * VPN's kill switch, most often), not on the network. */
void
rule_local_route(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_local_route, idx, MAXSEL), i;
    bool kinds[4] = {false, false, false, false};
    static const char *const kind_words[4] = {
        "a blackhole route", "an unreachable route", "a prohibit route", "no route at all"};
    struct sbuf b = {0};
    struct pp_finding *f;
    char *h, *routes;
    bool policy = false;

    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        const struct pp_result *r = c->rep->results[idx[i]];
        const struct pp_kv *k = pp_detail_get(r, "local_route");
        const char *s = k != NULL && k->type == PP_KV_STR ? k->s : "";

        policy = policy || r->reason == PP_RS_LOCAL_POLICY;
        kinds[0] = kinds[0] || strcmp(s, "blackhole") == 0;
        kinds[1] = kinds[1] || strcmp(s, "unreachable") == 0;
        kinds[2] = kinds[2] || strcmp(s, "prohibit") == 0;
        kinds[3] = kinds[3] || r->reason == PP_RS_NO_ROUTE;
    }
    for (i = 0; i < 4; i++)
        if (kinds[i])
            sb_add(&b, "%s%s", b.len ? ", " : "", kind_words[i]);
    if (policy)
        sb_add(&b, "%sa firewall rule of this machine", b.len ? ", " : "");
    routes = sb_take(&b);
    h = hosts(c, idx, n, true);
    f = emit(c, "LOCAL_ROUTE", any_required_dead(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    f->title = pp_xstrdup("This machine's own routing sends nothing to these addresses "
                          "(a VPN kill switch or a local route)");
    f->detail = pp_xasprintf("Connections to %s fail inside this machine before any packet "
                             "leaves it (%s): the cause is here, not on the network.  VPN "
                             "clients install such routes or rules while the VPN is down "
                             "(a kill switch), or the machine has no default route or no "
                             "address of that family.", h, routes ? routes : "no route");
    free(h);
    free(routes);
    f->advice_user = pp_xstrdup("If a VPN app is installed, connect it or turn off its "
                                "\"block connections without VPN\" (kill switch) setting; "
                                "otherwise turn Wi-Fi off and on again.");
    f->advice_admin = pp_xstrdup("Look at this machine's routing table (ip route / ip -6 "
                                 "route; netstat -rn on macOS) for blackhole, unreachable or "
                                 "prohibit routes and a missing default route, its policy "
                                 "rules (ip rule) and local firewall, and at the VPN client's "
                                 "kill switch or split-tunnel settings.");
    claim(c, f, idx, n);
}

/* An address in Apple's space (17.0.0.0/8, 2620:149::/32, ...). */
static bool
result_in_apple(const struct pp_result *r)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof(ss));
    if (!r->has_address)
        return false;
    if (r->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        if (inet_pton(AF_INET6, r->address, &s6->sin6_addr) != 1)
            return false;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        if (inet_pton(AF_INET, r->address, &s4->sin_addr) != 1)
            return false;
    }
    return pp_addr_in_apple((const struct sockaddr *)&ss);
}

/* Apple's push servers (the courier) never refuse 5223 or 443: a reset
 * there is a firewall's "reject with tcp-reset".  (The MDM server's side,
 * api.push, has APNS_PROVIDER_BLOCKED.) */
static bool
pick_push_reset(const struct pp_result *r)
{
    uint16_t p = r->target->port;

    /* A trace that found the box forging the reset leaves it to the push
     * rules, which name that box and its owner (--trace). */
    if (r->path != NULL && r->path->end == PP_PE_RESET)
        return false;
    return r->state == PP_ST_CLOSED && r->reason == PP_RS_CONN_REFUSED &&
           r->target->service == PP_SV_APNS_DEVICE && (p == 5223 || p == 443) &&
           result_in_apple(r);
}

void
rule_push_reset(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_push_reset, idx, MAXSEL), i;
    size_t device_ok = 0;
    bool required = false;
    struct pp_finding *f;
    char *h;

    if (n == 0)
        return;
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r) || r->target->service != PP_SV_APNS_DEVICE)
            continue;
        device_ok += r->state == PP_ST_OK;
    }
    for (i = 0; i < n; i++)
        required = required || c->rep->results[idx[i]]->target->required;
    h = hosts(c, idx, n, true);
    if (device_ok > 0 || !required) {
        f = emit(c, "PUSH_FIREWALL_RESET", PP_SEV_WARNING);
        f->title = pp_xstrdup("Apple push is degraded by a firewall that resets connections");
        f->detail = pp_xasprintf("Connections to %s are refused with a TCP reset.  Apple's "
                                 "push servers never refuse these ports, so a firewall on "
                                 "the way answers for them (\"reject with tcp-reset\").%s",
                                 h, device_ok > 0 ? "  Other connections to the push "
                                 "service work, so pushes still arrive." : "");
        f->advice_user = pp_xstrdup("Pushes may still arrive; ask whoever runs the network "
                                    "to allow Apple push (TCP 5223 and 443 to Apple).");
    } else {
        f = emit(c, "PUSH_FIREWALL_RESET", PP_SEV_CRITICAL);
        f->title = pp_xstrdup("Apple push is blocked by a firewall that resets connections");
        f->detail = pp_xasprintf("Connections to %s are refused with a TCP reset.  Apple's "
                                 "push servers never refuse these ports, so a firewall on "
                                 "the way answers for them (\"reject with tcp-reset\"), and "
                                 "no way to the push service is left.", h);
        f->advice_user = pp_xstrdup("Try another network (a phone's hotspot) to confirm; "
                                    "ask whoever runs this network to allow Apple push.");
    }
    free(h);
    f->advice_admin = pp_xstrdup("Find the rule that rejects with a TCP reset (firewall, "
                                 "router, security appliance) and allow outgoing TCP 5223 and "
                                 "443 to 17.0.0.0/8 (IPv6: 2620:149:a44::/48 and the other "
                                 "push blocks).");
    trace_where(c, f, idx, n);
    claim(c, f, idx, n);
}

/* TCP connected, the ClientHello left, a reset came back before any byte
 * of the server's: a filter that reads the server name and resets. */
static bool
pick_hello_reset(const struct pp_result *r)
{
    const struct pp_kv *k = pp_detail_get(r, "reset_phase");

    return r->state == PP_ST_TLS_FAILED && k != NULL && k->type == PP_KV_STR &&
           strcmp(k->s, "after-client-hello") == 0;
}

void
rule_hello_reset(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_hello_reset, idx, MAXSEL);
    struct pp_finding *f;
    char *h;

    if (n == 0)
        return;
    h = hosts(c, idx, n, true);
    f = emit(c, "TLS_SNI_FILTER", any_required_dead(c, idx, n) ? PP_SEV_CRITICAL
                                                               : PP_SEV_WARNING);
    f->title = pp_xstrdup("Reset after the TLS ClientHello: a firewall filtering by server "
                          "name");
    f->detail = pp_xasprintf("The TCP connection to %s opens, and is reset right after the "
                             "TLS ClientHello, before any byte from the server: a firewall "
                             "or web filter (school, company, parental control) reads the "
                             "server name in the ClientHello and resets connections to names "
                             "it blocks.", h);
    free(h);
    f->advice_user = pp_xstrdup("Ask whoever runs the network or the web filter to allow "
                                "Apple's services; try another network to confirm.");
    f->advice_admin = pp_xstrdup("Allow these server names in the firewall's TLS/SNI or "
                                 "web-category filter (*.apple.com, *.push.apple.com and your "
                                 "MDM's name).");
    claim(c, f, idx, n);
}

/* --hold: the idle push connection was closed, or no longer carried
 * traffic when used again after the idle time. */
static bool
pick_idle_lost(const struct pp_result *r)
{
    return r->reason == PP_RS_CONN_LOST && r->target->service == PP_SV_APNS_DEVICE &&
           pp_detail_get(r, "held_s") != NULL;
}

void
rule_idle_timeout(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_idle_lost, idx, MAXSEL), i;
    double lo = -1, hi = -1;
    bool silent = false;
    struct pp_finding *f;
    char *h;

    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        const struct pp_result *r = c->rep->results[idx[i]];
        const struct pp_kv *k = pp_detail_get(r, "held_s");
        double held = k->type == PP_KV_NUM ? k->d : (double)k->i;

        if (lo < 0 || held < lo)
            lo = held;
        if (held > hi)
            hi = held;
        silent = silent || pp_detail_get(r, "liveness") != NULL;
    }
    h = hosts(c, idx, n, true);
    f = emit(c, "IDLE_TIMEOUT", PP_SEV_WARNING);
    f->title = pp_xstrdup("Idle push connections are dropped: an idle timeout on the way");
    if (lo >= 0 && hi - lo >= 1.0)
        f->detail = pp_xasprintf("The push connection to %s, held idle as a device holds it, "
                                 "was lost after %.0f to %.0f s%s.  Devices keep one idle "
                                 "connection to Apple open for pushes; a router, NAT or "
                                 "firewall whose idle timeout is shorter than push's "
                                 "keepalive interval drops it, and pushes arrive late or not "
                                 "at all until the device reconnects.", h, lo, hi,
                                 silent ? " (it no longer carried traffic when used again: "
                                 "the flow was forgotten without a reset)" : "");
    else
        f->detail = pp_xasprintf("The push connection to %s, held idle as a device holds it, "
                                 "was lost after %.0f s%s.  Devices keep one idle "
                                 "connection to Apple open for pushes; a router, NAT or "
                                 "firewall whose idle timeout is shorter than push's "
                                 "keepalive interval drops it, and pushes arrive late or not "
                                 "at all until the device reconnects.", h, lo,
                                 silent ? " (it no longer carried traffic when used again: "
                                 "the flow was forgotten without a reset)" : "");
    free(h);
    f->advice_user = pp_xstrdup("If pushes arrive late on this network only, tell whoever "
                                "runs it that idle connections to Apple are cut.");
    f->advice_admin = pp_xstrdup("Raise the idle timeout for established TCP connections "
                                 "(NAT and connection tracking, e.g. the router's TCP "
                                 "timeout or nf_conntrack_tcp_timeout_established) for 5223 "
                                 "and 443 to 17.0.0.0/8 well above the push keepalive "
                                 "interval of the devices, or exempt them from idle timeouts.");
    claim(c, f, idx, n);
}

/* Checks that heard nothing at first, beside others that were rejected
 * with ICMP, and were tried again one at a time (the engine's re-probes). */
void
rule_icmp_rate_limited(struct ctx *c)
{
    size_t i, nre = 0, nsus = 0, nsilent = 0;
    const char *router = NULL;
    struct pp_finding *f;
    struct sbuf b = {0};

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        const struct pp_kv *k = pp_detail_get(r, "reprobe");

        if (!pp_result_counted(r))
            continue;
        if (pp_detail_get(r, "rate_limit_suspect") != NULL)
            nsus++;
        if (k == NULL)
            continue;
        if (r->icmp_from[0] != '\0') {
            nre++;
            router = router ? router : r->icmp_from;
        } else if (r->state == PP_ST_FILTERED) {
            nsilent++;
        }
    }
    if (nre + nsus == 0)
        return;
    f = emit(c, "ICMP_RATE_LIMITED", PP_SEV_INFO);
    f->title = pp_xstrdup("The router rate-limits its ICMP rejects: silent checks were tried "
                          "again");
    if (nre > 0)
        sb_add(&b, "%zu check%s heard nothing at first while others were rejected, and %s "
               "rejected by %s when tried again one at a time: routers send only a few ICMP "
               "errors a second (Linux: a burst of 6, then one a second), so those past the "
               "burst saw silence.  They are reported as rejected, not as silently dropped.",
               nre, nre == 1 ? "" : "s", nre == 1 ? "was" : "were", router);
    if (nsilent > 0)
        sb_add(&b, "%s%zu stayed silent when tried again: those are dropped.", b.len ? "  " : "",
               nsilent);
    if (nsus > 0)
        sb_add(&b, "%s%zu silent check%s could not be tried again before the run's deadline: "
               "they may have been rejected too (details rate_limit_suspect).",
               b.len ? "  " : "", nsus, nsus == 1 ? "" : "s");
    f->detail = sb_take(&b);
    f->advice_user = pp_xstrdup("Nothing to do about this: it explains the results.");
    f->advice_admin = pp_xstrdup("Expected behaviour of routers; for audits of many rejected "
                                 "ports, lower --parallel or raise --run-timeout.");
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (pp_result_counted(r) && (pp_detail_get(r, "rate_limit_suspect") != NULL ||
                                     (pp_detail_get(r, "reprobe") && r->icmp_from[0])))
            add_check(f, r);
    }
}
