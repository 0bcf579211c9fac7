/* SPDX-License-Identifier: ISC */
/*
 * The rules of what the network does to every name and connection: DNS
 * (failed, answered from outside), the clock, a captive portal, TLS
 * interception and the MTU.
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

/* ------------------------------------------------------------- rules */

static bool
pick_dns(const struct pp_result *r)
{
    return r->state == PP_ST_DNS_FAILED;
}

/* Apple's own names (apple-network.md, section 1): the domains Apple's
 * services live under.  Everything else is the company's or the user's. */
static bool
apple_name(const char *host)
{
    static const char *const domains[] = {"apple.com", "cdn-apple.com", "icloud.com",
                                          "mzstatic.com", "apple-cloudkit.com",
                                          "aaplimg.com"};
    size_t i, n = strlen(host), d;

    if (n > 0 && host[n - 1] == '.')
        n--;
    for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
        d = strlen(domains[i]);
        if (n == d && strncasecmp(host, domains[i], d) == 0)
            return true;
        if (n > d && host[n - d - 1] == '.' && strncasecmp(host + n - d, domains[i], d) == 0)
            return true;
    }
    return false;
}

/* A name of this group (Apple's or not) gave an address in this run. */
static bool
some_name_resolved(struct ctx *c, bool apple)
{
    size_t i;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (r->has_address && r->state != PP_ST_DNS_FAILED && pp_result_counted(r) &&
            pp_host_literal(r->target->host) == 0 &&
            apple_name(r->target->host) == apple)
            return true;
    }
    return false;
}

/* Names the DNS server answers for: NXDOMAIN or no address of the family. */
static bool
answered_no(enum pp_reason rs)
{
    return rs == PP_RS_NXDOMAIN || rs == PP_RS_NO_ADDRESS;
}

/* "mdm.corp.example (MDM server)" for each distinct name of idx. */
static char *
names_with_service(struct ctx *c, const size_t *idx, size_t n)
{
    struct sbuf b = {0};
    size_t i, k;

    for (i = 0; i < n; i++) {
        const struct pp_target *t = c->rep->results[idx[i]]->target;
        for (k = 0; k < i; k++)
            if (strcmp(c->rep->results[idx[k]]->target->host, t->host) == 0)
                break;
        if (k < i)
            continue;
        sb_add(&b, "%s%s (%s)", b.len ? ", " : "", t->host, pp_service_title(t->service));
    }
    return sb_take(&b);
}

/* A root cause that explains every failure of its kind explains the
 * retired ports' too: they join its checks (expected still) instead of a
 * finding of their own.  dns_only: only those that did not resolve. */
static void
fold_legacy(struct ctx *c, struct pp_finding *f, bool dns_only)
{
    size_t i, k = 0;

    for (i = 0; i < c->nlegacy; i++) {
        const struct pp_result *r = c->rep->results[c->legacy[i]];
        if (!dns_only || r->state == PP_ST_DNS_FAILED)
            add_check(f, r);
        else
            c->legacy[k++] = c->legacy[i];
    }
    c->nlegacy = k;
}

/* The resolver itself fails: timeouts, SERVFAIL, refusals, or every name of
 * the run answered as nonexistent. */
