/* SPDX-License-Identifier: ISC */
/* The firewall audit; see audit.h. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/audit.h"
#include "probes/probe.h"
#include "core/netx.h"
#include "core/util.h"

#define MAX_FILE (16 * 1024 * 1024)

void
pp_audit_init(struct pp_audit *a)
{
    memset(a, 0, sizeof(*a));
}

/* An address item's target for one port (TCP or TLS): made when the feed
 * first needs it, freed when the last check using it has been written, so
 * 60,000 ports cost nothing once checked.  Results point at t. */
struct addr_target {
    struct pp_target t;     /* first: a result's target is this */
    size_t item;
    uint32_t slot;          /* in the item's cache */
    uint32_t refs;          /* checks fed and not yet released */
};

static char audit_note[] = "audit target";

static void
item_free(struct pp_audit_item *it, uint32_t nslots)
{
    uint32_t i;

    for (i = 0; it->cache != NULL && i < nslots; i++)
        free(it->cache[i]);   /* borrowed host and note: nothing else to free */
    pp_tspec_free(&it->spec);
    pp_ports_free(&it->ports);
    free(it->cache);
}

void
pp_audit_free(struct pp_audit *a)
{
    size_t i;

    for (i = 0; i < a->nitems; i++)
        item_free(&a->items[i], a->items[i].cache != NULL
                                ? (a->items[i].ports.count > 0 ? a->items[i].ports.count
                                                                : a->default_ports.count) * 2
                                : 0);
    free(a->items);
    free(a->addr_items);
    pp_ports_free(&a->default_ports);
    if (a->have_policy)
        pp_policy_free(&a->policy);
    memset(a, 0, sizeof(*a));
}

static struct pp_audit_item *
new_item(struct pp_audit *a)
{
    if (a->nitems == a->capitems) {   /* doubling: 100,000 lines read in linear time */
        a->capitems = a->capitems ? a->capitems * 2 : 16;
        a->items = pp_xrealloc(a->items, a->capitems, sizeof(*a->items));
    }
    memset(&a->items[a->nitems], 0, sizeof(a->items[0]));
    return &a->items[a->nitems++];
}

int
pp_audit_add(struct pp_audit *a, const char *spec, char *err, size_t errlen)
{
    struct pp_tspec ts;
    struct pp_audit_item *it;
    uint16_t port;
    char one[8];

    if (pp_tspec_parse_port(spec, &ts, &port, err, errlen) < 0)
        return -1;
    it = new_item(a);
    it->spec = ts;
    snprintf(one, sizeof(one), "%u", port);
    if (port != 0 && pp_ports_parse(one, &it->ports, err, errlen) < 0)
        return -1;
    return 0;
}

static int
file_cb(void *ctx, struct pp_tspec *spec, struct pp_ports *ports, char *err, size_t errlen)
{
    struct pp_audit *a = ctx;
    struct pp_audit_item *it = new_item(a);

    (void)err;
    (void)errlen;
    it->spec = *spec;
    free(spec);
    if (ports != NULL) {
        it->ports = *ports;
        free(ports);
    }
    return 0;
}

