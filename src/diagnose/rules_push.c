/* SPDX-License-Identifier: ISC */
/*
 * The rules of push (APNs): IPv6, the devices' and providers' ports, the
 * retired ports set aside, and checks that do not apply here.
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

/* A target's results in the report, by family. */
static bool
target_ok_family(struct ctx *c, const struct pp_target *t, int family)
{
    size_t i;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (r->target == t && r->family == family && r->state == PP_ST_OK &&
            pp_result_counted(r))
            return true;
    }
    return false;
}

void
rule_ipv6(struct ctx *c)
{
    size_t idx[MAXSEL], n = 0, i;
    struct pp_finding *f;
    char *h, *mode;

    for (i = 0; i < c->rep->n && n < MAXSEL; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (c->explained[i] || r->state == PP_ST_OK || r->family != AF_INET6 ||
            !pp_result_counted(r))
            continue;
        if (r->state != PP_ST_FILTERED && r->state != PP_ST_UNREACHABLE &&
            r->state != PP_ST_BLOCKED && r->state != PP_ST_CLOSED)
            continue;
        if (target_ok_family(c, r->target, AF_INET))
            idx[n++] = i;
    }
    if (n == 0)
        return;
    f = emit(c, "IPV6_BROKEN", PP_SEV_WARNING);
    f->title = pp_xstrdup("IPv6 fails where IPv4 works");
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f->detail = pp_xasprintf("Over IPv6, %s: %s; over IPv4 the same services work.  "
                             "Devices that prefer IPv6 may see delays or failures.", h, mode);
    free(mode);
    free(h);
    f->advice_user = pp_xstrdup("If problems persist, restart the router; turning IPv6 off "
                                "on the router is a workaround.");
    f->advice_admin = pp_xstrdup("Fix IPv6 routing or the IPv6 firewall rules: the same "
                                 "ports must be open for IPv6 as for IPv4.");
    claim(c, f, idx, n);
}

static bool
is_courier_port(const struct pp_result *r, uint16_t port)
{
    return r->target->service == PP_SV_APNS_DEVICE && r->target->port == port;
}

/* Push works only on 443 through a proxy: degraded, under Apple's
 * conditions for proxies. */
static struct pp_finding *
apns_via_proxy(struct ctx *c, const char *mode, size_t nf)
{
    struct pp_finding *f = emit(c, "APNS_VIA_PROXY", PP_SEV_WARNING);
    const char *url = "the proxy";
    size_t i;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (r->target->service == PP_SV_APNS_DEVICE && r->target->via != NULL &&
            r->state == PP_ST_OK) {
            url = r->target->via->url;
            add_check(f, r);
        }
    }
    f->title = pp_xasprintf("Apple push works only through the proxy %s, on port 443", url);
    f->detail = pp_xasprintf("%s%s%sThrough the proxy, the push service answers on 443 with "
                             "Apple's certificate, so devices that use the proxy get pushes "
                             "on 443 (never 5223).  Apple's conditions: devices reach APNs "
                             "through an HTTP proxy configured on the device or by a "
                             "configuration profile (through a PAC file from macOS 10.15.5 "
                             "and iOS/iPadOS 13.4), and the 443 fallback works through a "
                             "proxy only if it does not decrypt.",
                             nf > 0 ? "Direct connections to Apple's push servers on 5223 "
                             "are " : "", nf > 0 ? mode : "", nf > 0 ? ".  " : "");
    f->advice_user = pp_xstrdup("Keep the proxy setting on the device; pushes may be "
                                "late when the proxy is slow.");
    return f;
}

/* The device side of push, counted: the courier checks on 5223 (and
 * which of them failed), those on 443, and how many of those went
 * direct. */
struct apns_tally {
    size_t n5223, n443, ok5223, ok443, ok443_direct, nf, unexplained;
    size_t fidx[MAXSEL];
};

static void
apns_count(struct ctx *c, struct apns_tally *s)
{
    size_t i;

    memset(s, 0, sizeof(*s));
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r) || c->expected[i])
            continue;
        if (is_courier_port(r, 5223)) {
            s->n5223++;
            s->ok5223 += r->state == PP_ST_OK;
            if (r->state != PP_ST_OK && s->nf < MAXSEL) {
                s->fidx[s->nf++] = i;
                s->unexplained += !c->explained[i];
            }
        } else if (r->target->service == PP_SV_APNS_DEVICE) {
            s->n443++;
            s->ok443 += r->state == PP_ST_OK;
            s->ok443_direct += r->state == PP_ST_OK && r->target->via == NULL;
        }
    }
}

