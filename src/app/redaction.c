/* SPDX-License-Identifier: ISC */
/*
 * What --redact hides (output.h): the rules, one function per source of
 * secrets, then a pass that learns the names under the company's domains
 * from an unmasked rendering.  Apple's public names and addresses stay:
 * they are what the help desk reads.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "app/output.h"
#include "capture/capture.h"
#include "capture/flows.h"
#include "capture/pkt.h"
#include "core/applenet.h"
#include "core/redact.h"
#include "core/url.h"
#include "core/util.h"
#include "diagnose/context.h"
#include "probes/details.h"
#include "ui/report.h"

/* Apple's public domains: the profile's hosts and the content networks
 * their names lead to. */
static const char *const apple_domains[] = {
    "apple.com", "cdn-apple.com", "icloud.com", "icloud-content.com", "apple-cloudkit.com",
    "mzstatic.com", "aaplimg.com", "apple-dns.net", "apple.news", "itunes.com", "me.com",
};

static bool
ends_with_label(const char *h, const char *d)
{
    size_t hn = strlen(h), dn = strlen(d);

    if (hn < dn || strcasecmp(h + hn - dn, d) != 0)
        return false;
    return hn == dn || h[hn - dn - 1] == '.';
}

static bool
is_apple_name(const char *h)
{
    size_t i;

    for (i = 0; i < sizeof(apple_domains) / sizeof(apple_domains[0]); i++)
        if (ends_with_label(h, apple_domains[i]))
            return true;
    return false;
}

static bool
is_apple_addr(const char *a)
{
    struct sockaddr_storage ss;
    socklen_t len;

    return pp_host_sockaddr(a, 0, &ss, &len) != 0 && pp_addr_in_apple((struct sockaddr *)&ss);
}

/* A company host or address, and the domain of a name ("mdm.corp.test":
 * corp.test; "corp.test" itself), never Apple's. */
static void
add_host(struct pp_redact *rd, const char *h)
{
    const char *dot;

    if (h == NULL || *h == '\0')
        return;
    if (pp_host_literal(h) != 0) {
        if (!is_apple_addr(h))
            pp_redact_add(rd, "corp-addr", h);
        return;
    }
    if (is_apple_name(h) || strcasecmp(h, "localhost") == 0)
        return;
    pp_redact_add(rd, "corp-host", h);
    dot = strchr(h, '.');
    if (dot == NULL || dot[1] == '\0')
        return;
    /* Three labels or more: the domain is what follows the first. */
    pp_redact_add_domain(rd, "corp-domain", strchr(dot + 1, '.') != NULL ? dot + 1 : h);
}

/* A URL's path and query ("/acme-packages/Tool.pkg?t=1"): the whole, the
 * path alone, each directory above it and the query, so that none of
 * them shows where another is written. */
static void
add_path(struct pp_redact *rd, const char *path)
{
    size_t n, q;
    char *s;

    if (path == NULL || strcmp(path, "/") == 0 || path[0] == '\0')
        return;
    pp_redact_add(rd, "path", path);
    s = pp_xstrdup(path);
    q = strcspn(s, "?#");
    if (s[q] != '\0' && s[q + 1] != '\0')
        pp_redact_add(rd, "path", s + q + 1);
    s[q] = '\0';
    pp_redact_add(rd, "path", s);
    for (n = q; n > 1; n--) {
        if (s[n - 1] != '/')
            continue;
        s[n] = '\0';
        pp_redact_add(rd, "path", s);
        s[n - 1] = '\0';
        pp_redact_add(rd, "path", s);
    }
    free(s);
}

/* A certificate's name: a host name or an address as such, anything else
 * ("ACME Corp Root CA") as a company name.  Values under 4 bytes stay
 * ("IT", "US"), and Apple's own names. */