/* Read a whole (small) file; NULL with err set. */
static char *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = pp_fopen_read(path);
    char *buf;
    size_t n;

    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf = pp_xmalloc(MAX_FILE + 1);
    n = fread(buf, 1, MAX_FILE + 1, f);
    if (ferror(f) || n > MAX_FILE) {
        snprintf(err, errlen, "%s: %s", path, ferror(f) ? strerror(errno) : "larger than 16 MiB");
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int
pp_audit_add_file(struct pp_audit *a, const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = slurp(path, &len, err, errlen);
    int rc;

    if (text == NULL)
        return -1;
    rc = pp_targets_parse(path, text, len, file_cb, a, err, errlen);
    free(text);
    return rc == 0 ? 0 : -1;
}

int
pp_audit_set_ports(struct pp_audit *a, const char *ports, char *err, size_t errlen)
{
    if (a->have_default_ports)
        pp_ports_free(&a->default_ports);
    if (pp_ports_parse(ports, &a->default_ports, err, errlen) < 0)
        return -1;
    a->have_default_ports = true;
    return 0;
}

int
pp_audit_set_policy(struct pp_audit *a, const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = slurp(path, &len, err, errlen);
    int rc;

    if (text == NULL)
        return -1;
    if (a->have_policy)
        pp_policy_free(&a->policy);
    rc = pp_policy_parse(path, text, len, &a->policy, err, errlen);
    free(text);
    a->have_policy = rc == 0;
    return rc == 0 ? 0 : -1;
}

static const struct pp_ports *
ports_of(const struct pp_audit *a, const struct pp_audit_item *it)
{
    return it->ports.count > 0 ? &it->ports : &a->default_ports;
}

static void
copy_ports(struct pp_ports *dst, const struct pp_ports *src)
{
    dst->n = src->n;
    dst->count = src->count;
    dst->range = pp_xrealloc(NULL, src->n ? src->n : 1, sizeof(*dst->range));
    memcpy(dst->range, src->range, src->n * sizeof(*dst->range));
}

/* Does the policy expect TLS for this (name or address, port)? */
static bool
wants_tls(const struct pp_audit *a, const char *host, const struct sockaddr *sa, uint16_t port)
{
    long k;

    if (!a->have_policy)
        return false;
    k = pp_policy_match(&a->policy, host, sa, port);
    return k >= 0 && a->policy.r[k].want == PP_EXPECT_TLS;
}

static struct pp_target *
make_target(const char *host, uint16_t port, bool tls)
{
    struct pp_target *t = pp_target_new(PP_SV_CUSTOM, host, port, tls ? "tls" : "tcp", true);

    t->note = pp_xstrdup(audit_note);
    return t;
}

/* The target of an (item, port) pair for addresses, made on first use;
 * every check fed holds a reference until pp_audit_release. */
static const struct pp_target *
addr_target(struct pp_audit *a, struct pp_audit_item *it, uint32_t pi, uint16_t port, bool tls)
{
    struct addr_target *at;
    uint32_t slot = pi * 2 + (tls ? 1 : 0);

    if (it->cache == NULL)
        it->cache = pp_xcalloc((size_t)ports_of(a, it)->count * 2, sizeof(*it->cache));
    at = it->cache[slot];
    if (at == NULL) {
        at = pp_xcalloc(1, sizeof(*at));
        at->t.service = PP_SV_CUSTOM;
        at->t.host = it->spec.name;   /* borrowed: the item outlives its checks */
        at->t.port = port;
        at->t.probe = pp_probe_find(tls ? "tls" : "tcp");
        at->t.tls = tls;
        at->t.required = true;
        at->t.trust = PP_TRUST_SYSTEM;
        at->t.by_address = true;
        at->t.note = audit_note;
        at->item = (size_t)(it - a->items);
        at->slot = slot;
        it->cache[slot] = at;
        it->live++;
    }
    at->refs++;
    return &at->t;
}

void
pp_audit_release(struct pp_audit *a, const struct pp_result *r)
{
    struct addr_target *at;

    if (r == NULL || !r->target->by_address || !pp_result_counted(r))
        return;
    at = (struct addr_target *)(uintptr_t)r->target;
    if (at->refs > 0 && --at->refs == 0) {
        struct pp_audit_item *it = &a->items[at->item];
        it->cache[at->slot] = NULL;
        free(at);
        /* A --targets file of 100,000 lines: an item done with keeps no
         * cache (made again if a shuffled feed comes back to it). */
        if (--it->live == 0) {
            free(it->cache);
            it->cache = NULL;
        }
    }
}

/* Shuffle: a bijection on [0, mask] (multiply by an odd number, add,
 * xor-shift), cycle-walked into [0, total). */
static uint64_t
permute(const struct pp_audit *a, uint64_t x)
{
    do {
        x = (x * a->perm_mul + a->perm_add) & a->perm_mask;
        x ^= x >> 7;
        x = (x * 0x9e3779b97f4a7c15ULL) & a->perm_mask;
    } while (x >= a->total);
    return x;
}

static bool
feed_next(void *ctx, const struct pp_target **t, struct sockaddr_storage *sa)
{
    struct pp_audit *a = ctx;
    uint64_t idx, span;
    size_t lo, hi;
    socklen_t len;
    struct pp_audit_item *it;
    const struct pp_ports *p;
    uint32_t pi;
    uint16_t port;

    if (a->next >= a->total)
        return false;
    if (a->naddr_items == 0)
        return false;
    idx = a->shuffle ? permute(a, a->next) : a->next;
    a->next++;
    /* The last address item that starts at or before idx (binary search:
     * a --targets file of 100,000 lines makes 100,000 items). */
    lo = 0;
    hi = a->naddr_items;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->items[a->addr_items[mid]].first <= idx)
            lo = mid;
        else
            hi = mid;
    }
    it = &a->items[a->addr_items[lo]];
    p = ports_of(a, it);
    idx -= it->first;
    span = it->spec.count * p->count;
    if (idx >= span)
        return false;
    pi = (uint32_t)(idx % p->count);
    port = pp_ports_at(p, pi);
    pp_tspec_addr(&it->spec, idx / p->count, port, sa, &len);
    *t = addr_target(a, it, pi, port, wants_tls(a, NULL, (const struct sockaddr *)sa, port));
    return true;
}