/* 5223 works: APNS_OK, a warning when some addresses fail unexplained. */
static void
apns_ok(struct ctx *c, struct apns_tally *s)
{
    struct pp_finding *f;
    char *mode;
    size_t i;

    f = emit(c, "APNS_OK", s->unexplained > 0 ? PP_SEV_WARNING : PP_SEV_INFO);
    f->title = pp_xstrdup("Apple push works: devices reach the push service on port 5223");
    if (s->unexplained > 0) {
        /* Some addresses fail for no reason found above: say how. */
        size_t uidx[MAXSEL], nu = 0;
        for (i = 0; i < s->nf; i++)
            if (!c->explained[s->fidx[i]])
                uidx[nu++] = s->fidx[i];
        mode = how(c, uidx, nu);
        f->detail = pp_xasprintf("%zu of %zu connections to Apple's push servers on 5223 "
                                 "succeed, with Apple's certificate; %zu are %s.",
                                 s->ok5223, s->n5223, nu, mode);
        free(mode);
        claim(c, f, uidx, nu);
    } else {
        f->detail = pp_xasprintf("%zu of %zu connections to Apple's push servers on 5223 "
                                 "succeed, with Apple's certificate.", s->ok5223, s->n5223);
    }
    f->advice_user = pp_xstrdup("Nothing to do for push notifications on this network.");
    f->advice_admin = pp_xstrdup("Nothing to do.");
    for (i = 0; i < c->rep->n; i++)
        if (is_courier_port(c->rep->results[i], 5223) &&
            c->rep->results[i]->state == PP_ST_OK && pp_result_counted(c->rep->results[i]))
            add_check(f, c->rep->results[i]);
}

/* 5223 fails: through the proxy only, the 443 fallback, or blocked. */
static void
apns_not_ok(struct ctx *c, struct apns_tally *s)
{
    struct pp_finding *f;
    char *mode;
    size_t i;

    mode = how(c, s->fidx, s->nf);
    if (s->ok443 > 0 && s->ok443_direct == 0) {
        f = apns_via_proxy(c, mode, s->nf);
    } else if (s->ok443 > 0) {
        f = emit(c, "APNS_FALLBACK_443", PP_SEV_WARNING);
        f->title = pp_xstrdup("Port 5223 to Apple is blocked; pushes fall back to port 443");
        f->detail = pp_xasprintf("Connections to Apple's push servers on 5223 are %s.  "
                                 "Port 443 works, so pushes still arrive, but Apple's older "
                                 "guidance limits this fallback to Wi-Fi, and it fails "
                                 "through proxies that decrypt traffic.", mode);
        f->advice_user = pp_xstrdup("Pushes should still arrive on this network; if they "
                                    "are late, ask whoever runs the network to open port "
                                    "5223.");
    } else {
        f = emit(c, "APNS_BLOCKED", PP_SEV_CRITICAL);
        f->title = pp_xstrdup("Apple push is blocked: devices cannot reach the push service");
        f->detail = pp_xasprintf("Connections to Apple's push servers on 5223 are %s, and "
                                 "the fallback on 443 fails too.  Devices will not get push "
                                 "notifications, so MDM commands wait until the next check-in.",
                                 mode);
        f->advice_user = pp_xstrdup("Try another network (a phone's hotspot) to confirm; "
                                    "ask whoever runs this network to allow Apple push.");
    }
    free(mode);
    f->advice_admin = pp_xstrdup("Allow outgoing TCP 5223 and 443 to 17.0.0.0/8 (IPv6: "
                                 "2620:149:a44::/48, 2403:300:a42::/48, 2403:300:a51::/48, "
                                 "2a01:b740:a42::/48) without TLS inspection.");
    trace_where(c, f, s->fidx, s->nf);
    claim(c, f, s->fidx, s->nf);
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (r->target->service == PP_SV_APNS_DEVICE && r->target->port != 5223 &&
            failed(r) && !c->explained[i] && pp_result_counted(r)) {
            add_check(f, r);
            c->explained[i] = true;
        }
    }
}