static void
add_value(struct pp_redact *rd, const char *v)
{
    if (v == NULL || strlen(v) < 4)
        return;
    if (pp_host_literal(v) != 0 || (strchr(v, '.') != NULL && pp_host_valid(v)))
        add_host(rd, v);
    else if (v[0] == '*' && v[1] == '.' && pp_host_valid(v + 2))
        add_host(rd, v + 2);
    else if (!is_apple_name(v) && strstr(v, "Apple") == NULL)
        pp_redact_add(rd, "corp-name", v);
}

/* The values of an RFC 2253 name ("CN=ACME Root CA,O=ACME Corp") that
 * name the company: CN, O and emailAddress (OU, L and ST are often plain
 * words, "Servers", that masking would take out of every sentence). */
static void
add_dn(struct pp_redact *rd, const char *dn)
{
    const char *p = dn;

    while (p != NULL && *p != '\0') {
        const char *eq, *e;
        char *v;

        while (*p == ' ')
            p++;
        if ((eq = strchr(p, '=')) == NULL)
            return;
        for (e = eq + 1; *e != '\0' && *e != ','; e++)
            if (*e == '\\' && e[1] != '\0')
                e++;
        v = pp_xasprintf("%.*s", (int)(e - eq - 1), eq + 1);
        if ((eq - p == 2 && (strncmp(p, "CN", 2) == 0)) || (eq - p == 1 && p[0] == 'O') ||
            (eq - p == 12 && strncmp(p, "emailAddress", 12) == 0))
            add_value(rd, v);
        free(v);
        p = *e == ',' ? e + 1 : e;
    }
}

/* What the company's certificates carry: subject, issuer and names. */
static void
add_certs(struct pp_redact *rd, const struct pp_tls_info *t)
{
    size_t k, q;

    add_dn(rd, t->subject);
    add_dn(rd, t->issuer);
    add_value(rd, t->issuer_cn);
    for (k = 0; k < t->nserved + t->nbuilt; k++) {
        const struct pp_cert_info *ci = k < t->nserved ? &t->served[k]
                                                       : &t->built[k - t->nserved];
        add_dn(rd, ci->subject);
        add_dn(rd, ci->issuer);
        for (q = 0; q < ci->nsan; q++) {
            const char *san = ci->san[q];
            if (strncmp(san, "DNS:", 4) == 0)
                add_host(rd, san + 4 + (strncmp(san + 4, "*.", 2) == 0 ? 2 : 0));
            else if (strncmp(san, "IP:", 3) == 0)
                add_host(rd, san + 3);
        }
    }
}

/* The machine's host name (and its short form, "Name" of "Name.local"),
 * its user unless a system account's ordinary word. */
static void
redact_machine(struct pp_redact *rd, const struct pp_context *cx)
{
    if (cx->hostname) {
        size_t n = strcspn(cx->hostname, ".");
        pp_redact_add_unique(rd, "hostname", cx->hostname);
        if (n >= 4 && cx->hostname[n] == '.') {
            char *shortname = pp_xstrdup(cx->hostname);
            shortname[n] = '\0';
            pp_redact_add_unique(rd, "hostname", shortname);
            free(shortname);
        }
    }
    if (cx->username && strcmp(cx->username, "root") != 0 &&
        strcmp(cx->username, "nobody") != 0 && strcmp(cx->username, "admin") != 0)
        pp_redact_add_unique(rd, "user", cx->username);
}

/* no_proxy's entries (".corp.test", "*.corp.test", "10.0.0.0/8", "host:port"):
 * company domains and addresses, but the loopback's. */
static void
add_no_proxy(struct pp_redact *rd, const char *v)
{
    char *copy = pp_xstrdup(v), *p = copy;

    while (*p != '\0') {
        size_t n = strcspn(p, ", \t;|");
        char *e = p + n, keep = *e, *slash, *colon;

        *e = '\0';
        while (*p == '*' || *p == '.')
            p++;
        if ((slash = strchr(p, '/')) != NULL)
            *slash = '\0';
        if (strchr(p, ':') == strrchr(p, ':') && (colon = strchr(p, ':')) != NULL)
            *colon = '\0';
        if (*p != '\0' && strcmp(p, "localhost") != 0 && strcmp(p, "127.0.0.1") != 0 &&
            strcmp(p, "::1") != 0 && strcmp(p, "<local>") != 0) {
            if (pp_host_literal(p) != 0)
                add_host(rd, p);
            else if (!is_apple_name(p) && strlen(p) >= 2)
                pp_redact_add_domain(rd, "corp-domain", p);
        }
        *e = keep;
        p = keep != '\0' ? e + 1 : e;
    }
    free(copy);
}

