/* Findings and verdicts from check results; see diagnose.h. */
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

typedef bool (*pick_fn)(const struct pp_result *);

static bool
failed(const struct pp_result *r)
{
    return r->state != PP_ST_OK;
}

static bool
is_service(const struct pp_result *r, enum pp_service s)
{
    return r->target->service == s;
}

static void
add_check(struct pp_finding *f, const struct pp_result *r)
{
    f->checks = pp_xrealloc(f->checks, f->nchecks + 1, sizeof(*f->checks));
    f->checks[f->nchecks++] = pp_xstrdup(r->id);
}

/* Unexplained failures that pick() selects, as result indexes. */
static size_t
select_failed(struct ctx *c, pick_fn pick, size_t *idx, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < c->rep->n && n < max; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!c->explained[i] && failed(r) && pp_result_counted(r) && pick(r))
            idx[n++] = i;
    }
    return n;
}

/* Attach the results and mark them explained. */
static void
claim(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        add_check(f, c->rep->results[idx[i]]);
        c->explained[idx[i]] = true;
    }
}

/* Attach failed results that are expected (a retired port, a check that
 * does not apply): they count apart and never make the status worse. */
static void
claim_expected(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n)
{
    size_t i;

    claim(c, f, idx, n);
    for (i = 0; i < n; i++)
        c->expected[idx[i]] = true;
    f->expected = n > 0;
}

static const char *
reason_words(enum pp_reason rs)
{
    switch (rs) {
    case PP_RS_ADMIN_PROHIBITED: return "ICMP administratively prohibited";
    case PP_RS_PORT_UNREACH: return "ICMP port unreachable";
    case PP_RS_PROTO_UNREACH: return "ICMP protocol unreachable";
    case PP_RS_LOCAL_POLICY: return "by this machine's own firewall";
    default: return pp_reason_name(rs);
    }
}

/* How a set of checks failed, in words: "silently dropped", "rejected by
 * 10.10.0.1 (ICMP administratively prohibited)", ... each mode once. */
static char *
how(struct ctx *c, const size_t *idx, size_t n)
{
    struct sbuf b = {0};
    char seen[16][300];
    size_t nseen = 0, i, k;

    for (i = 0; i < n; i++) {
        const struct pp_result *r = c->rep->results[idx[i]];
        char *mode = seen[nseen < 16 ? nseen : 15];

        switch (r->state) {
        case PP_ST_FILTERED:
            if (pp_detail_get(r, "rate_limit_suspect") != NULL)
                snprintf(mode, sizeof(seen[0]), "without an answer, perhaps a reject the "
                         "router's ICMP rate limit held back (see ICMP_RATE_LIMITED)");
            else
                snprintf(mode, sizeof(seen[0]), "silently dropped (no answer within the "
                         "deadline)");
            break;
        case PP_ST_BLOCKED:
            snprintf(mode, sizeof(seen[0]), "rejected%s%s (%s)",
                     r->icmp_from[0] ? " by the router or firewall at " : "", r->icmp_from,
                     reason_words(r->reason));
            break;
        case PP_ST_CLOSED:
            snprintf(mode, sizeof(seen[0]), "reset (the connection is refused)");
            break;
        case PP_ST_UNREACHABLE:
            snprintf(mode, sizeof(seen[0]), "unreachable (%s%s%s)", pp_reason_name(r->reason),
                     r->icmp_from[0] ? ", from " : "", r->icmp_from);
            break;
        case PP_ST_INTERCEPTED:
            snprintf(mode, sizeof(seen[0]), "intercepted (certificate issued by '%s')",
                     r->tls.issuer_cn ? r->tls.issuer_cn : "?");
            break;
        case PP_ST_DNS_FAILED:
            snprintf(mode, sizeof(seen[0]), "not resolved (%s)", pp_reason_name(r->reason));
            break;
        default:
            snprintf(mode, sizeof(seen[0]), "%s (%s)", pp_state_name(r->state),
                     pp_reason_name(r->reason));
            break;
        }
        if (nseen == 16)
            break;
        for (k = 0; k < nseen; k++)
            if (strcmp(seen[k], mode) == 0)
                break;
        if (k < nseen)
            continue;
        sb_add(&b, "%s%s", nseen ? "; " : "", mode);
        nseen++;
    }
    return sb_take(&b);
}

/* "a.example, b.example" for the distinct hosts (and ports) of idx. */
static char *
hosts(struct ctx *c, const size_t *idx, size_t n, bool with_port)
{
    struct sbuf b = {0};
    size_t i, k;

    for (i = 0; i < n; i++) {
        const struct pp_target *t = c->rep->results[idx[i]]->target;
        for (k = 0; k < i; k++) {
            const struct pp_target *o = c->rep->results[idx[k]]->target;
            if (strcmp(o->host, t->host) == 0 && (!with_port || o->port == t->port))
                break;
        }
        if (k < i)
            continue;
        if (with_port)
            sb_add(&b, "%s%s:%u", b.len ? ", " : "", t->host, t->port);
        else
            sb_add(&b, "%s%s", b.len ? ", " : "", t->host);
    }
    return sb_take(&b);
}

static bool
any_required(struct ctx *c, const size_t *idx, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (c->rep->results[idx[i]]->target->required)
            return true;
    return false;
}

#define MAXSEL 512

/* ------------------------------------------------- where (--trace) */

/* The box that ends a path, as a help desk says it. */
static void
trace_box(const struct pp_path *p, char *buf, size_t len)
{
    const char *a = p->end_address;

    if (a[0] == '\0')
        snprintf(buf, len, "hop %d", p->end_hop);
    else if (p->end_network == PP_NW_LOCAL && p->end_hop == 1)
        snprintf(buf, len, "your router %s", a);
    else if (p->end_network == PP_NW_LOCAL)
        snprintf(buf, len, "%s in this network (hop %d)", a, p->end_hop);
    else if (p->end_network == PP_NW_CGNAT)
        snprintf(buf, len, "your provider's carrier-grade NAT %s (hop %d)", a, p->end_hop);
    else if (p->end_network == PP_NW_APPLE)
        snprintf(buf, len, "%s in Apple's network (hop %d)", a, p->end_hop);
    else
        snprintf(buf, len, "%s (hop %d), outside this network", a, p->end_hop);
}

