/* SPDX-License-Identifier: ISC */
/*
 * This machine's context as report sections (ui/report.h): the JSON
 * "context" object and the text report's lines.  It reads struct
 * pp_context (diagnose/context.h); collecting it is the context's job.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/pushprobe.h"

#include "diagnose/context.h"
#include "ui/jsonw.h"
#include "ui/report.h"

static void
json_route(struct pp_jsonw *w, const char *key, const char *ifname, const char *gw)
{
    pp_jw_key(w, key);
    if (ifname == NULL) {
        pp_jw_null(w);
        return;
    }
    pp_jw_obj(w);
    pp_jw_key(w, "interface");
    pp_jw_str(w, ifname);
    pp_jw_key(w, "gateway");
    pp_jw_str(w, gw);
    pp_jw_obj_end(w);
}

static void
json_strv(struct pp_jsonw *w, const char *key, char *const *v, size_t n)
{
    size_t i;

    pp_jw_key(w, key);
    pp_jw_arr(w);
    for (i = 0; i < n; i++)
        pp_jw_str(w, v[i]);
    pp_jw_arr_end(w);
}

/* The run's PAC file: where from, whether it ran, what it said. */
static void
json_pac(struct pp_jsonw *w, const struct pp_context_pac *p)
{
    size_t i;

    pp_jw_key(w, "pac");
    pp_jw_obj(w);
    pp_jw_key(w, "source");
    pp_jw_str(w, p->source);
    pp_jw_key(w, "from");
    pp_jw_str(w, p->from);
    pp_jw_key(w, "status");
    pp_jw_str(w, p->status);
    if (p->error != NULL) {
        pp_jw_key(w, "error");
        pp_jw_str(w, p->error);
    }
    pp_jw_key(w, "apple");
    pp_jw_str(w, p->apple);
    pp_jw_key(w, "other");
    pp_jw_str(w, p->other);
    pp_jw_key(w, "answers");
    pp_jw_obj(w);
    for (i = 0; i < p->nanswers; i++) {
        pp_jw_key(w, p->answers[i].name);
        pp_jw_str(w, p->answers[i].value);
    }
    pp_jw_obj_end(w);
    pp_jw_obj_end(w);
}

void
pp_context_json(const struct pp_context *c, struct pp_jsonw *w)
{
    size_t i;

    pp_jw_obj(w);
    pp_jw_key(w, "hostname");
    pp_jw_str(w, c->hostname);
    pp_jw_key(w, "os");
    pp_jw_str(w, c->os);
    json_route(w, "default_route", c->default_if, c->default_gw);
    json_route(w, "default_route6", c->default_if6, c->default_gw6);
    json_strv(w, "dns_servers", c->dns_servers, c->ndns);
    json_strv(w, "vpn_interfaces", c->vpn_ifs, c->nvpn);
    pp_jw_key(w, "proxies");
    pp_jw_obj(w);
    for (i = 0; i < c->nproxies; i++) {
        pp_jw_key(w, c->proxies[i].name);
        pp_jw_str(w, c->proxies[i].value);
    }
    pp_jw_obj_end(w);
    json_strv(w, "local_addresses", c->local_addrs, c->nlocal);
    if (c->pac != NULL)
        json_pac(w, c->pac);
    pp_jw_obj_end(w);
}

static void
text_route(FILE *f, const char *label, const char *ifname, const char *gw)
{
    if (ifname == NULL)
        fprintf(f, "  %s: none\n", label);
    else if (gw == NULL)
        fprintf(f, "  %s: default on %s\n", label, ifname);
    else
        fprintf(f, "  %s: default via %s on %s\n", label, gw, ifname);
}

static void
text_list(FILE *f, const char *label, char *const *v, size_t n)
{
    size_t i;

    fprintf(f, "  %s: ", label);
    if (n == 0)
        fputs("none", f);
    for (i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? ", " : "", v[i]);
    fputc('\n', f);
}

static const char *
clat_of(const struct pp_context *c)
{
    return c != NULL && c->clat_if != NULL ? c->clat_if : NULL;
}