static void
dns_resolver(struct ctx *c, const size_t *idx, size_t n, bool all_nx)
{
    struct pp_finding *f;
    char *h = how(c, idx, n);

    f = emit(c, "DNS_FAILED", any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    if (all_nx) {
        f->title = pp_xstrdup("DNS does not work: the DNS server says no name exists");
        f->detail = pp_xasprintf("None of the %zu names of this run resolves: %s, Apple's "
                                 "names and the others alike.  A resolver that denies every "
                                 "name is broken or filters everything.", n, h);
    } else {
        f->title = pp_xstrdup("DNS does not work: names cannot be looked up");
        f->detail = pp_xasprintf("%zu of %zu names failed to resolve: %s.", n, c->rep->n, h);
    }
    free(h);
    f->advice_user = pp_xstrdup("Check the network's DNS settings, or try another "
                                "network; restarting the router often helps.");
    f->advice_admin = pp_xstrdup("The DNS server this device uses does not answer "
                                 "properly: check that it runs, that it can reach its "
                                 "forwarders, and that UDP and TCP 53 to it are allowed.");
    claim(c, f, idx, n);
    fold_legacy(c, f, true);
}

/* Apple's names answered as nonexistent: a filter or blocklist. */
static void
dns_apple_missing(struct ctx *c, const size_t *idx, size_t n, bool others_resolve)
{
    struct pp_finding *f;
    char *h = hosts(c, idx, n, false);

    f = emit(c, "DNS_FAILED", any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    f->title = pp_xstrdup("Apple's names are missing from DNS");
    f->detail = pp_xasprintf("The DNS server answers that these names do not exist: %s%s.  "
                             "Apple's names exist: a DNS filter or blocklist is removing "
                             "them.", h, others_resolve ? ", while other names resolve" : "");
    free(h);
    f->advice_user = pp_xstrdup("If a content filter, ad blocker or parental control "
                                "is in use, allow Apple's domains (apple.com).");
    f->advice_admin = pp_xstrdup("Remove apple.com and push.apple.com from DNS "
                                 "blocklists (Pi-hole, DNS filtering services).");
    claim(c, f, idx, n);
}

/* Names that are not Apple's (the company's servers, the user's targets)
 * answered as nonexistent while the resolver works: they exist only inside
 * the company network (split DNS), or they are misspelt. */
static void
dns_company_names(struct ctx *c, const size_t *idx, size_t n, bool apple_resolves,
                  bool all_nx)
{
    struct pp_finding *f;
    char *h = names_with_service(c, idx, n);
    const char *first = c->rep->results[idx[0]]->target->host;
    size_t i, k, names = 0;

    for (i = 0; i < n; i++) {
        for (k = 0; k < i; k++)
            if (strcmp(c->rep->results[idx[k]]->target->host,
                       c->rep->results[idx[i]]->target->host) == 0)
                break;
        names += k == i;
    }
    f = emit(c, "DNS_COMPANY_NAMES", any_required(c, idx, n) ? PP_SEV_CRITICAL
                                                              : PP_SEV_WARNING);
    if (names == 1)
        f->title = pp_xasprintf("The name %s is not found in DNS: a name of the company's "
                                "network, or a typo", first);
    else
        f->title = pp_xasprintf("%zu names outside Apple are not found in DNS: names of the "
                                "company's network, or typos", names);
    if (all_nx)
        f->detail = pp_xasprintf("The DNS server answers that %s do%s not exist%s.  Either %s "
                                 "only inside the company network (split DNS, reached over the "
                                 "company VPN), or %s misspelt: check '%s'.", h,
                                 names > 1 ? "" : "es",
                                 apple_resolves ? ", while Apple's names resolve, so DNS "
                                                  "itself works" : "",
                                 names > 1 ? "they exist" : "it exists",
                                 names > 1 ? "a name is" : "it is", first);
    else {
        char *mode = how(c, idx, n);
        f->detail = pp_xasprintf("%s: %s, while Apple's names resolve, so DNS itself works "
                                 "and only the company's zone fails: its DNS servers are "
                                 "reached only from inside the company network (split DNS "
                                 "over the company VPN), or they are down.  Check '%s' too.",
                                 h, mode, first);
        free(mode);
    }
    free(h);
    f->advice_user = pp_xasprintf("If the company has a VPN, connect it and run the check "
                                  "again; otherwise check the spelling of %s.", first);
    f->advice_admin = pp_xstrdup("Check that the name is right (the one in the MDM's or "
                                 "the package's settings) and that devices can resolve it "
                                 "where they are: a public DNS record, or split DNS over the "
                                 "VPN.");
    claim(c, f, idx, n);
}

/* DNS failures, by whose names fail: Apple's names missing while others
 * resolve is a filter; only the company's names missing is split DNS or a
 * typo; every name failing, or the server not answering, is the resolver. */
void
rule_dns_failed(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_dns, idx, MAXSEL), i;
    size_t ai[MAXSEL], oi[MAXSEL], na = 0, no = 0, resolver = 0;
    bool apple_ok, other_ok;

    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        const struct pp_result *r = c->rep->results[idx[i]];
        if (!answered_no(r->reason))
            resolver++;
        else if (apple_name(r->target->host))
            ai[na++] = idx[i];
        else
            oi[no++] = idx[i];
    }
    apple_ok = some_name_resolved(c, true);
    other_ok = some_name_resolved(c, false);
    if (resolver > 0) {
        /* Apple's names resolve and only names outside Apple time out or
         * fail: the company's zone, not the resolver. */
        for (i = 0; i < n && !apple_name(c->rep->results[idx[i]]->target->host); i++)
            ;
        if (i == n && apple_ok)
            dns_company_names(c, idx, n, true, false);
        else
            dns_resolver(c, idx, n, false);
        return;
    }
    if (!apple_ok && !other_ok && na > 0 && no > 0) {
        dns_resolver(c, idx, n, true);
        return;
    }
    if (na > 0)
        dns_apple_missing(c, ai, na, apple_ok || other_ok);
    if (no > 0)
        dns_company_names(c, oi, no, apple_ok, true);
}