/* What to do about a block at box, by whose network it is in. */
static void
owner_advice(enum pp_hop_network owner, const char *box, unsigned port, char **user,
             char **admin)
{
    if (owner == PP_NW_LOCAL) {
        *user = pp_xasprintf("Check your router's firewall settings for outgoing TCP %u (at "
                             "work, ask the company's firewall team).", port);
        *admin = pp_xasprintf("Open outgoing TCP %u at %s, inside this network.", port, box);
    } else if (owner == PP_NW_APPLE) {
        *user = pp_xstrdup("Nothing on this network blocks it: try again later.");
        *admin = pp_xasprintf("The path ends at %s, inside Apple's network: nothing to "
                              "change on this network.", box);
    } else {
        *user = pp_xasprintf("Call your Internet provider: their network blocks TCP %u "
                             "(give them this report).", port);
        *admin = pp_xasprintf("The block is in the provider's network, at %s: ask the "
                              "provider to open TCP %u.", box, port);
    }
}

static bool
same_owner(enum pp_hop_network a, enum pp_hop_network b)
{
    bool pa = a == PP_NW_CGNAT || a == PP_NW_PUBLIC, pb = b == PP_NW_CGNAT || b == PP_NW_PUBLIC;

    return a == b || (pa && pb);
}

/* The first traced path among the checks that does not reach the server:
 * a sentence on where it ends appended to the finding's detail, and the
 * advice of whoever owns that place (this network, the provider, Apple).
 * A box that filters as it forwards has already answered for its own hop:
 * "dropped after hop N" is hop N itself or the one after it, so when those
 * two belong to different owners the advice names both, nearest first. */
static void
trace_where(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n)
{
    const struct pp_result *r = NULL;
    const struct pp_path *p = NULL;
    enum pp_hop_network owner;
    char box[200], *s, *user, *admin, *d;
    const char *server;
    unsigned port;
    size_t i;

    for (i = 0; i < n && p == NULL; i++) {
        r = c->rep->results[idx[i]];
        if (r->path != NULL && r->path->end != PP_PE_REACHED)
            p = r->path;
    }
    if (p == NULL)
        return;
    port = r->target->port;
    trace_box(p, box, sizeof(box));
    /* The answer came with the server's address: whose it is. */
    server = p->reach_ttl > 0 && (size_t)p->reach_ttl <= p->nhops &&
                     p->hops[p->reach_ttl - 1].network == PP_NW_APPLE
                 ? "Apple" : "the server";
    owner = p->end_address[0] != '\0' ? p->end_network : PP_NW_PUBLIC;
    switch (p->end) {
    case PP_PE_DROPPED:
        if (p->end_hop == 0) {
            s = pp_xstrdup("The path trace shows it dropped before the first router answered: "
                           "on this machine or at its first router.");
            owner = PP_NW_LOCAL;
        } else if (p->beyond_address[0] != '\0') {
            s = pp_xasprintf("The path trace shows it dropped after %s%s inside %s (the "
                             "next hop, %s, answers other ports).", box,
                             same_owner(p->end_network, p->beyond_network)
                                 ? "," : ": by that box as it forwards, or",
                             p->beyond_network == PP_NW_LOCAL ? "this network"
                             : p->beyond_network == PP_NW_APPLE ? "Apple's network"
                                                                : "your provider's network",
                             p->beyond_address);
        } else {
            s = pp_xasprintf("The path trace shows it dropped after %s: by that box as it "
                             "forwards, or by the next one.", box);
        }
        break;
    case PP_PE_REJECTED:
        s = pp_xasprintf("The path trace shows it rejected by %s.", box);
        break;
    case PP_PE_RESET:
        s = pp_xasprintf("The path trace shows it reset by %s, not by %s (%d hops away).", box,
                         server, p->distance);
        break;
    case PP_PE_ANSWERED:
    default:
        s = pp_xasprintf("The path trace shows %s answering in %s's place, %d hops before "
                         "it: a transparent proxy.", box, server, p->distance);
        break;
    }
    d = pp_xasprintf("%s  %s", f->detail != NULL ? f->detail : "", s);
    free(f->detail);
    f->detail = d;
    free(s);
    owner_advice(owner, box, port, &user, &admin);
    if (p->end == PP_PE_DROPPED && p->end_hop > 0 && p->beyond_address[0] != '\0' &&
        !same_owner(p->end_network, p->beyond_network)) {
        char *u2, *a2;

        owner_advice(p->beyond_network, p->beyond_address, port, &u2, &a2);
        s = pp_xasprintf("%s  If nothing blocks it there: %s", user, u2);
        free(user);
        user = s;
        s = pp_xasprintf("%s  Otherwise: %s", admin, a2);
        free(admin);
        admin = s;
        free(u2);
        free(a2);
    }
    free(f->advice_user);
    f->advice_user = user;
    if (f->advice_admin != NULL) {
        s = pp_xasprintf("%s  %s", admin, f->advice_admin);
        free(admin);
        admin = s;
        free(f->advice_admin);
    }
    f->advice_admin = admin;
}

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
static void
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

static void
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

static void
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

static void
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

static void
rule_intercepted(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_intercepted, idx, MAXSEL), i, k;
    struct pp_finding *f;
    struct sbuf b = {0};
    char *h;
    const char *issuers[8];
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
    f = emit(c, "TLS_INTERCEPTED", PP_SEV_CRITICAL);
    f->title = pp_xasprintf("Secure connections to Apple are intercepted by '%s'",
                            ni ? issuers[0] : "an unknown certificate authority");
    h = hosts(c, idx, n, true);
    sb_add(&b, "The certificate presented for %s is issued by ", h);
    for (k = 0; k < ni; k++)
        sb_add(&b, "%s'%s'", k ? " and " : "", issuers[k]);
    sb_add(&b, "%s instead of Apple's certificate authority.  Apple services refuse "
           "intercepted connections (HTTPS inspection).", ni ? "" : "an unknown issuer");
    free(h);
    f->detail = sb_take(&b);
    f->advice_user = pp_xstrdup("Turn off the HTTPS or web scanning feature of antivirus "
                                "or security software, or try another network.");
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
static void
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
static void
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