static bool
ports_cover(const struct pp_ports *big, const struct pp_ports *small)
{
    size_t i;
    uint32_t p;

    for (i = 0; i < small->n; i++)
        for (p = small->range[i][0]; p <= small->range[i][1]; p++)
            if (!pp_ports_has(big, (uint16_t)p))
                return false;
    return true;
}

/* Does item x already check everything item y would (so y adds nothing)? */
static bool
covers(const struct pp_audit *a, const struct pp_audit_item *x, const struct pp_audit_item *y)
{
    struct sockaddr_storage ss;
    socklen_t len;

    if (!ports_cover(ports_of(a, x), ports_of(a, y)))
        return false;
    if (y->spec.kind == PP_TS_NAME)
        return x->spec.kind == PP_TS_NAME && strcmp(x->spec.name, y->spec.name) == 0;
    if (x->spec.kind == PP_TS_NAME || x->spec.family != y->spec.family ||
        x->spec.prefix > y->spec.prefix)
        return false;
    pp_tspec_addr(&y->spec, 0, 0, &ss, &len);
    return pp_tspec_contains(&x->spec, (const struct sockaddr *)&ss);
}

int
pp_audit_prepare(struct pp_audit *a, struct pp_plan *plan, char *err, size_t errlen)
{
    size_t i, k, n0;
    uint32_t j;

    /* Without targets of its own, the audit checks what the rules name;
     * with them, the rules only judge. */
    n0 = a->nitems;
    for (i = 0; a->have_policy && n0 == 0 && i < a->policy.n; i++) {
        const struct pp_rule *r = &a->policy.r[i];
        struct pp_audit_item tmp;

        memset(&tmp, 0, sizeof(tmp));
        /* Blocks wider than 256 addresses (17.0.0.0/8 in apple-device)
         * judge what is checked; they are not checked address by address. */
        if (r->spec.kind == PP_TS_CIDR && r->spec.count > 256)
            continue;
        if (pp_tspec_parse(r->spec.name, &tmp.spec, err, errlen) < 0)
            return -1;
        copy_ports(&tmp.ports, &r->ports);
        /* Quadratic: with a very long rule file only the latest items are
         * compared (a repeat further back is checked twice, no harm). */
        for (k = a->nitems > 4096 ? a->nitems - 4096 : 0; k < a->nitems; k++)
            if (covers(a, &a->items[k], &tmp))
                break;
        if (k < a->nitems) {
            item_free(&tmp, 0);
            continue;
        }
        *new_item(a) = tmp;
    }
    if (a->nitems == 0) {
        snprintf(err, errlen, a->have_policy && a->policy.n > 0
                 ? "nothing to audit: the rules name only blocks wider than 256 addresses "
                   "(they judge, not list, what to check): give targets or --targets"
                 : "nothing to audit: give targets, --targets or --expect");
        return -1;
    }
    a->total = 0;
    free(a->addr_items);
    a->addr_items = pp_xcalloc(a->nitems, sizeof(*a->addr_items));
    a->naddr_items = 0;
    for (i = 0; i < a->nitems; i++) {
        const struct pp_audit_item *it = &a->items[i];
        const struct pp_ports *p = ports_of(a, it);

        if (p->count == 0) {
            snprintf(err, errlen, "no ports for '%s': give -p PORTS", it->spec.name);
            return -1;
        }
        if (it->spec.kind == PP_TS_NAME) {
            for (j = 0; j < p->count; j++) {
                uint16_t port = pp_ports_at(p, j);
                pp_plan_add(plan, make_target(it->spec.name, port,
                                              wants_tls(a, it->spec.name, NULL, port)));
            }
            continue;
        }
        if (it->spec.count > UINT64_MAX / p->count ||
            a->total > UINT64_MAX - it->spec.count * p->count) {
            snprintf(err, errlen, "too many checks");
            return -1;
        }
        a->items[i].first = a->total;
        a->addr_items[a->naddr_items++] = i;
        a->total += it->spec.count * p->count;
    }
    if (a->shuffle && a->total > 1) {
        a->perm_mask = 1;
        while (a->perm_mask < a->total - 1)
            a->perm_mask = a->perm_mask << 1 | 1;
        a->perm_mul = (a->seed * 2 + 1) | 5;
        a->perm_add = a->seed >> 7;
    }
    a->feed.next = feed_next;
    a->feed.ctx = a;
    a->feed.total = a->total;
    return 0;
}