void
rule_apns_device(struct ctx *c)
{
    enum pp_verdict_v *v = &c->out->verdict[PP_AREA_PUSH];
    struct apns_tally s;

    apns_count(c, &s);
    if (s.n5223 + s.n443 == 0) {
        *v = PP_V_NOT_CHECKED;
        return;
    }
    if (s.ok5223 > 0) {
        *v = s.nf > 0 ? PP_V_DEGRADED : PP_V_OK;
        apns_ok(c, &s);
        return;
    }
    *v = s.ok443 > 0 ? PP_V_DEGRADED : PP_V_BLOCKED;
    if (s.unexplained == 0 && s.nf > 0)
        return;   /* an earlier finding (DNS, interception, portal) says why */
    apns_not_ok(c, &s);
}

static bool pick_provider(const struct pp_result *r) { return is_service(r, PP_SV_APNS_PROVIDER); }

void
rule_apns_provider(struct ctx *c)
{
    size_t idx[MAXSEL], n, i, total = 0;
    struct pp_finding *f;
    char *mode;

    for (i = 0; i < c->rep->n; i++)
        total += pick_provider(c->rep->results[i]) &&
                 pp_result_counted(c->rep->results[i]);
    n = select_failed(c, pick_provider, idx, MAXSEL);
    if (n == 0 || n < total)
        return;   /* one of 443 and 2197 works: the provider API is reachable */
    mode = how(c, idx, n);
    f = emit(c, "APNS_PROVIDER_BLOCKED", PP_SEV_WARNING);
    f->title = pp_xstrdup("MDM servers here cannot send pushes (api.push.apple.com blocked)");
    f->detail = pp_xasprintf("api.push.apple.com on 443 and 2197 is %s.  This matters where "
                             "an MDM server runs, not for devices.", mode);
    free(mode);
    f->advice_user = pp_xstrdup("Nothing to do on a device.");
    f->advice_admin = pp_xstrdup("From the MDM server, allow outgoing TCP 443 (or 2197) to "
                                 "api.push.apple.com (17.0.0.0/8) with HTTP/2, without TLS "
                                 "inspection.");
    claim(c, f, idx, n);
}

static bool pick_legacy(const struct pp_result *r) { return is_service(r, PP_SV_APNS_LEGACY); }

/* 2195/2196: retired, so their state is information either way. */
/* This machine has no IPv6 route at all (an IPv4-only network, as many
 * homes and hotels are): every IPv6 check failed inside connect(), before
 * any packet left, while IPv4 works.  Devices use IPv4 there: the IPv6
 * checks do not apply, and are not a broken IPv6. */
void
rule_ipv6_unavailable(struct ctx *c)
{
    size_t idx[MAXSEL], n = 0, i, ok4 = 0;
    struct pp_finding *f;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r) || !r->has_address)
            continue;
        if (r->family == AF_INET) {
            ok4 += r->state == PP_ST_OK;
            continue;
        }
        if (r->family != AF_INET6)
            continue;
        if (r->state != PP_ST_UNREACHABLE || r->reason != PP_RS_NO_ROUTE ||
            r->icmp_from[0] != '\0')
            return;   /* an IPv6 check got further: IPv6 is there */
        if (n < MAXSEL && !c->explained[i])
            idx[n++] = i;
    }
    if (n == 0 || ok4 == 0)
        return;
    f = emit(c, "IPV6_UNAVAILABLE", PP_SEV_INFO);
    f->title = pp_xstrdup("No IPv6 on this network: devices use IPv4 here");
    f->detail = pp_xasprintf("This machine has no route for IPv6, so none of the %zu IPv6 "
                             "checks could start (no-route, before any packet left) while "
                             "IPv4 works.  Apple devices then use IPv4 alone; the IPv6 checks "
                             "do not apply.", n);
    f->advice_user = pp_xstrdup("Nothing to do.");
    f->advice_admin = pp_xstrdup("Nothing to do for push; if this network should have IPv6, "
                                 "check the router's IPv6 (router advertisements, DHCPv6).");
    claim_expected(c, f, idx, n);
}

/* An IPv4 check without a route on an IPv6-only network, of a target that
 * has an IPv6 check (so whose verdict the IPv6 path gives): expected.
 * Stranded: one of a target with no IPv6 address at all. */