/* A proxy setting ("http://bob:***@proxy.corp.test:3128", "host:port", a
 * PAC URL): its user, its host and a PAC's path. */
static void
add_proxy(struct pp_redact *rd, const char *v)
{
    const char *h = strstr(v, "://"), *end, *at = NULL, *q;
    char *host = NULL;
    uint16_t port;
    char err[128];

    h = h != NULL ? h + 3 : v;
    end = h + strcspn(h, "/?#");
    for (q = h; q < end; q++)
        if (*q == '@')
            at = q;
    if (at != NULL) {
        /* The user, and a password that was not masked already. */
        size_t un = strcspn(h, ":@");
        char *user = pp_xasprintf("%.*s", (int)un, h);
        pp_redact_add(rd, "proxy-user", user);
        free(user);
        if (h[un] == ':' && strncmp(h + un + 1, "***@", 4) != 0) {
            char *pw = pp_xasprintf("%.*s", (int)(at - h - un - 1), h + un + 1);
            pp_redact_add(rd, "proxy-password", pw);
            free(pw);
        }
        h = at + 1;
    }
    {
        char *auth = pp_xasprintf("%.*s", (int)(end - h), h);
        /* A one-label name ("proxy") would mask the word everywhere. */
        if (pp_hostport_parse(auth, &host, &port, err, sizeof(err)) == 0 &&
            (strchr(host, '.') != NULL || pp_host_literal(host) != 0))
            add_host(rd, host);
        free(host);
        free(auth);
    }
    if (*end == '/' || *end == '?')
        add_path(rd, end);
}

/* The local network: addresses, gateways, DNS servers, proxies. */
static void
redact_network(struct pp_redact *rd, const struct pp_context *cx)
{
    size_t i;

    for (i = 0; i < cx->nlocal; i++)
        pp_redact_add(rd, "local-addr", cx->local_addrs[i]);
    if (cx->default_gw)
        pp_redact_add(rd, "local-addr", cx->default_gw);
    if (cx->default_gw6)
        pp_redact_add(rd, "local-addr", cx->default_gw6);
    for (i = 0; i < cx->ndns; i++)
        pp_redact_add(rd, "local-addr", cx->dns_servers[i]);
    for (i = 0; i < cx->nproxies; i++) {
        const char *name = cx->proxies[i].name, *v = cx->proxies[i].value;

        if (v == NULL || strcmp(v, "on") == 0)
            continue;
        if (strstr(name, "no_proxy") != NULL || strstr(name, "NO_PROXY") != NULL)
            add_no_proxy(rd, v);
        else
            add_proxy(rd, v);
    }
}

/* A target of the company's (a service of its own, or given by address
 * outside Apple's space): its host, address, path and certificates. */
static void
add_target(struct pp_redact *rd, const struct pp_target *t, const struct pp_result *r)
{
    enum pp_service sv = t->service;
    bool lit = pp_host_literal(t->host) != 0;

    if (!(sv == PP_SV_MDM || sv == PP_SV_SUS || sv == PP_SV_DP || sv == PP_SV_SMB ||
          sv == PP_SV_AFP || sv == PP_SV_CUSTOM || (lit && !is_apple_addr(t->host))) ||
        is_apple_name(t->host)) {
        /* Apple's: only a chain to no root or to one added here (an
         * inspecting proxy's, "issued by <corp-name-N>") names the company;
         * Apple's own names in it stay. */
        if (r != NULL && r->tls.handshake_done &&
            (r->tls.anchor == PP_ANCHOR_NONE || r->tls.anchor == PP_ANCHOR_ADDED))
            add_certs(rd, &r->tls);
        return;
    }
    add_host(rd, t->host);
    add_host(rd, t->sni);
    add_host(rd, t->verify_name);
    add_path(rd, t->path);
    if (r != NULL && r->has_address)
        add_host(rd, r->address);
    if (r != NULL)
        add_certs(rd, &r->tls);
}

