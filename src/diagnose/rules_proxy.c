/* SPDX-License-Identifier: ISC */
/*
 * The rules of the path through a web proxy (issue 16): a check through a
 * proxy (target->via) has a direct twin, the same host, port and probe.
 * The proxy unreachable, asking for credentials, refusing a port or a
 * host, failing upstream; and the areas that work through the proxy while
 * the direct path is blocked.  Interception by the proxy is
 * rule_intercepted's, naming the proxy; push on 443 through the proxy is
 * rule_apns_device's (APNS_VIA_PROXY).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/diagnose.h"
#include "diagnose/rules.h"
#include "core/util.h"

/* Apple's conditions for the path through a proxy (apple-network.md 1.2). */
#define APPLE_PROXY_TERMS \
    "Apple's conditions: devices reach APNs through an HTTP proxy configured on the " \
    "device or by a configuration profile (through a PAC file from macOS 10.15.5 and " \
    "iOS/iPadOS 13.4), on port 443, and only if the proxy does not decrypt: Apple " \
    "services fail any connection that uses HTTPS interception."

bool
same_endpoint(const struct pp_target *a, const struct pp_target *b)
{
    return a->service == b->service && a->port == b->port && a->probe == b->probe &&
           a->tls == b->tls && strcmp(a->host, b->host) == 0 &&
           strcmp(a->path ? a->path : "/", b->path ? b->path : "/") == 0;
}

/* Whether a result of the endpoint of t on the other path works. */
static bool
twin_works(struct ctx *c, const struct pp_result *r)
{
    size_t i;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *q = c->rep->results[i];
        if ((q->target->via == NULL) != (r->target->via == NULL) && q->state == PP_ST_OK &&
            pp_result_counted(q) && same_endpoint(q->target, r->target))
            return true;
    }
    return false;
}

/* Every failed check of the proxy's, with its twin working directly?
 * Then the proxy's failure does not stop the devices. */
static bool
direct_covers(struct ctx *c, const size_t *idx, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!twin_works(c, c->rep->results[idx[i]]))
            return false;
    return n > 0;
}

static const char *
proxy_url(struct ctx *c, const size_t *idx)
{
    return c->rep->results[idx[0]]->target->via->url;
}

static bool
pick_unreachable(const struct pp_result *r)
{
    return r->target->via != NULL && r->reason == PP_RS_PROXY_UNREACHABLE;
}

void
rule_proxy_unreachable(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_unreachable, idx, MAXSEL);
    struct pp_finding *f;
    const struct pp_result *r;
    const struct pp_kv *tcp;
    bool covered;

    if (n == 0)
        return;
    r = c->rep->results[idx[0]];
    tcp = pp_detail_get(r, "proxy_tcp");
    covered = direct_covers(c, idx, n);
    f = emit(c, "PROXY_UNREACHABLE", covered ? PP_SEV_WARNING : PP_SEV_CRITICAL);
    f->title = pp_xasprintf("The proxy %s cannot be reached", proxy_url(c, idx));
    f->detail = pp_xasprintf("%s%s%s%s.  %s", r->message ? r->message : "the connect failed",
                             tcp != NULL && tcp->s != NULL ? " (TCP outcome: " : "",
                             tcp != NULL && tcp->s != NULL ? tcp->s : "",
                             tcp != NULL && tcp->s != NULL ? ")" : "",
                             covered ? "Direct connections work, so devices that do not use "
                             "this proxy are not affected." : "Devices configured to use "
                             "it reach nothing through it.");
    f->advice_user = pp_xstrdup("Check the proxy setting (address and port) with whoever "
                                "runs the network.");
    f->advice_admin = pp_xasprintf("Make the proxy %s reachable from this network (is it "
                                   "running, listening on that address and port, allowed "
                                   "by the firewall?), or correct the devices' proxy "
                                   "setting.", proxy_url(c, idx));
    claim(c, f, idx, n);
}

static bool
pick_auth(const struct pp_result *r)
{
    return r->target->via != NULL && r->reason == PP_RS_PROXY_AUTH_REQUIRED;
}