static bool
has_ipv6(const struct pp_report *rep, const struct pp_target *t)
{
    size_t k;

    for (k = 0; k < rep->n; k++)
        if (rep->results[k]->target == t && rep->results[k]->has_address &&
            rep->results[k]->family == AF_INET6)
            return true;
    return false;
}

/* The ipv4-unavailable checks not yet explained, with or without an IPv6
 * check beside them. */
static size_t
select_no_ipv4(struct ctx *c, bool with_v6, size_t *idx, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < c->rep->n && n < max; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!c->explained[i] && pp_result_counted(r) && r->reason == PP_RS_IPV4_UNAVAILABLE &&
            has_ipv6(c->rep, r->target) == with_v6)
            idx[n++] = i;
    }
    return n;
}

static void
ipv6_only_text(struct ctx *c, struct pp_finding *f, size_t n, size_t stranded)
{
    const struct pp_nat64_info *nat = &c->rep->nat64;
    bool with = nat->prefix[0] != '\0';
    size_t i, ok6 = 0;
    char *why;

    for (i = 0; i < c->rep->n; i++)
        ok6 += c->rep->results[i]->family == AF_INET6 &&
               c->rep->results[i]->state == PP_ST_OK && pp_result_counted(c->rep->results[i]);
    if (with)
        f->title = pp_xasprintf("IPv6-only network with NAT64 (prefix %s): this works for "
                                "Apple devices", nat->prefix);
    else if (stranded > 0)
        f->title = pp_xasprintf("IPv6-only network without NAT64: %zu check%s of names with "
                                "only IPv4 addresses cannot be reached", stranded,
                                stranded > 1 ? "s" : "");
    else
        f->title = pp_xstrdup("IPv6-only network without NAT64: names with IPv4 addresses "
                              "only cannot be reached");
    why = nat->no_ipv4_route ? pp_xasprintf(", so the IPv4 checks that found no route do not "
                                            "apply (%zu ipv4-unavailable)", n)
                             : pp_xstrdup(": its IPv4 goes through a 464XLAT CLAT, translated "
                                          "to IPv6 on this machine");
    f->detail = pp_xasprintf(
        "This machine has no native IPv4 route%s; %zu IPv6 checks work.  %s", why, ok6,
        with ? "DNS64 gives names without IPv6 addresses synthesized ones inside the "
        "prefix and NAT64 translates them; such an address is judged by the IPv4 address it "
        "embeds.  Apple devices work on IPv6-only networks with NAT64." :
        "ipv4only.arpa has no IPv6 address here (RFC 7050): no DNS64, so a name with only "
        "IPv4 addresses has no way in.");
    free(why);
    f->advice_user = pp_xstrdup(stranded > 0 ? "Use a network with IPv4 or with NAT64 for "
                                "now." : "Nothing to do.");
    f->advice_admin = pp_xstrdup(with ? "Nothing to do for Apple devices; the IPv6 checks "
                                 "are the ones that count here." : "Give the network DNS64 "
                                 "and NAT64 (or native IPv4) if it must reach IPv4-only "
                                 "hosts.");
}

/* An IPv6-only network (no native IPv4; most mobile carriers, many Wi-Fi
 * networks): the IPv4 checks that found no route do not apply
 * (ipv4-unavailable) where the name has IPv6 addresses, native or
 * synthesized, whose checks give the verdicts.  A name with no IPv6
 * address at all (no DNS64) cannot be reached: those IPv4 checks stay
 * failures, this finding's when there is no NAT64. */
void
rule_ipv6_only(struct ctx *c)
{
    const struct pp_nat64_info *nat = &c->rep->nat64;
    size_t idx[MAXSEL], sidx[MAXSEL], n, ns, i;
    struct pp_finding *f;
    bool with = nat->prefix[0] != '\0', required = false;
    enum pp_severity sev = PP_SEV_INFO;

    n = select_no_ipv4(c, true, idx, MAXSEL);
    ns = with ? 0 : select_no_ipv4(c, false, sidx, MAXSEL);
    if (!nat->ipv6_only && n == 0 && ns == 0)
        return;
    for (i = 0; i < ns; i++)
        required = required || c->rep->results[sidx[i]]->target->required;
    if (ns > 0)
        sev = required ? PP_SEV_CRITICAL : PP_SEV_WARNING;
    f = emit(c, with ? "IPV6_ONLY_NAT64" : "IPV6_ONLY", sev);
    ipv6_only_text(c, f, n, ns);
    claim_expected(c, f, idx, n);
    while ((n = select_no_ipv4(c, true, idx, MAXSEL)) > 0)
        claim_expected(c, f, idx, n);
    claim(c, f, sidx, ns);
}