static void
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

static void
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

static void
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
static void
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

static void
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

static void
rule_apns_device(struct ctx *c)
{
    size_t i, n5223 = 0, n443 = 0, ok5223 = 0, ok443 = 0, nf = 0, unexplained = 0;
    size_t fidx[MAXSEL];
    struct pp_finding *f;
    char *mode;
    enum pp_verdict_v *v = &c->out->verdict[PP_AREA_PUSH];

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r) || c->expected[i])
            continue;
        if (is_courier_port(r, 5223)) {
            n5223++;
            ok5223 += r->state == PP_ST_OK;
            if (r->state != PP_ST_OK && nf < MAXSEL) {
                fidx[nf++] = i;
                unexplained += !c->explained[i];
            }
        } else if (r->target->service == PP_SV_APNS_DEVICE) {
            n443++;
            ok443 += r->state == PP_ST_OK;
        }
    }
    if (n5223 + n443 == 0) {
        *v = PP_V_NOT_CHECKED;
        return;
    }
    if (ok5223 > 0) {
        *v = nf > 0 ? PP_V_DEGRADED : PP_V_OK;
        f = emit(c, "APNS_OK", unexplained > 0 ? PP_SEV_WARNING : PP_SEV_INFO);
        f->title = pp_xstrdup("Apple push works: devices reach the push service on port 5223");
        if (unexplained > 0) {
            /* Some addresses fail for no reason found above: say how. */
            size_t uidx[MAXSEL], nu = 0;
            for (i = 0; i < nf; i++)
                if (!c->explained[fidx[i]])
                    uidx[nu++] = fidx[i];
            mode = how(c, uidx, nu);
            f->detail = pp_xasprintf("%zu of %zu connections to Apple's push servers on 5223 "
                                     "succeed, with Apple's certificate; %zu are %s.",
                                     ok5223, n5223, nu, mode);
            free(mode);
            claim(c, f, uidx, nu);
        } else {
            f->detail = pp_xasprintf("%zu of %zu connections to Apple's push servers on 5223 "
                                     "succeed, with Apple's certificate.", ok5223, n5223);
        }
        f->advice_user = pp_xstrdup("Nothing to do for push notifications on this network.");
        f->advice_admin = pp_xstrdup("Nothing to do.");
        for (i = 0; i < c->rep->n; i++)
            if (is_courier_port(c->rep->results[i], 5223) &&
                c->rep->results[i]->state == PP_ST_OK && pp_result_counted(c->rep->results[i]))
                add_check(f, c->rep->results[i]);
        return;
    }
    *v = ok443 > 0 ? PP_V_DEGRADED : PP_V_BLOCKED;
    if (unexplained == 0 && nf > 0)
        return;   /* an earlier finding (DNS, interception, portal) says why */
    mode = how(c, fidx, nf);
    if (ok443 > 0) {
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
    trace_where(c, f, fidx, nf);
    claim(c, f, fidx, nf);
    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (r->target->service == PP_SV_APNS_DEVICE && r->target->port != 5223 &&
            failed(r) && !c->explained[i] && pp_result_counted(r)) {
            add_check(f, r);
            c->explained[i] = true;
        }
    }
}

static bool pick_provider(const struct pp_result *r) { return is_service(r, PP_SV_APNS_PROVIDER); }

static void
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
static void
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

/* First of all: a failed retired port is expected, whatever the failure
 * (no DNS or portal finding takes it); its finding comes in its place. */
static void
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

static void
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
static void
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

static bool pick_mdm(const struct pp_result *r) { return is_service(r, PP_SV_MDM); }

/* Certificate causes: what each is called and how it is fixed.  One row
 * per reason; DP_CERT_* codes are the rows' dp codes. */
static const struct cert_cause {
    enum pp_reason reason;
    const char *dp_code;
    const char *what;      /* "The ... certificate is <what>" */
    const char *fix;
} cert_causes[] = {
    {PP_RS_CERT_EXPIRED, "DP_CERT_EXPIRED", "expired",
     "Renew the certificate (and check that this machine's clock is right)."},
    {PP_RS_CERT_NOT_YET_VALID, "DP_CERT_NOT_YET_VALID", "not valid yet",
     "Check this machine's clock, or the certificate's start date."},
    {PP_RS_NAME_MISMATCH, "DP_CERT_NAME", "for another name",
     "Reissue the certificate with the server's name in its subjectAltName."},
    {PP_RS_SAN_MISSING, "DP_CERT_SAN_MISSING", "without a subjectAltName",
     "Reissue the certificate with the server's DNS name in the subjectAltName extension: "
     "Apple devices do not read the name in the common name."},
    {PP_RS_EKU_MISSING, "DP_CERT_EKU", "without an extended key usage",
     "Reissue the certificate with extendedKeyUsage serverAuth."},
    {PP_RS_EKU_WRONG, "DP_CERT_EKU", "not for a TLS server (no serverAuth)",
     "Reissue the certificate with extendedKeyUsage serverAuth (a server certificate "
     "template, not a client one); an intermediate limited to other purposes must be "
     "replaced too."},
    {PP_RS_VALIDITY_TOO_LONG, "DP_CERT_VALIDITY", "valid for too long",
     "Reissue the certificate valid for at most 825 days (at most 398 days from a publicly "
     "trusted CA)."},
    {PP_RS_WEAK_KEY, "DP_CERT_WEAK_KEY", "on a weak key",
     "Reissue the certificate (and any intermediate) with an RSA key of 2048 bits or more, "
     "or an EC P-256 key."},
    {PP_RS_WEAK_SIGNATURE, "DP_CERT_WEAK_SIGNATURE", "signed with SHA-1 or MD5",
     "Reissue the certificate (and any intermediate) signed with SHA-256."},
    {PP_RS_LEAF_IS_CA, "DP_CERT_LEAF_IS_CA", "a CA certificate",
     "Serve an end-entity certificate (basicConstraints CA:FALSE) issued by the CA, not a "
     "CA's own certificate."},
    {PP_RS_CHAIN_INCOMPLETE, "DP_CERT_CHAIN_INCOMPLETE", "sent without its intermediate",
     "Configure the server to send the intermediate certificate with its own (the full "
     "chain file, e.g. nginx ssl_certificate)."},
    {PP_RS_CERT_REVOKED, "DP_CERT_REVOKED", "revoked",
     "Replace the certificate: its CA revoked it."},
    {PP_RS_CERT_UNTRUSTED, "DP_CERT_UNTRUSTED", "not trusted",
     "Use a publicly trusted certificate, or install the issuing root CA on every device (by "
     "MDM profile) and pass it here with --ca-file."},
};