void
rule_proxy_auth(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_auth, idx, MAXSEL);
    const struct pp_result *r;
    const struct pp_kv *scheme;
    struct pp_finding *f;
    char *h;
    bool sent;

    if (n == 0)
        return;
    r = c->rep->results[idx[0]];
    scheme = pp_detail_get(r, "proxy_auth_scheme");
    sent = r->target->via->auth != NULL;
    f = emit(c, "PROXY_AUTH_REQUIRED", direct_covers(c, idx, n) ? PP_SEV_WARNING
                                                                : PP_SEV_CRITICAL);
    f->title = pp_xasprintf("The proxy %s %s", proxy_url(c, idx),
                            sent ? "refuses the credentials given"
                                 : "wants credentials (HTTP 407)");
    h = hosts(c, idx, n, true);
    f->detail = pp_xasprintf("The proxy answers 407 Proxy Authentication Required%s%s%s for "
                             "%s.  Apple's services on a device (push, enrollment, software "
                             "update) cannot always answer a proxy's authentication "
                             "request.", scheme && scheme->s ? " (scheme " : "",
                             scheme && scheme->s ? scheme->s : "",
                             scheme && scheme->s ? ")" : "", h);
    free(h);
    f->advice_user = pp_xstrdup("Ask whoever runs the network for the proxy's credentials "
                                "or for an exemption for Apple's services.");
    f->advice_admin = pp_xstrdup("Devices need the proxy's credentials in their proxy "
                                 "setting (a configuration profile), or exempt Apple's hosts "
                                 "(*.apple.com, 17.0.0.0/8) from proxy authentication.");
    claim(c, f, idx, n);
}

static bool
pick_denied(const struct pp_result *r)
{
    return r->target->via != NULL && r->reason == PP_RS_PROXY_DENIED;
}

/* The proxy refuses CONNECT to a port other than 443 (squid's default:
 * CONNECT to 443 only).  The run's 5223 courier check through the proxy
 * is expected to meet it (devices use 443 through a proxy); another
 * service's port (an MDM on 8443) is not. */
static void
port_policy(struct ctx *c, const size_t *port, size_t np)
{
    struct pp_finding *f;
    size_t i, others[MAXSEL], no = 0;
    char *h;

    for (i = 0; i < np; i++)
        if (c->rep->results[port[i]]->target->service != PP_SV_APNS_DEVICE)
            others[no++] = port[i];
    f = emit(c, "PROXY_PORT_POLICY", no > 0 && !direct_covers(c, others, no)
                                         ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    h = hosts(c, port, np, true);
    f->title = pp_xasprintf("The proxy %s allows CONNECT to port 443 only: it refuses %s",
                            proxy_url(c, port), h);
    f->detail = pp_xasprintf("Through the proxy, CONNECT to %s is refused (HTTP 403): the "
                             "proxy's port policy (squid's default configuration allows "
                             "CONNECT to its SSL_ports, 443, only).  Devices that use this "
                             "proxy keep their push connection on 443%s.  " APPLE_PROXY_TERMS,
                             h, no > 0 ? ", and cannot reach the other ports named" : "");
    free(h);
    f->advice_user = pp_xstrdup("Nothing to do on the device.");
    f->advice_admin = pp_xstrdup("Allow CONNECT to these ports for these hosts (squid: add "
                                 "the port to SSL_ports, or an acl for 17.0.0.0/8 port 5223 "
                                 "and for the MDM's port), or let them out directly.");
    claim(c, f, port, np);
    for (i = 0; i < np; i++)
        if (c->rep->results[port[i]]->target->service == PP_SV_APNS_DEVICE)
            c->expected[port[i]] = true;
    f->expected = no == 0;
}

/* The proxy refuses: CONNECT to another port than 443, its port policy;
 * CONNECT to 443 or a plain HTTP request, its policy on hosts. */
void
rule_proxy_denied(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_denied, idx, MAXSEL), i;
    size_t port[MAXSEL], host[MAXSEL], np = 0, nh = 0;
    struct pp_finding *f;
    char *h;

    for (i = 0; i < n; i++) {
        const struct pp_target *t = c->rep->results[idx[i]]->target;
        if (t->tunnel && t->port != 443)
            port[np++] = idx[i];
        else
            host[nh++] = idx[i];
    }
    if (np > 0)
        port_policy(c, port, np);
    if (nh > 0) {
        f = emit(c, "PROXY_DENIED", direct_covers(c, host, nh) ? PP_SEV_WARNING
                                                              : PP_SEV_CRITICAL);
        h = hosts(c, host, nh, true);
        f->title = pp_xasprintf("The proxy %s refuses %s", proxy_url(c, host), h);
        f->detail = pp_xasprintf("Through the proxy, the requests to %s are refused (HTTP "
                                 "403): the proxy's access rules.", h);
        free(h);
        f->advice_user = pp_xstrdup("Ask whoever runs the network to allow these services "
                                    "through the proxy.");
        f->advice_admin = pp_xstrdup("Allow these hosts (for Apple: *.apple.com, "
                                     "17.0.0.0/8) in the proxy's access rules, without TLS "
                                     "inspection.");
        claim(c, f, host, nh);
    }
}