static bool
pick_outside(const struct pp_result *r)
{
    return r->reason == PP_RS_DNS_OUTSIDE_APPLE;
}

void
rule_dns_outside(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_outside, idx, MAXSEL), i;
    struct pp_finding *f;
    struct sbuf b = {0};

    if (n == 0)
        return;
    f = emit(c, "DNS_OUTSIDE_APPLE", any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    f->title = pp_xstrdup("Apple's push names resolve to addresses that are not Apple's");
    sb_add(&b, "Answers outside 17.0.0.0/8:");
    for (i = 0; i < n && i < 8; i++) {
        const struct pp_result *r = c->rep->results[idx[i]];
        sb_add(&b, " %s -> %s%s", r->target->host, r->address, i + 1 < n && i < 7 ? ";" : ".");
    }
    sb_add(&b, " A DNS blocklist, a filter or a hijack answers for Apple.");
    f->detail = sb_take(&b);
    f->advice_user = pp_xstrdup("Turn off DNS-based ad blockers or filters for Apple's "
                                "domains, or try another network.");
    f->advice_admin = pp_xstrdup("Remove push.apple.com from DNS sinkholes and blocklists; "
                                 "the names must resolve to Apple's own addresses.");
    claim(c, f, idx, n);
}

static bool pick_skew(const struct pp_result *r) { return r->reason == PP_RS_CLOCK_SKEW; }

static bool
pick_cert_time(const struct pp_result *r)
{
    return r->reason == PP_RS_CERT_EXPIRED || r->reason == PP_RS_CERT_NOT_YET_VALID;
}

void
rule_clock(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_skew, idx, MAXSEL), m;
    const struct pp_kv *off;
    struct pp_finding *f;

    if (n == 0)
        return;
    off = pp_detail_get(c->rep->results[idx[0]], PP_DETAIL_OFFSET_S);
    f = emit(c, "CLOCK_SKEW", PP_SEV_CRITICAL);
    f->title = pp_xstrdup("This device's clock is wrong: secure connections fail");
    f->detail = pp_xasprintf("The time server says this clock is off by %.0f seconds.  "
                             "Certificates look expired or not yet valid, so every TLS "
                             "connection (pushes included) can fail.",
                             off ? off->d : 0.0);
    f->advice_user = pp_xstrdup("Set the date and time automatically (Settings, General, "
                                "Date & Time), then try again.");
    f->advice_admin = pp_xstrdup("Allow NTP (UDP 123) to time.apple.com so devices keep "
                                 "their clocks right.");
    claim(c, f, idx, n);
    /* Certificates that look expired are symptoms of the clock. */
    m = select_failed(c, pick_cert_time, idx, MAXSEL);
    claim(c, f, idx, m);
}