/* ---------------------------------------------------------- evaluation */

static const char *
observed(const struct pp_result *r)
{
    switch (r->state) {
    case PP_ST_OK:
        return r->target->tls ? "tls" : "open";
    case PP_ST_CLOSED:
    case PP_ST_FILTERED:
    case PP_ST_BLOCKED:
    case PP_ST_UNREACHABLE:
    case PP_ST_DNS_FAILED:
        return "closed";
    case PP_ST_TLS_FAILED:
    case PP_ST_INTERCEPTED:
    case PP_ST_UNEXPECTED:
        return r->target->tls ? "not-tls" : "open";
    default:
        return "error";
    }
}

void
pp_audit_result_init(struct pp_audit_result *ar, const struct pp_audit *a)
{
    size_t nrules = a->have_policy ? a->policy.n : 0;

    memset(ar, 0, sizeof(*ar));
    ar->rule_checks = pp_xcalloc(nrules ? nrules : 1, sizeof(*ar->rule_checks));
    ar->rule_deviations = pp_xcalloc(nrules ? nrules : 1, sizeof(*ar->rule_deviations));
    ar->port_slot = pp_xcalloc(65536, sizeof(*ar->port_slot));
}

void
pp_audit_judge(const struct pp_audit *a, struct pp_result *r, struct pp_audit_row *row)
{
    struct sockaddr_storage ss;
    const struct sockaddr *sa = NULL;
    const char *host = r->target->by_address ? NULL : r->target->host;
    const char *obs = observed(r);
    bool pass = false;

    memset(&ss, 0, sizeof(ss));
    row->r = r;
    row->observed = obs;
    row->rule = -1;
    row->verdict = PP_AUDIT_NO_RULE;
    if (!a->have_policy)
        return;   /* nothing to judge by: no address to parse */
    if (r->has_address) {
        if (pp_netx_sockaddr(r->address, 0, &ss) == 0)
            sa = (const struct sockaddr *)&ss;
    }
    row->rule = pp_policy_match(&a->policy, host, sa, r->target->port);
    if (row->rule < 0)
        return;
    switch (a->policy.r[row->rule].want) {
    case PP_EXPECT_OPEN:
        pass = strcmp(obs, "open") == 0 || strcmp(obs, "tls") == 0 ||
               strcmp(obs, "not-tls") == 0;
        break;
    case PP_EXPECT_CLOSED:
        pass = strcmp(obs, "closed") == 0;
        break;
    case PP_EXPECT_TLS:
        pass = strcmp(obs, "tls") == 0;
        break;
    }
    row->verdict = pass ? PP_AUDIT_PASS : PP_AUDIT_DEVIATION;
}