static const struct cert_cause *
cert_cause(enum pp_reason rs)
{
    size_t i;

    for (i = 0; i < sizeof(cert_causes) / sizeof(cert_causes[0]); i++)
        if (cert_causes[i].reason == rs)
            return &cert_causes[i];
    return NULL;
}

static bool
cert_reason(enum pp_reason rs)
{
    return cert_cause(rs) != NULL;
}

/* A chain whose missing intermediate the devices may fetch (AIA): not
 * certain to fail. */
static bool
aia_uncertain(const struct pp_result *r)
{
    size_t k;

    for (k = 0; k < r->tls.nwarnings; k++)
        if (strcmp(r->tls.warnings[k], "intermediate-via-aia") == 0)
            return true;
    return false;
}

/* Unexplained, counted TLS failures of a service: with reason rs, or (rs
 * PP_RS_NONE) every TLS failure that is no certificate cause. */
static size_t
select_tls(struct ctx *c, enum pp_service sv, enum pp_reason rs, size_t *idx, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < c->rep->n && n < max; i++) {
        const struct pp_result *r = c->rep->results[i];

        if (c->explained[i] || !pp_result_counted(r) || r->target->service != sv ||
            r->state != PP_ST_TLS_FAILED)
            continue;
        if (rs == PP_RS_NONE ? !cert_reason(r->reason) : r->reason == rs)
            idx[n++] = i;
    }
    return n;
}

static void
rule_mdm(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_mdm, idx, MAXSEL), i;
    struct pp_finding *f;
    const struct pp_result *r;
    const struct pp_kv *health;
    char *h, *mode;

    if (n == 0)
        return;
    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->reason == PP_RS_MDM_UNHEALTHY) {
            health = pp_detail_get(r, PP_DETAIL_HEALTH);
            f = emit(c, "MDM_UNHEALTHY", PP_SEV_CRITICAL);
            f->title = pp_xasprintf("The MDM server answers but is not healthy (%s)",
                                    health ? health->s : "unknown");
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup("Nothing to fix on the device: the MDM server has "
                                        "a problem; tell its administrator.");
            f->advice_admin = pp_xstrdup("Check the Jamf Pro server: its database connection "
                                         "and web app logs (the health code says which).");
            claim(c, f, idx, n);
            return;
        }
    }
    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->state == PP_ST_TLS_FAILED && cert_reason(r->reason)) {
            const struct cert_cause *cc = cert_cause(r->reason);
            bool unsure = aia_uncertain(r);

            f = emit(c, "MDM_CERT", unsure ? PP_SEV_WARNING : PP_SEV_CRITICAL);
            f->title = pp_xasprintf("The MDM server's certificate is %s (%s)", cc->what,
                                    pp_reason_name(r->reason));
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup(unsure ?
                "Devices may fail to talk to the MDM server until its certificate chain is "
                "fixed." :
                "Devices will refuse to talk to the MDM server until its certificate is "
                "fixed.");
            f->advice_admin = pp_xasprintf("On the MDM server: %s", cc->fix);
            claim(c, f, idx, n);
            return;
        }
    }
    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->state == PP_ST_TLS_FAILED && r->reason == PP_RS_CLIENT_CERT_REQUIRED) {
            f = emit(c, "MDM_CLIENT_CERT", PP_SEV_CRITICAL);
            f->title = pp_xstrdup("The MDM server requires a client certificate");
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup("Nothing to fix on this network: the server refuses "
                                        "connections without a client certificate.");
            f->advice_admin = pp_xstrdup("Make client certificates optional on the MDM "
                                         "server's enrollment and check-in URLs (devices "
                                         "present their identity inside MDM, not in TLS), or "
                                         "put this check on a URL that does not need one.");
            claim(c, f, idx, n);
            return;
        }
    }
    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->state == PP_ST_TLS_FAILED) {
            /* TCP connected: this is not "cannot be reached". */
            f = emit(c, "MDM_TLS", PP_SEV_CRITICAL);
            f->title = pp_xasprintf("The MDM server's port answers but TLS fails (%s)",
                                    pp_reason_name(r->reason));
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup("Devices will not reach the MDM service until its TLS "
                                        "setup is fixed.");
            f->advice_admin = pp_xstrdup("Check the MDM server's TLS configuration (protocols "
                                         "TLS 1.2 and 1.3, ECDHE suites, its certificate and "
                                         "key); if only this network fails, look for a "
                                         "filter that ends TLS connections.");
            claim(c, f, idx, n);
            return;
        }
    }
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f = emit(c, "MDM_UNREACHABLE", PP_SEV_CRITICAL);
    f->title = pp_xstrdup("The MDM server cannot be reached");
    f->detail = pp_xasprintf("%s is %s.  Devices get no commands, profiles or apps.", h, mode);
    free(h);
    free(mode);
    f->advice_user = pp_xstrdup("Try another network; if the MDM server is internal, "
                                "connect to the company VPN.");
    f->advice_admin = pp_xstrdup("Allow devices to reach the MDM server's port (8443 for "
                                 "Jamf Pro on premises, 443 otherwise).");
    claim(c, f, idx, n);
}