static bool pick_captive(const struct pp_result *r) { return r->reason == PP_RS_CAPTIVE_PORTAL; }
static bool pick_any(const struct pp_result *r) { (void)r; return true; }

/* Names (other than the portal check's own) that answer with the portal's
 * address, when Apple's push names do too: the portal answers DNS for
 * every name (hotel Wi-Fi).  0 when DNS is not hijacked. */
static size_t
portal_dns_names(struct ctx *c, const struct pp_result *portal)
{
    size_t i, k, names = 0;
    bool apple_hijacked = false;

    if (!portal->has_address)
        return 0;
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (r == portal || !r->has_address || !pp_result_counted(r) ||
            strcmp(r->address, portal->address) != 0 ||
            pp_host_literal(r->target->host) != 0)
            continue;
        apple_hijacked |= r->reason == PP_RS_DNS_OUTSIDE_APPLE;
        for (k = 0; k < i; k++)
            if (c->rep->results[k]->has_address &&
                strcmp(c->rep->results[k]->address, portal->address) == 0 &&
                strcmp(c->rep->results[k]->target->host, r->target->host) == 0)
                break;
        names += k == i;
    }
    return apple_hijacked ? names : 0;
}

void
rule_captive(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_captive, idx, MAXSEL), m, hijacked;
    struct pp_finding *f;
    const struct pp_result *portal;

    if (n == 0)
        return;
    portal = c->rep->results[idx[0]];
    hijacked = portal_dns_names(c, portal);
    f = emit(c, "CAPTIVE_PORTAL", PP_SEV_CRITICAL);
    f->title = pp_xstrdup("A captive portal (a sign-in page) is in the way");
    if (hijacked > 0)
        f->detail = pp_xasprintf("%s.  The network's DNS answers every name with the "
                                 "portal's address (%s for %zu other names, Apple's push "
                                 "names among them), so names resolve outside Apple and "
                                 "connections fail: until someone signs in, these failures "
                                 "are the portal's, not separate problems.",
                                 portal->message, portal->address, hijacked);
    else
        f->detail = pp_xasprintf("%s.  Until someone signs in, the network lets little "
                                 "through, so the other failures are expected.",
                                 portal->message);
    f->advice_user = pp_xstrdup("Open a web browser and sign in to the network (hotel, "
                                "guest or public Wi-Fi), then run the check again.");
    f->advice_admin = pp_xstrdup("Exempt managed devices from the captive portal, or "
                                 "allow Apple's hosts before sign-in.");
    claim(c, f, idx, n);
    m = select_failed(c, pick_any, idx, MAXSEL);
    claim(c, f, idx, m);
    fold_legacy(c, f, false);
}

static bool pick_intercepted(const struct pp_result *r) { return r->state == PP_ST_INTERCEPTED; }

