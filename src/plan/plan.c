/* SPDX-License-Identifier: ISC */
/* The plan of checks and the builders for the user's systems; see plan.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "plan/proxy.h"
#include "probes/probe.h"
#include "core/url.h"
#include "core/util.h"

void
pp_plan_init(struct pp_plan *p)
{
    p->t = NULL;
    p->n = p->cap = 0;
}

void
pp_plan_free(struct pp_plan *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        pp_target_free(p->t[i]);
    free(p->t);
    pp_plan_init(p);
}

struct pp_target *
pp_target_new(enum pp_service sv, const char *host, uint16_t port,
              const char *probe, bool required)
{
    struct pp_target *t = pp_xcalloc(1, sizeof(*t));

    t->service = sv;
    t->host = pp_xstrdup(host);
    t->port = port;
    t->probe = pp_probe_find(probe);
    if (t->probe == NULL) {
        /* A name in our own tables that no probe answers to: a bug. */
        fprintf(stderr, "pushprobe: internal error: no probe '%s'\n", probe);
        abort();
    }
    t->tls = strcmp(probe, "tls") == 0;
    t->required = required;
    t->trust = PP_TRUST_SYSTEM;
    return t;
}

void
pp_target_free(struct pp_target *t)
{
    if (t == NULL)
        return;
    free(t->host);
    free(t->sni);
    free(t->verify_name);
    free(t->alpn);
    free(t->path);
    free(t->note);
    pp_via_free(t->via);
    free(t);
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? pp_xstrdup(s) : NULL;
}

struct pp_target *
pp_target_dup(const struct pp_target *t)
{
    struct pp_target *c = pp_xcalloc(1, sizeof(*c));

    *c = *t;
    c->host = pp_xstrdup(t->host);
    c->sni = dup_or_null(t->sni);
    c->verify_name = dup_or_null(t->verify_name);
    c->alpn = dup_or_null(t->alpn);
    c->path = dup_or_null(t->path);
    c->note = dup_or_null(t->note);
    c->via = t->via != NULL ? pp_via_dup(t->via) : NULL;
    return c;
}