/* One finding for the unexplained failures of one service. */
static void
service_rule(struct ctx *c, pick_fn pick, const char *code, const char *title,
             const char *user, const char *admin)
{
    size_t idx[MAXSEL], n = select_failed(c, pick, idx, MAXSEL);
    struct pp_finding *f;
    char *h, *mode;

    if (n == 0)
        return;
    f = emit(c, code, any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    f->title = pp_xstrdup(title);
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f->detail = pp_xasprintf("%s: %s.", h, mode);
    free(h);
    free(mode);
    f->advice_user = pp_xstrdup(user);
    f->advice_admin = pp_xstrdup(admin);
    claim(c, f, idx, n);
}

static bool pick_enroll(const struct pp_result *r) { return is_service(r, PP_SV_ENROLLMENT); }

static void
rule_enrollment(struct ctx *c)
{
    service_rule(c, pick_enroll, "ENROLLMENT_BLOCKED",
                 "Activation or enrollment hosts cannot be reached",
                 "New or erased devices may fail to activate or enroll on this network.",
                 "Allow TCP 443 to albert.apple.com, deviceenrollment.apple.com, "
                 "iprofiles.apple.com (and mdmenrollment.apple.com from the MDM server).");
}

static bool
pick_swu(const struct pp_result *r)
{
    return is_service(r, PP_SV_SOFTWARE_UPDATE) || is_service(r, PP_SV_CERT_VALIDATION);
}

static void
rule_software_update(struct ctx *c)
{
    service_rule(c, pick_swu, "SOFTWARE_UPDATE_BLOCKED",
                 "Software update or certificate validation hosts cannot be reached",
                 "Updates may not download on this network.",
                 "Allow TCP 443 and 80 to Apple's software update hosts (gdmf, mesu, swscan, "
                 "swcdn, updates.cdn-apple.com) and certificate validation (ocsp, crl).");
}

static bool pick_sus(const struct pp_result *r) { return is_service(r, PP_SV_SUS); }

static void
rule_sus(struct ctx *c)
{
    service_rule(c, pick_sus, "SUS_PROBLEM", "The Software Update Server does not serve its "
                 "catalog",
                 "Updates from the company's server will not appear.",
                 "Check the Software Update Server (port 8088) and its catalog URL.");
}

/* One finding per certificate cause (DP_CERT_*), one for a required
 * client certificate and one for other TLS failures: a distribution point
 * that connects is never "not serving" for want of TLS. */
static void
rule_dp_cert(struct ctx *c)
{
    size_t idx[MAXSEL], n, k;
    struct pp_finding *f;
    char *h, *mode;

    for (k = 0; k <= sizeof(cert_causes) / sizeof(cert_causes[0]) + 1; k++) {
        const struct cert_cause *cc = k < sizeof(cert_causes) / sizeof(cert_causes[0])
                                          ? &cert_causes[k] : NULL;
        bool client = k == sizeof(cert_causes) / sizeof(cert_causes[0]);
        enum pp_reason rs = cc ? cc->reason : client ? PP_RS_CLIENT_CERT_REQUIRED : PP_RS_NONE;
        enum pp_severity sev;

        if ((n = select_tls(c, PP_SV_DP, rs, idx, MAXSEL)) == 0)
            continue;
        sev = any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING;
        if (rs == PP_RS_CHAIN_INCOMPLETE && aia_uncertain(c->rep->results[idx[0]]))
            sev = PP_SEV_WARNING;
        f = emit(c, cc ? cc->dp_code : client ? "DP_CLIENT_CERT" : "DP_TLS", sev);
        if (cc != NULL)
            f->title = pp_xasprintf("A distribution point's certificate is %s (%s)", cc->what,
                                    pp_reason_name(rs));
        else if (client)
            f->title = pp_xstrdup("A distribution point requires a client certificate");
        else
            f->title = pp_xstrdup("A distribution point's port answers but TLS fails");
        h = hosts(c, idx, n, true);
        mode = how(c, idx, n);
        f->detail = pp_xasprintf("%s: %s; %s.", h, mode, c->rep->results[idx[0]]->message);
        free(h);
        free(mode);
        f->advice_user = pp_xstrdup(client ? "Downloads need a client certificate this device "
                                             "may not have."
                                           : "Packages from this distribution point will fail "
                                             "to download.");
        f->advice_admin = pp_xasprintf("On the distribution point: %s",
                                       cc ? cc->fix : client ?
                                       "make client certificates optional, or give the "
                                       "devices an identity certificate by profile." :
                                       "check its TLS configuration (TLS 1.2 or 1.3, ECDHE "
                                       "suites, certificate and key).");
        claim(c, f, idx, n);
    }
}

/* Other targets (tls://, https://) whose certificate Apple devices refuse. */
static void
rule_target_cert(struct ctx *c)
{
    size_t idx[MAXSEL], n, k;
    struct pp_finding *f;
    char *h;

    for (k = 0; k < sizeof(cert_causes) / sizeof(cert_causes[0]); k++) {
        const struct cert_cause *cc = &cert_causes[k];

        if ((n = select_tls(c, PP_SV_CUSTOM, cc->reason, idx, MAXSEL)) == 0)
            continue;
        f = emit(c, "TARGET_CERT", any_required(c, idx, n) ? PP_SEV_CRITICAL
                                                           : PP_SEV_WARNING);
        f->title = pp_xasprintf("A target's certificate is %s (%s)", cc->what,
                                pp_reason_name(cc->reason));
        h = hosts(c, idx, n, true);
        f->detail = pp_xasprintf("%s: %s.", h, c->rep->results[idx[0]]->message);
        free(h);
        f->advice_user = pp_xstrdup("Apple devices will refuse this server's certificate.");
        f->advice_admin = pp_xasprintf("On that server: %s", cc->fix);
        claim(c, f, idx, n);
    }
}

/* Warnings on checks that may well pass: a certificate about to expire,
 * legacy TLS.  They explain nothing, they add. */
static void
rule_tls_warnings(struct ctx *c)
{
    static const struct {
        const char *code;
        const char *words[4];
        const char *title;
        const char *admin;
    } kinds[] = {
        {"CERT_EXPIRING", {"expires-soon"}, "A certificate in use expires soon",
         "Renew the certificate before it expires (--cert-warn-days sets how early this "
         "warns)."},
        {"TLS_WEAK_PROTOCOL", {"tls-legacy", "no-forward-secrecy", "dhe-only", "weak-dh"},
         "A server negotiates legacy TLS",
         "Enable TLS 1.2 and 1.3 with ECDHE suites (forward secrecy) on the server; Apple "
         "deprecated TLS 1.0 and 1.1, and App Transport Security asks for TLS 1.2 with ECDHE."},
    };
    size_t i, k, w, q;

    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        struct pp_finding *f = NULL;
        struct sbuf b = {0};

        for (i = 0; i < c->rep->n; i++) {
            const struct pp_result *r = c->rep->results[i];
            bool hit = false;

            if (!pp_result_counted(r) || !r->tls.handshake_done)
                continue;
            for (w = 0; w < r->tls.nwarnings; w++)
                for (q = 0; q < 4 && kinds[k].words[q] != NULL; q++)
                    hit = hit || strcmp(r->tls.warnings[w], kinds[k].words[q]) == 0;
            if (!hit)
                continue;
            if (f == NULL) {
                f = emit(c, kinds[k].code, PP_SEV_WARNING);
                f->title = pp_xstrdup(kinds[k].title);
                f->advice_user = pp_xstrdup("Nothing to do on the device.");
                f->advice_admin = pp_xstrdup(kinds[k].admin);
            }
            if (f->nchecks < MAXSEL && b.len < 2000)
                sb_add(&b, "%s%s:%u: %s", b.len ? "; " : "", r->target->host,
                       r->target->port, r->tls.warn_msg ? r->tls.warn_msg : "?");
            add_check(f, r);
        }
        if (f != NULL) {
            sb_add(&b, ".");
            f->detail = sb_take(&b);
        }
    }
}