void
rule_intercepted(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_intercepted, idx, MAXSEL), i, k;
    struct pp_finding *f;
    struct sbuf b = {0};
    char *h;
    const char *issuers[8], *proxy = NULL;
    size_t ni = 0;

    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        const char *is = c->rep->results[idx[i]]->tls.issuer_cn;
        if (is == NULL)
            continue;
        for (k = 0; k < ni; k++)
            if (strcmp(issuers[k], is) == 0)
                break;
        if (k == ni && ni < 8)
            issuers[ni++] = is;
    }
    for (i = 0; i < n && proxy == NULL; i++)
        if (c->rep->results[idx[i]]->target->via != NULL)
            proxy = c->rep->results[idx[i]]->target->via->url;
    f = emit(c, "TLS_INTERCEPTED", PP_SEV_CRITICAL);
    f->title = pp_xasprintf("Secure connections to Apple %s%s%sare intercepted by '%s'",
                            proxy ? "through the proxy " : "", proxy ? proxy : "",
                            proxy ? " " : "",
                            ni ? issuers[0] : "an unknown certificate authority");
    if (proxy != NULL) {
        char *t = pp_xasprintf("%s: the proxy decrypts", f->title);
        free(f->title);
        f->title = t;
    }
    h = hosts(c, idx, n, true);
    sb_add(&b, "The certificate presented for %s%s%s is issued by ", h,
           proxy ? " through the proxy " : "", proxy ? proxy : "");
    for (k = 0; k < ni; k++)
        sb_add(&b, "%s'%s'", k ? " and " : "", issuers[k]);
    sb_add(&b, "%s instead of Apple's certificate authority.  Apple services refuse "
           "intercepted connections (HTTPS inspection)%s.", ni ? "" : "an unknown issuer",
           proxy ? ", and the push fallback on 443 works through a proxy only if it does "
           "not decrypt" : "");
    free(h);
    f->detail = sb_take(&b);
    f->advice_user = pp_xstrdup(proxy ? "Ask whoever runs the proxy to stop decrypting "
                                "Apple's connections." : "Turn off the HTTPS or web "
                                "scanning feature of antivirus or security software, or try "
                                "another network.");
    if (proxy != NULL)
        f->advice_admin = pp_xasprintf("Exclude Apple's hosts (*.apple.com, 17.0.0.0/8) from "
                                       "TLS/SSL inspection on the proxy %s (squid: ssl_bump "
                                       "splice for them).", proxy);
    else
        f->advice_admin = pp_xstrdup("Exclude Apple's hosts (*.apple.com, 17.0.0.0/8) from "
                                     "TLS/SSL inspection on the firewall or proxy.");
    trace_where(c, f, idx, n);
    claim(c, f, idx, n);
}

static const struct pp_result *
retry_of(struct ctx *c, const struct pp_result *r)
{
    size_t i;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *q = c->rep->results[i];
        if (q->retry_of != NULL && strcmp(q->retry_of, r->id) == 0)
            return q;
    }
    return NULL;
}

static bool
pick_stalled(const struct pp_result *r)
{
    return r->reason == PP_RS_TLS_TIMEOUT;
}

/* The handshake stalled with full-size packets and finished with small
 * ones: large packets are dropped on the way, and no ICMP "too big" comes
 * back to make the sender shrink them. */
void
rule_mtu(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_stalled, idx, MAXSEL), m = 0, i;
    struct pp_finding *f;
    char *h;

    for (i = 0; i < n; i++) {
        const struct pp_result *q = retry_of(c, c->rep->results[idx[i]]);
        if (q != NULL && q->tls.handshake_done)
            idx[m++] = idx[i];
    }
    if (m == 0)
        return;
    f = emit(c, "PATH_MTU_BLACKHOLE", any_required(c, idx, m) ? PP_SEV_CRITICAL
                                                              : PP_SEV_WARNING);
    h = hosts(c, idx, m, true);
    f->title = pp_xstrdup("Large packets are lost on the way (a path MTU black hole)");
    f->detail = pp_xasprintf("The TLS handshake with %s stalls with full-size packets "
                             "and finishes when tried again with %d-byte segments: "
                             "a link on the path has a smaller MTU and drops larger packets "
                             "without the ICMP \"fragmentation needed\" / \"packet too big\" "
                             "message that would make the sender shrink them.  Connections "
                             "open, then hang.", h, PP_SMALL_MSS);
    free(h);
    f->advice_user = pp_xstrdup("Try another network; if a VPN is on, try without it.  "
                                "Whoever runs this network should check its MTU.");
    f->advice_admin = pp_xstrdup("Find the link with the smaller MTU (VPN, PPPoE, GRE/IPsec "
                                 "tunnels) and clamp the TCP MSS there (e.g. nftables "
                                 "'tcp flags syn tcp option maxseg size set rt mtu'), or let "
                                 "ICMP type 3 code 4 and ICMPv6 type 2 through.");
    claim(c, f, idx, m);
}