static struct pp_audit_port *
port_tally(struct pp_audit_result *ar, uint16_t port)
{
    struct pp_audit_port *p;

    if (ar->port_slot[port] != 0)
        return &ar->ports[ar->port_slot[port] - 1];
    if (ar->nports == ar->capports) {
        ar->capports = ar->capports ? ar->capports * 2 : 16;
        ar->ports = pp_xrealloc(ar->ports, ar->capports, sizeof(*ar->ports));
    }
    p = &ar->ports[ar->nports++];
    memset(p, 0, sizeof(*p));
    p->port = port;
    ar->port_slot[port] = (uint32_t)ar->nports;
    return p;
}

bool
pp_audit_tally(struct pp_audit_result *ar, const struct pp_audit_row *row)
{
    const struct pp_result *r = row->r;
    enum pp_state st = r->state < PP_ST__COUNT ? r->state : PP_ST_ERROR;

    if (!pp_result_counted(r))
        return false;
    ar->checks++;
    ar->state[st]++;
    port_tally(ar, r->target->port)->state[st]++;
    if (pp_state_is_ok(r->state)) {
        ar->ok++;
    } else {
        ar->failed++;
        if (r->target->required)
            ar->required_failed++;
    }
    if (row->rule >= 0)
        ar->rule_checks[row->rule]++;
    switch (row->verdict) {
    case PP_AUDIT_NO_RULE:
        ar->unmatched++;
        return false;
    case PP_AUDIT_PASS:
        ar->passes++;
        return false;
    case PP_AUDIT_DEVIATION:
        break;
    }
    ar->deviations++;
    ar->rule_deviations[row->rule]++;
    if (ar->n >= PP_AUDIT_KEEP) {
        ar->deviations_dropped++;
        return false;
    }
    if (ar->n == ar->cap) {
        ar->cap = ar->cap ? ar->cap * 2 : 16;
        ar->rows = pp_xrealloc(ar->rows, ar->cap, sizeof(*ar->rows));
    }
    ar->rows[ar->n++] = *row;
    return true;
}

static int
cmp_rows(const void *x, const void *y)
{
    const struct pp_audit_row *a = x, *b = y;

    return a->r->order < b->r->order ? -1 : a->r->order > b->r->order;
}

static int
cmp_ports(const void *x, const void *y)
{
    const struct pp_audit_port *a = x, *b = y;

    return (int)a->port - (int)b->port;
}

void
pp_audit_sort(struct pp_audit_result *ar)
{
    size_t i;

    if (ar->n > 1)
        qsort(ar->rows, ar->n, sizeof(*ar->rows), cmp_rows);
    if (ar->nports > 1)
        qsort(ar->ports, ar->nports, sizeof(*ar->ports), cmp_ports);
    for (i = 0; i < ar->nports; i++)
        ar->port_slot[ar->ports[i].port] = (uint32_t)(i + 1);
}

void
pp_audit_result_free(struct pp_audit_result *ar)
{
    size_t i;

    for (i = 0; i < ar->n; i++)
        pp_result_free(ar->rows[i].r);
    free(ar->rows);
    free(ar->rule_checks);
    free(ar->rule_deviations);
    free(ar->ports);
    free(ar->port_slot);
    memset(ar, 0, sizeof(*ar));
}

const char *
pp_audit_verdict_name(enum pp_audit_verdict v)
{
    switch (v) {
    case PP_AUDIT_PASS: return "pass";
    case PP_AUDIT_DEVIATION: return "deviation";
    case PP_AUDIT_NO_RULE: return "no-rule";
    }
    return "?";
}