static bool pick_dp(const struct pp_result *r) { return is_service(r, PP_SV_DP); }

static void
rule_dp(struct ctx *c)
{
    service_rule(c, pick_dp, "DP_PROBLEM", "A distribution point does not serve packages",
                 "Packages from this distribution point will fail to install.",
                 "Check the distribution point's web server, its URL and its certificate.");
}

static bool
pick_share(const struct pp_result *r)
{
    return is_service(r, PP_SV_SMB);
}

static void
rule_fileshare(struct ctx *c)
{
    service_rule(c, pick_share, "FILESHARE_BLOCKED", "The file share cannot be used",
                 "Packages from the file share will fail to install.",
                 "Allow TCP 445 to the file server and check that SMB 2 or 3 is enabled.");
}

static void
rule_afp(struct ctx *c)
{
    size_t i;
    struct pp_finding *f = NULL;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!is_service(r, PP_SV_AFP))
            continue;
        if (f == NULL) {
            /* A share that does not answer is a problem, deprecated or not. */
            f = emit(c, "AFP_DEPRECATED", r->state == PP_ST_OK ? PP_SEV_INFO : PP_SEV_WARNING);
            f->title = pp_xstrdup(r->state == PP_ST_OK ? "AFP file sharing is deprecated by "
                                  "Apple" : "The AFP share does not answer, and AFP is "
                                  "deprecated by Apple");
            f->detail = pp_xasprintf("%s:%u %s.  Current macOS versions are dropping AFP.",
                                     r->target->host, r->target->port,
                                     r->state == PP_ST_OK ? "answers over AFP"
                                                          : "does not answer over AFP");
            f->advice_user = pp_xstrdup("Nothing to do.");
            f->advice_admin = pp_xstrdup("Move distribution points to SMB or HTTPS.");
        }
        add_check(f, r);
        c->explained[i] = true;
    }
}

static bool pick_custom(const struct pp_result *r)
{
    return is_service(r, PP_SV_CUSTOM) || is_service(r, PP_SV_TIME) ||
           is_service(r, PP_SV_CAPTIVE);
}

static void
rule_other(struct ctx *c)
{
    service_rule(c, pick_custom, "TARGET_FAILED", "Other checks failed",
                 "See the checks listed.", "See the checks listed.");
}

/* The last word when the status is ok: NETWORK_OK when push was checked
 * and works; otherwise what was checked, and that push was not. */
static void
rule_conclusion(struct ctx *c)
{
    struct pp_finding *f;
    struct sbuf b = {0};
    size_t i, k, shown = 0;

    if (c->rep->n == 0 || c->out->status != PP_STATUS_OK)
        return;   /* a capture alone says nothing of "every check" */
    if (c->out->verdict[PP_AREA_PUSH] == PP_V_OK) {
        f = emit(c, "NETWORK_OK", PP_SEV_INFO);
        f->title = pp_xstrdup("The network is fine: every required check passed");
        f->detail = pp_xstrdup("If pushes still do not arrive, the cause is not this network.");
        f->advice_user = pp_xstrdup("Restart the device; if pushes still fail, the MDM "
                                    "administrator should look at the device's enrollment.");
        f->advice_admin = pp_xstrdup("Look elsewhere: an expired or replaced APNs certificate "
                                     "or a wrong push topic on the MDM server, a device that "
                                     "lost its enrollment (failed check-out, wipe), a stale "
                                     "push token, or a push sent right after enrollment.");
        return;
    }
    if (c->out->targets == 0)
        return;   /* nothing checked but what does not apply */
    f = emit(c, "CHECKED_OK", PP_SEV_INFO);
    f->title = pp_xasprintf("%zu target%s checked, all working; Apple push not checked",
                            c->out->targets, c->out->targets == 1 ? "" : "s");
    for (i = 0; i < c->rep->n && shown < 6; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r) || c->expected[i])
            continue;
        for (k = 0; k < i; k++)
            if (c->rep->results[k]->target == r->target)
                break;
        if (k < i)
            continue;
        if (shown++ == 5) {
            sb_add(&b, ", ...");
            break;
        }
        sb_add(&b, "%s%s:%u", b.len ? ", " : "", r->target->host, r->target->port);
    }
    {
        char *list = sb_take(&b);
        f->detail = pp_xasprintf("Checked: %s.  No connection to Apple's push service was "
                                 "part of this run, so it says nothing about push "
                                 "notifications.", list);
        free(list);
    }
    f->advice_user = pp_xstrdup("Nothing to do for what was checked.");
    f->advice_admin = pp_xstrdup("To check push as well, run with the apple profile (the "
                                 "default) instead of --profile none.");
}