struct pp_target *
pp_plan_add(struct pp_plan *p, struct pp_target *t)
{
    size_t i;

    if (p == NULL) {
        /* A builder only checking what the user typed. */
        pp_target_free(t);
        return NULL;
    }
    for (i = 0; i < p->n; i++) {
        struct pp_target *o = p->t[i];
        if (o->port == t->port && o->probe == t->probe && o->tls == t->tls &&
            strcmp(o->via ? o->via->url : "", t->via ? t->via->url : "") == 0 &&
            strcmp(o->host, t->host) == 0 &&
            strcmp(o->path ? o->path : "/", t->path ? t->path : "/") == 0) {
            /* The same check twice: keep the first, but a required
             * duplicate makes it required. */
            o->required = o->required || t->required;
            pp_target_free(t);
            return o;
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->t = pp_xrealloc(p->t, p->cap, sizeof(*p->t));
    }
    p->t[p->n++] = t;
    return t;
}

/* A URL, or a bare HOST[:PORT] taken as default_scheme://HOST[:PORT]. */
static int
parse_url_or_host(const char *arg, const char *default_scheme,
                  struct pp_url *u, char *err, size_t errlen)
{
    char *tmp;
    int rc;

    if (strstr(arg, "://") != NULL)
        return pp_url_parse(arg, u, err, errlen);
    tmp = pp_xasprintf("%s://%s", default_scheme, arg);
    rc = pp_url_parse(tmp, u, err, errlen);
    free(tmp);
    return rc;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Add an http:// or https:// URL checked by the HTTP-based probe named. */
static int
add_web(struct pp_plan *p, enum pp_service sv, const struct pp_url *u, const char *probe,
        uint16_t default_port, bool required, const char *note, char *err,
        size_t errlen)
{
    struct pp_target *t;
    bool tls;

    if (strcmp(u->scheme, "https") == 0)
        tls = true;
    else if (strcmp(u->scheme, "http") == 0)
        tls = false;
    else {
        snprintf(err, errlen, "unsupported URL scheme '%s' (want http or https)", u->scheme);
        return -1;
    }
    t = pp_target_new(sv, u->host, u->port ? u->port : default_port, probe, required);
    t->tls = tls;
    t->path = pp_xstrdup(u->path);
    if (tls)
        t->alpn = pp_xstrdup("http/1.1");
    t->note = pp_xstrdup(note);
    pp_plan_add(p, t);
    return 0;
}

int
pp_plan_add_mdm(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    struct pp_url u;
    uint16_t port;
    int rc;

    if (parse_url_or_host(arg, "https", &u, err, errlen) < 0)
        return -1;
    if (strcmp(u.scheme, "https") != 0) {
        snprintf(err, errlen,
                 "the MDM URL must be https:// (devices only talk to their MDM over HTTPS)");
        pp_url_free(&u);
        return -1;
    }
    /* On-premises Jamf Pro listens on 8443; Jamf Cloud on 443. */
    port = ends_with(u.host, ".jamfcloud.com") ? 443 : 8443;
    rc = add_web(p, PP_SV_MDM, &u, "mdm", port, true, "the MDM server devices check in with",
                 err, errlen);
    pp_url_free(&u);
    return rc;
}

int
pp_plan_add_sus(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    struct pp_url u;
    int rc;

    if (parse_url_or_host(arg, "http", &u, err, errlen) < 0)
        return -1;
    rc = add_web(p, PP_SV_SUS, &u, "sus", 8088, true, "Software Update Server catalog",
                 err, errlen);
    pp_url_free(&u);
    return rc;
}

int
pp_plan_add_dp(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    struct pp_url u;
    int rc;

    if (pp_url_parse(arg, &u, err, errlen) < 0)
        return -1;
    rc = add_web(p, PP_SV_DP, &u, "http", strcmp(u.scheme, "https") == 0 ? 443 : 80,
                 true, "package distribution point", err, errlen);
    pp_url_free(&u);
    return rc;
}

static int
add_share(struct pp_plan *p, enum pp_service sv, const char *arg,
          uint16_t default_port, const char *scheme, bool required,
          const char *note, char *err, size_t errlen)
{
    char *host = NULL;
    uint16_t port = 0;
    struct pp_url u;
    struct pp_target *t;

    if (strstr(arg, "://") != NULL) {
        if (pp_url_parse(arg, &u, err, errlen) < 0)
            return -1;
        if (strcmp(u.scheme, scheme) != 0) {
            snprintf(err, errlen, "want %s://HOST or HOST, not a %s:// URL", scheme, u.scheme);
            pp_url_free(&u);
            return -1;
        }
        host = u.host;
        port = u.port;
        u.host = NULL;
        pp_url_free(&u);
    } else if (pp_hostport_parse(arg, &host, &port, err, errlen) < 0) {
        return -1;
    }
    t = pp_target_new(sv, host, port ? port : default_port, scheme, required);
    t->note = pp_xstrdup(note);
    free(host);
    pp_plan_add(p, t);
    return 0;
}

int
pp_plan_add_smb(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    return add_share(p, PP_SV_SMB, arg, 445, "smb", true,
                     "SMB file share (packages)", err, errlen);
}

int
pp_plan_add_afp(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    /* AFP is deprecated on current macOS: never required. */
    return add_share(p, PP_SV_AFP, arg, 548, "afp", false,
                     "AFP file share (deprecated on current macOS)", err, errlen);
}

int
pp_plan_add_publicip(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    struct pp_url u;
    int rc;

    if (pp_url_parse(arg, &u, err, errlen) < 0)
        return -1;
    rc = add_web(p, PP_SV_CUSTOM, &u, "publicip", strcmp(u.scheme, "https") == 0 ? 443 : 80,
                 false, "public address service (--public-ip)", err, errlen);
    pp_url_free(&u);
    return rc;
}

int
pp_plan_add_free(struct pp_plan *p, const char *arg, char *err, size_t errlen)
{
    struct pp_url u;
    struct pp_target *t;
    char *host = NULL;
    uint16_t port = 0;
    int rc = 0;

    if (strstr(arg, "://") == NULL) {
        if (pp_hostport_parse(arg, &host, &port, err, errlen) < 0)
            return -1;
        if (port == 0) {
            snprintf(err, errlen, "no port (write HOST:PORT)");
            free(host);
            return -1;
        }
        t = pp_target_new(PP_SV_CUSTOM, host, port, "tcp", true);
        free(host);
        pp_plan_add(p, t);
        return 0;
    }
    if (pp_url_parse(arg, &u, err, errlen) < 0)
        return -1;
    if (strcmp(u.scheme, "tcp") == 0 || strcmp(u.scheme, "tls") == 0) {
        if (u.port == 0) {
            snprintf(err, errlen, "no port (write %s://HOST:PORT)", u.scheme);
            rc = -1;
        } else {
            t = pp_target_new(PP_SV_CUSTOM, u.host, u.port, u.scheme, true);
            pp_plan_add(p, t);
        }
    } else {
        rc = add_web(p, PP_SV_CUSTOM, &u, "http",
                     strcmp(u.scheme, "https") == 0 ? 443 : 80, true,
                     "target given on the command line", err, errlen);
    }
    pp_url_free(&u);
    return rc;
}

int
pp_plan_add_user(struct pp_plan *p, const char *kind, const char *arg, char *err,
                 size_t errlen)
{
    static const struct {
        const char *kind;
        int (*add)(struct pp_plan *, const char *, char *, size_t);
    } kinds[] = {
        {"mdm", pp_plan_add_mdm},   {"sus", pp_plan_add_sus},
        {"dp", pp_plan_add_dp},     {"smb", pp_plan_add_smb},
        {"afp", pp_plan_add_afp},   {"public-ip", pp_plan_add_publicip},
        {"target", pp_plan_add_free},
    };
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].add(p, arg, err, errlen);
    snprintf(err, errlen, "no system of the kind '%s'", kind);
    return -1;
}