/* A result: the public address, routers that answered ICMP or a trace
 * (outside Apple's space), the proxy it went through, the company's own
 * systems.  -v's step lines call this as each result comes. */
void
pp_app_redact_result(struct pp_redact *rd, const struct pp_result *r)
{
    const struct pp_kv *pub = pp_detail_get(r, PP_DETAIL_PUBLIC_ADDRESS);
    size_t k;

    if (pub != NULL)
        pp_redact_add_unique(rd, "public-addr", pub->s);
    if (r->icmp_from[0])
        pp_redact_add(rd, "local-addr", r->icmp_from);
    if (r->target->via != NULL) {
        /* The proxy: its name (or address), its user, and the address
         * connected to, which is the proxy's. */
        if (pp_host_literal(r->target->via->host) != 0)
            pp_redact_add(rd, "local-addr", r->target->via->host);
        else
            add_proxy(rd, r->target->via->url);
        if (r->has_address)
            pp_redact_add(rd, "local-addr", r->address);
    }
    add_target(rd, r->target, r);
    for (k = 0; r->path != NULL && k < r->path->nhops; k++) {
        const struct pp_hop *h = &r->path->hops[k];
        if (h->address[0] != '\0' && !is_apple_addr(h->address))
            pp_redact_add(rd, "hop-addr", h->address);
        if (h->name != NULL && !is_apple_name(h->name))
            add_host(rd, h->name);
    }
}

static void
redact_results(struct pp_redact *rd, const struct pp_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++)
        pp_app_redact_result(rd, rep->results[i]);
    for (i = 0; i < rep->nextra; i++)
        add_target(rd, rep->extra[i], NULL);
}

/* A capture: the devices seen (their addresses), the servers outside
 * Apple's space and the names in TLS client hellos. */
static void
redact_capture(struct pp_redact *rd, const struct pp_capture *cap)
{
    struct pp_flows *fl = pp_capture_flows(cap);
    const struct pp_flow *const *v;
    const struct pp_push_device *d;
    size_t n, i;
    char a[48];

    if (fl == NULL)
        return;
    d = pp_flows_devices(fl, &n);
    for (i = 0; i < n; i++) {
        pp_pkt_addr_str(d[i].family, d[i].addr, a, sizeof(a));
        if (!is_apple_addr(a))
            pp_redact_add(rd, "device-addr", a);
    }
    v = pp_flows_list(fl, &n);
    for (i = 0; i < n; i++) {
        pp_pkt_addr_str(v[i]->family, v[i]->client, a, sizeof(a));
        if (!is_apple_addr(a))
            pp_redact_add(rd, "device-addr", a);
        pp_pkt_addr_str(v[i]->family, v[i]->server, a, sizeof(a));
        add_host(rd, a);
        if (v[i]->sni[0] != '\0')
            add_host(rd, v[i]->sni);
    }
}

struct pp_redact *
pp_app_redactions(const struct pp_report *rep, const struct pp_context *cx)
{
    struct pp_redact *rd = pp_redact_new();
    char *all;

    if (cx == NULL)
        cx = rep->context;
    if (cx != NULL) {
        redact_machine(rd, cx);
        redact_network(rd, cx);
    }
    redact_results(rd, rep);
    if (rep->capture != NULL)
        redact_capture(rd, rep->capture);
    /* Names under the company's domains that no rule named (a redirect's
     * host, a SAN, a message): from the JSON, which holds every field. */
    all = pp_report_render(rep, PP_FMT_JSON, false, NULL);
    pp_redact_learn(rd, all);
    free(all);
    return rd;
}