/* The rules, root causes first. */
static const struct {
    const char *name;
    void (*run)(struct ctx *);
} rules[] = {
    {"not-applicable", rule_not_applicable},
    {"ipv6-unavailable", rule_ipv6_unavailable},
    {"legacy-aside", rule_legacy_aside},
    {"clock", rule_clock},
    {"captive", rule_captive},
    {"dns", rule_dns_failed},
    {"dns-outside", rule_dns_outside},
    {"interception", rule_intercepted},
    {"mtu", rule_mtu},
    {"local-route", rule_local_route},
    {"push-reset", rule_push_reset},
    {"hello-reset", rule_hello_reset},
    {"idle-timeout", rule_idle_timeout},
    {"icmp-rate-limit", rule_icmp_rate_limited},
    {"ipv6", rule_ipv6},
    {"apns-device", rule_apns_device},
    {"apns-provider", rule_apns_provider},
    {"legacy", rule_legacy},
    {"mdm", rule_mdm},
    {"enrollment", rule_enrollment},
    {"software-update", rule_software_update},
    {"sus", rule_sus},
    {"dp-cert", rule_dp_cert},
    {"dp", rule_dp},
    {"fileshare", rule_fileshare},
    {"afp", rule_afp},
    {"target-cert", rule_target_cert},
    {"other", rule_other},
    {"tls-warnings", rule_tls_warnings},
    {"capture", pp_rule_capture},
};

/* ---------------------------------------------------------- verdicts */

/* A target works when any of its counted addresses works. */
static bool
target_works(const struct pp_report *rep, const struct pp_target *t)
{
    size_t k;

    for (k = 0; k < rep->n; k++)
        if (rep->results[k]->target == t && rep->results[k]->state == PP_ST_OK &&
            pp_result_counted(rep->results[k]))
            return true;
    return false;
}

/* Areas other than push: a target counts as working when any of its
 * addresses works; a required target with none working blocks the area.
 * Expected checks count for nothing. */
static enum pp_verdict_v
area_verdict(struct ctx *c, const enum pp_service *sv, size_t nsv)
{
    const struct pp_report *rep = c->rep;
    size_t i, k, seen = 0;
    bool degraded = false, blocked = false;

    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        bool in = false;

        for (k = 0; k < nsv; k++)
            in = in || r->target->service == sv[k];
        if (!in || !pp_result_counted(r) || c->expected[i])
            continue;
        seen++;
        if (r->state == PP_ST_OK)
            continue;
        if (r->target->required && !target_works(rep, r->target))
            blocked = true;
        else
            degraded = true;
    }
    if (seen == 0)
        return PP_V_NOT_CHECKED;
    return blocked ? PP_V_BLOCKED : degraded ? PP_V_DEGRADED : PP_V_OK;
}

/* The services of an area; the rest (provider API, legacy, time, captive
 * detection, the user's own targets) count in the status by themselves. */
static bool
in_area(enum pp_service s)
{
    switch (s) {
    case PP_SV_APNS_PROVIDER:
    case PP_SV_APNS_LEGACY:
    case PP_SV_CAPTIVE:
    case PP_SV_TIME:
    case PP_SV_CUSTOM:
        return false;
    default:
        return true;
    }
}

/* Checks outside the areas: a required target that works nowhere fails the
 * run, any other unexpected failure degrades it. */
static enum pp_status
rest_status(struct ctx *c)
{
    enum pp_status st = PP_STATUS_OK;
    size_t i;

    for (i = 0; i < c->rep->n && st != PP_STATUS_FAILED; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (in_area(r->target->service) || !pp_result_counted(r) || c->expected[i] ||
            r->state == PP_ST_OK)
            continue;
        if (r->target->required && !target_works(c->rep, r->target))
            st = PP_STATUS_FAILED;
        else
            st = PP_STATUS_DEGRADED;
    }
    return st;
}

enum pp_status
pp_status_of(const enum pp_verdict_v verdict[PP_AREA__COUNT], enum pp_status rest)
{
    enum pp_status st = rest;
    size_t i;

    for (i = 0; i < PP_AREA__COUNT; i++) {
        if (verdict[i] == PP_V_BLOCKED)
            st = PP_STATUS_FAILED;
        else if (verdict[i] == PP_V_DEGRADED && st == PP_STATUS_OK)
            st = PP_STATUS_DEGRADED;
    }
    return st;
}

/* The counts of the summary line. */
static void
count_checks(struct ctx *c)
{
    struct pp_diagnosis *d = c->out;
    size_t i, k;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r))
            continue;
        d->checks++;
        if (r->state == PP_ST_OK)
            d->ok++;
        else if (c->expected[i])
            d->expected++;
        else {
            d->failed++;
            d->required_failed += r->target->required;
        }
        if (c->expected[i])
            continue;
        for (k = 0; k < i; k++)
            if (c->rep->results[k]->target == r->target && !c->expected[k] &&
                pp_result_counted(c->rep->results[k]))
                break;
        d->targets += k == i;
    }
}

static int
cmp_sev(const void *a, const void *b)
{
    const struct pp_finding *x = a, *y = b;

    return (int)y->severity - (int)x->severity;
}

