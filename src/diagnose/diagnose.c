/* SPDX-License-Identifier: ISC */
/*
 * Findings and verdicts from check results (see diagnose.h): the helpers
 * every rule uses (selecting, claiming, wording, where on the path), the
 * rules table in order, the verdict of each area and the names.  The rules
 * themselves are in rules_*.c by kind; rules.h is what they share.
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

bool
failed(const struct pp_result *r)
{
    return r->state != PP_ST_OK;
}

bool
is_service(const struct pp_result *r, enum pp_service s)
{
    return r->target->service == s;
}

void
add_check(struct pp_finding *f, const struct pp_result *r)
{
    f->checks = pp_xrealloc(f->checks, f->nchecks + 1, sizeof(*f->checks));
    f->checks[f->nchecks++] = pp_xstrdup(r->id);
}

/* Unexplained failures that pick() selects, as result indexes. */
size_t
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
void
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
void
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
char *
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
char *
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
        if (with_port) {
            char *hp = pp_hostport_fmt(t->host, t->port);
            sb_add(&b, "%s%s", b.len ? ", " : "", hp);
            free(hp);
        } else
            sb_add(&b, "%s%s", b.len ? ", " : "", t->host);
    }
    return sb_take(&b);
}

bool
any_required(struct ctx *c, const size_t *idx, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (c->rep->results[idx[i]]->target->required)
            return true;
    return false;
}

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

/* Where the path trace ends, as a sentence; *owner becomes who owns that
 * place when the trace says more than its address does. */
static char *
trace_sentence(const struct pp_path *p, const char *box, enum pp_hop_network *owner)
{
    /* The answer came with the server's address: whose it is. */
    const char *server = p->reach_ttl > 0 && (size_t)p->reach_ttl <= p->nhops &&
                                 p->hops[p->reach_ttl - 1].network == PP_NW_APPLE
                             ? "Apple" : "the server";
    char *s;

    switch (p->end) {
    case PP_PE_DROPPED:
        if (p->end_hop == 0) {
            s = pp_xstrdup("The path trace shows it dropped before the first router answered: "
                           "on this machine or at its first router.");
            *owner = PP_NW_LOCAL;
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
    return s;
}

/* The advice for whoever owns the box, and for the next one's owner when
 * the drop may be either's. */
static void
trace_advice(const struct pp_path *p, enum pp_hop_network owner, const char *box,
             unsigned port, char **userp, char **adminp)
{
    char *s, *user, *admin;

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
    *userp = user;
    *adminp = admin;
}

/* The first traced path among the checks that does not reach the server:
 * a sentence on where it ends appended to the finding's detail, and the
 * advice of whoever owns that place (this network, the provider, Apple).
 * A box that filters as it forwards has already answered for its own hop:
 * "dropped after hop N" is hop N itself or the one after it, so when those
 * two belong to different owners the advice names both, nearest first. */
void
trace_where(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n)
{
    const struct pp_result *r = NULL;
    const struct pp_path *p = NULL;
    enum pp_hop_network owner;
    char box[200], *s, *user, *admin, *d;
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
    owner = p->end_address[0] != '\0' ? p->end_network : PP_NW_PUBLIC;
    s = trace_sentence(p, box, &owner);
    d = pp_xasprintf("%s  %s", f->detail != NULL ? f->detail : "", s);
    free(f->detail);
    f->detail = d;
    free(s);
    trace_advice(p, owner, box, port, &user, &admin);
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

/* The rules, root causes first. */
static const struct {
    const char *name;
    void (*run)(struct ctx *);
} rules[] = {
    {"not-applicable", rule_not_applicable},
    {"ipv6-unavailable", rule_ipv6_unavailable},
    {"ipv6-only", rule_ipv6_only},
    {"legacy-aside", rule_legacy_aside},
    {"clock", rule_clock},
    {"captive", rule_captive},
    {"proxy-unreachable", rule_proxy_unreachable},
    {"proxy-auth", rule_proxy_auth},
    {"proxy-denied", rule_proxy_denied},
    {"proxy-upstream", rule_proxy_upstream},
    {"dns", rule_dns_failed},
    {"dns-outside", rule_dns_outside},
    {"interception", rule_intercepted},
    {"mtu", rule_mtu},
    {"local-route", rule_local_route},
    {"push-reset", rule_push_reset},
    {"hello-reset", rule_hello_reset},
    {"idle-timeout", rule_idle_timeout},
    {"icmp-rate-limit", rule_icmp_rate_limited},
    {"proxy-path", rule_proxy_path},
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

/* A target works when any of its counted addresses works, on either
 * path (direct, or through a proxy). */
static bool
target_works(const struct pp_report *rep, const struct pp_target *t)
{
    size_t k;

    for (k = 0; k < rep->n; k++) {
        const struct pp_target *o = rep->results[k]->target;
        if ((o == t || same_endpoint(o, t)) && rep->results[k]->state == PP_ST_OK &&
            pp_result_counted(rep->results[k]))
            return true;
    }
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