void
pp_nat64_json(const struct pp_nat64_info *n, const struct pp_context *c, struct pp_jsonw *w)
{
    const char *clat = clat_of(c);

    if (!n->ipv6_only && n->prefix[0] == '\0' && clat == NULL)
        return;
    pp_jw_key(w, "nat64");
    pp_jw_obj(w);
    pp_jw_key(w, "ipv6_only");
    pp_jw_bool(w, n->ipv6_only);
    pp_jw_key(w, "ipv4_route");
    pp_jw_bool(w, !n->no_ipv4_route);
    pp_jw_key(w, "prefix");
    if (n->prefix[0] != '\0')
        pp_jw_str(w, n->prefix);
    else
        pp_jw_null(w);
    pp_jw_key(w, "source");
    if (n->prefix[0] != '\0')
        pp_jw_str(w, n->discovered ? "discovered" : "well-known");
    else
        pp_jw_null(w);
    pp_jw_key(w, "discovery");
    pp_jw_str(w, !n->looked ? "not-run" : n->nprefix > 0 ? "found" : "none");
    pp_jw_key(w, "clat_interface");
    if (clat != NULL)
        pp_jw_str(w, clat);
    else
        pp_jw_null(w);
    pp_jw_obj_end(w);
}

/* "IPv6-only network with NAT64 (prefix ...)", when it is one. */
static void
text_nat64(FILE *f, const struct pp_nat64_info *n, const char *clat)
{
    const char *how = n->discovered ? "discovered through ipv4only.arpa" : "well-known";

    if (n->ipv6_only && n->prefix[0] != '\0')
        fprintf(f, "  Network: IPv6-only network with NAT64 (prefix %s, %s)", n->prefix, how);
    else if (n->ipv6_only)
        fputs("  Network: IPv6-only network, no NAT64 prefix found (ipv4only.arpa has no "
              "IPv6 address)", f);
    else if (n->prefix[0] != '\0')
        fprintf(f, "  NAT64: prefix %s (%s) in the answers", n->prefix, how);
    else if (clat == NULL)
        return;
    else
        fputs("  464XLAT:", f);
    if (clat != NULL)
        fprintf(f, "%s CLAT interface %s", n->ipv6_only || n->prefix[0] ? "; 464XLAT" : "",
                clat);
    fputc('\n', f);
}

void
pp_context_text(const struct pp_context *c, const struct pp_nat64_info *nat64, FILE *f)
{
    size_t i;

    fprintf(f, "  Host: %s", c->hostname ? c->hostname : "(unknown)");
    if (c->os != NULL)
        fprintf(f, " (%s)", c->os);
    fputc('\n', f);
    text_route(f, "Route", c->default_if, c->default_gw);
    text_route(f, "Route6", c->default_if6, c->default_gw6);
    if (nat64 != NULL)
        text_nat64(f, nat64, clat_of(c));
    text_list(f, "DNS", c->dns_servers, c->ndns);
    text_list(f, "VPN", c->vpn_ifs, c->nvpn);
    fputs("  Proxy: ", f);
    if (c->nproxies == 0)
        fputs("none", f);
    for (i = 0; i < c->nproxies; i++)
        fprintf(f, "%s%s=%s", i ? ", " : "", c->proxies[i].name, c->proxies[i].value);
    fputc('\n', f);
    if (c->pac != NULL) {
        const struct pp_context_pac *p = c->pac;

        fprintf(f, "  PAC: %s%s", p->source, strcmp(p->from, "system") == 0 ? " (system)" : "");
        if (p->error != NULL)
            fprintf(f, ": %s (%s)", p->status, p->error);
        if (p->apple != NULL)
            fprintf(f, ", Apple's hosts -> %s", p->apple);
        if (p->other != NULL)
            fprintf(f, ", other hosts -> %s", p->other);
        fputc('\n', f);
    }
    text_list(f, "Addresses", c->local_addrs, c->nlocal);
}