void
pp_diagnose(const struct pp_report *rep, struct pp_diagnosis *out)
{
    static const enum pp_service mdm[] = {PP_SV_MDM};
    static const enum pp_service enroll[] = {PP_SV_ENROLLMENT};
    static const enum pp_service swu[] = {PP_SV_SOFTWARE_UPDATE, PP_SV_SUS,
                                          PP_SV_CERT_VALIDATION};
    static const enum pp_service content[] = {PP_SV_DP};
    static const enum pp_service share[] = {PP_SV_SMB, PP_SV_AFP};
    struct ctx c;
    size_t i;
    enum pp_status rest;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.rep = rep;
    c.out = out;
    c.explained = pp_xcalloc(rep->n ? rep->n : 1, sizeof(*c.explained));
    c.expected = pp_xcalloc(rep->n ? rep->n : 1, sizeof(*c.expected));
    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        rules[i].run(&c);
    out->verdict[PP_AREA_MDM] = area_verdict(&c, mdm, 1);
    out->verdict[PP_AREA_ENROLLMENT] = area_verdict(&c, enroll, 1);
    out->verdict[PP_AREA_SOFTWARE_UPDATE] = area_verdict(&c, swu, 3);
    out->verdict[PP_AREA_CONTENT] = area_verdict(&c, content, 1);
    out->verdict[PP_AREA_FILE_SHARING] = area_verdict(&c, share, 2);
    rest = rest_status(&c);
    if (c.capture_status > rest)
        rest = c.capture_status;
    out->status = pp_status_of(out->verdict, rest);
    count_checks(&c);
    rule_conclusion(&c);
    for (i = 0; i < rep->n; i++) {
        if (!c.expected[i])
            continue;
        out->expected_ids = pp_xrealloc(out->expected_ids, out->nexpected_ids + 1,
                                        sizeof(*out->expected_ids));
        out->expected_ids[out->nexpected_ids++] = pp_xstrdup(rep->results[i]->id);
    }
    free(c.explained);
    free(c.expected);
    /* Stable: findings of one severity keep the rules' order. */
    for (i = 1; i < out->n; i++) {
        size_t j = i;
        while (j > 0 && cmp_sev(&out->f[j - 1], &out->f[j]) > 0) {
            struct pp_finding t = out->f[j - 1];
            out->f[j - 1] = out->f[j];
            out->f[j] = t;
            j--;
        }
    }
}

void
pp_diagnosis_free(struct pp_diagnosis *d)
{
    size_t i, k;

    for (i = 0; i < d->n; i++) {
        struct pp_finding *f = &d->f[i];
        free(f->title);
        free(f->detail);
        free(f->advice_user);
        free(f->advice_admin);
        for (k = 0; k < f->nchecks; k++)
            free(f->checks[k]);
        free(f->checks);
    }
    free(d->f);
    for (i = 0; i < d->nexpected_ids; i++)
        free(d->expected_ids[i]);
    free(d->expected_ids);
    memset(d, 0, sizeof(*d));
}

const struct pp_finding *
pp_diagnosis_find(const struct pp_diagnosis *d, const char *code)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (strcmp(d->f[i].code, code) == 0)
            return &d->f[i];
    return NULL;
}

static const char *const area_names[PP_AREA__COUNT][2] = {
    [PP_AREA_PUSH] = {"push", "Push"},
    [PP_AREA_MDM] = {"mdm", "MDM"},
    [PP_AREA_ENROLLMENT] = {"enrollment", "Enrollment"},
    [PP_AREA_SOFTWARE_UPDATE] = {"software_update", "Software update"},
    [PP_AREA_CONTENT] = {"content", "Content"},
    [PP_AREA_FILE_SHARING] = {"file_sharing", "File sharing"},
};

const char *
pp_area_name(enum pp_area a)
{
    return (unsigned)a < PP_AREA__COUNT ? area_names[a][0] : "?";
}

const char *
pp_area_title(enum pp_area a)
{
    return (unsigned)a < PP_AREA__COUNT ? area_names[a][1] : "?";
}

const char *
pp_verdict_name(enum pp_verdict_v v)
{
    switch (v) {
    case PP_V_NOT_CHECKED: return "not-checked";
    case PP_V_OK: return "ok";
    case PP_V_DEGRADED: return "degraded";
    case PP_V_BLOCKED: return "blocked";
    }
    return "?";
}

const char *
pp_severity_name(enum pp_severity s)
{
    switch (s) {
    case PP_SEV_INFO: return "info";
    case PP_SEV_WARNING: return "warning";
    case PP_SEV_CRITICAL: return "critical";
    }
    return "?";
}

const char *
pp_status_name(enum pp_status s)
{
    switch (s) {
    case PP_STATUS_OK: return "ok";
    case PP_STATUS_DEGRADED: return "degraded";
    case PP_STATUS_FAILED: return "failed";
    }
    return "?";
}

const char *
pp_status_word(enum pp_status s)
{
    switch (s) {
    case PP_STATUS_OK: return "OK";
    case PP_STATUS_DEGRADED: return "DEGRADED";
    case PP_STATUS_FAILED: return "FAILED";
    }
    return "?";
}

int
pp_status_exit(enum pp_status s)
{
    switch (s) {
    case PP_STATUS_OK: return PP_EXIT_OK;
    case PP_STATUS_DEGRADED: return PP_EXIT_DEGRADED;
    case PP_STATUS_FAILED: return PP_EXIT_FAILED;
    }
    return PP_EXIT_INTERNAL;
}

int
pp_status_nagios(enum pp_status s)
{
    return s == PP_STATUS_OK ? 0 : s == PP_STATUS_DEGRADED ? 1 : 2;
}

bool
pp_diagnosis_expected(const struct pp_diagnosis *d, const char *check_id)
{
    size_t i;

    if (d == NULL || check_id == NULL)
        return false;
    for (i = 0; i < d->nexpected_ids; i++)
        if (strcmp(d->expected_ids[i], check_id) == 0)
            return true;
    return false;
}

void
pp_summarize(const struct pp_report *rep, struct pp_summary *s)
{
    const struct pp_diagnosis *d = rep->diag;
    size_t i;

    memset(s, 0, sizeof(*s));
    if (d != NULL) {
        s->checks = d->checks;
        s->ok = d->ok;
        s->expected = d->expected;
        s->failed = d->failed;
        s->required_failed = d->required_failed;
        s->status = d->status;
        s->push_checked = d->verdict[PP_AREA_PUSH] != PP_V_NOT_CHECKED;
    } else {
        /* No diagnosis (an audit): every check is judged as it is. */
        for (i = 0; i < rep->n; i++) {
            const struct pp_result *r = rep->results[i];
            if (!pp_result_counted(r))
                continue;
            s->checks++;
            if (r->state == PP_ST_OK) {
                s->ok++;
            } else {
                s->failed++;
                s->required_failed += r->target->required;
            }
            s->push_checked |= r->target->service == PP_SV_APNS_DEVICE;
        }
        s->status = s->required_failed > 0 ? PP_STATUS_FAILED :
                    s->failed > 0 ? PP_STATUS_DEGRADED : PP_STATUS_OK;
    }
    s->status_name = pp_status_name(s->status);
}