static bool
pick_upstream(const struct pp_result *r)
{
    return r->target->via != NULL && (r->reason == PP_RS_PROXY_UPSTREAM_FAILED ||
                                      r->reason == PP_RS_PROXY_STATUS);
}

void
rule_proxy_upstream(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_upstream, idx, MAXSEL);
    struct pp_finding *f;
    char *h, *mode;

    if (n == 0)
        return;
    f = emit(c, "PROXY_UPSTREAM_FAILED", direct_covers(c, idx, n) ? PP_SEV_WARNING
                                                                   : PP_SEV_CRITICAL);
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f->title = pp_xasprintf("The proxy %s cannot reach Apple's servers", proxy_url(c, idx));
    f->detail = pp_xasprintf("The proxy accepts CONNECT but answers with an error for %s: "
                             "%s.  %s", h, mode, c->rep->results[idx[0]]->message
                             ? c->rep->results[idx[0]]->message : "");
    free(h);
    free(mode);
    f->advice_user = pp_xstrdup("Ask whoever runs the network: the proxy cannot reach "
                                "Apple.");
    f->advice_admin = pp_xstrdup("Check the proxy's own way out (its DNS, its firewall "
                                 "rules and upstream proxy) to Apple's hosts on 443.");
    claim(c, f, idx, n);
}

/* Direct checks that fail while their twin through the proxy works: the
 * service works through the proxy (the direct failures are expected on a
 * network whose way out is the proxy). */
void
rule_proxy_path(struct ctx *c)
{
    size_t idx[MAXSEL], n = 0, i;
    struct pp_finding *f;
    char *h, *mode;

    for (i = 0; i < c->rep->n && n < MAXSEL; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!c->explained[i] && failed(r) && pp_result_counted(r) && r->target->via == NULL &&
            twin_works(c, r))
            idx[n++] = i;
    }
    if (n == 0)
        return;
    for (i = 0; i < c->rep->n; i++)
        if (c->rep->results[i]->target->via != NULL)
            break;
    f = emit(c, "WORKS_THROUGH_PROXY", PP_SEV_INFO);
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f->title = pp_xasprintf("What fails directly works through the proxy %s",
                            c->rep->results[i]->target->via->url);
    f->detail = pp_xasprintf("Direct connections to %s are %s; through the proxy the same "
                             "checks work.  Devices that use the proxy reach these "
                             "services.  " APPLE_PROXY_TERMS, h, mode);
    free(h);
    free(mode);
    f->advice_user = pp_xstrdup("Use the network's proxy setting (it is needed here).");
    f->advice_admin = pp_xstrdup("Give devices the proxy setting (a configuration profile "
                                 "or a PAC file), and keep TLS inspection off for Apple's "
                                 "hosts on the proxy.");
    claim_expected(c, f, idx, n);
}