/* First of all: a failed retired port is expected, whatever the failure
 * (no DNS or portal finding takes it); its finding comes in its place. */
void
rule_legacy_aside(struct ctx *c)
{
    size_t i;

    c->nlegacy = select_failed(c, pick_legacy, c->legacy, sizeof(c->legacy) /
                                                          sizeof(c->legacy[0]));
    for (i = 0; i < c->nlegacy; i++) {
        c->explained[c->legacy[i]] = true;
        c->expected[c->legacy[i]] = true;
    }
}

void
rule_legacy(struct ctx *c)
{
    size_t *idx = c->legacy, n = c->nlegacy, i;
    struct pp_finding *f;
    char *h, *mode;
    bool answered = false;

    if (n > 0) {
        f = emit(c, "APNS_LEGACY_RETIRED", PP_SEV_INFO);
        f->title = pp_xstrdup("Legacy push ports 2195/2196 do not answer: expected, Apple "
                              "retired them");
        h = hosts(c, idx, n, true);
        mode = how(c, idx, n);
        f->detail = pp_xasprintf("%s: %s.  Apple retired the binary provider interface on "
                                 "2021-03-31; the state of 2195 and 2196 does not matter.",
                                 h, mode);
        free(h);
        free(mode);
        f->advice_user = pp_xstrdup("Nothing to do.");
        f->advice_admin = pp_xstrdup("Firewall rules for 2195/2196 can be removed.");
        claim_expected(c, f, idx, n);
    }
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (pick_legacy(r) && r->state == PP_ST_OK && pp_result_counted(r))
            answered = true;
    }
    if (!answered)
        return;
    f = emit(c, "APNS_LEGACY_ANSWERS", PP_SEV_INFO);
    f->title = pp_xstrdup("Legacy push ports 2195/2196 answer: harmless, Apple retired them");
    f->detail = pp_xstrdup("Something still answers on the retired binary provider ports "
                           "(Apple retired them on 2021-03-31).  Open or closed, they do not "
                           "matter for push.");
    f->advice_user = pp_xstrdup("Nothing to do.");
    f->advice_admin = pp_xstrdup("Nothing to do; MDM servers use api.push.apple.com on 443 "
                                 "or 2197.");
    for (i = 0; i < c->rep->n; i++)
        if (pick_legacy(c->rep->results[i]) && c->rep->results[i]->state == PP_ST_OK &&
            pp_result_counted(c->rep->results[i]))
            add_check(f, c->rep->results[i]);
}

static bool pick_excluded(const struct pp_result *r) { return r->reason == PP_RS_FAMILY_EXCLUDED; }

/* An address literal of the family -4 or -6 leaves out: nothing to check,
 * and no DNS involved. */
void
rule_not_applicable(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_excluded, idx, MAXSEL);
    struct pp_finding *f;
    char *h;
    int fam;

    if (n == 0)
        return;
    fam = pp_host_literal(c->rep->results[idx[0]]->target->host);
    h = hosts(c, idx, n, true);
    f = emit(c, "NOT_APPLICABLE", PP_SEV_INFO);
    f->title = pp_xasprintf("Not applicable: %s %s an IPv%d address and this run checks "
                            "IPv%d only", h, n > 1 ? "are" : "is", fam == 6 ? 6 : 4,
                            fam == 6 ? 4 : 6);
    f->detail = pp_xasprintf("%s: no query was made and no connection tried; -%d leaves "
                             "IPv%d out.", h, fam == 6 ? 4 : 6, fam == 6 ? 6 : 4);
    free(h);
    f->advice_user = pp_xstrdup("Nothing to do.");
    f->advice_admin = pp_xasprintf("Run without -%d (or give a name or an IPv%d address) to "
                                   "check it.", fam == 6 ? 4 : 6, fam == 6 ? 4 : 6);
    claim_expected(c, f, idx, n);
}
