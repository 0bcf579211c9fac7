/* SPDX-License-Identifier: ISC */
/* HTTP proxies: URLs, no_proxy rules, the one selection point; see proxy.h. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/url.h"
#include "core/util.h"
#include "plan/plan.h"
#include "plan/proxy.h"
#include "probes/probe.h"

#define PROXY_DEFAULT_PORT 1080   /* curl's */

/* ------------------------------------------------------------ URLs */

static char *
base64(const unsigned char *in, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = pp_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        *o++ = tab[in[i] >> 2];
        *o++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *o++ = tab[in[i + 2] & 63];
    }
    if (i < n) {
        *o++ = tab[in[i] >> 2];
        if (i + 1 < n) {
            *o++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            *o++ = tab[(in[i + 1] & 15) << 2];
        } else {
            *o++ = tab[(in[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* %-decode n bytes of s; -1 on a bad escape or a decoded NUL. */
static int
pct_decode(const char *s, size_t n, char **out)
{
    char *d = pp_xmalloc(n + 1), *o = d;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? hexval((unsigned char)s[i + 2]) : -1;
            if (lo < 0 || (hi == 0 && lo == 0)) {
                free(d);
                return -1;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    *out = d;
    return 0;
}

/* The credentials of "user[:password]" (n bytes) as base64, or -1. */
static int
userinfo_auth(const char *s, size_t n, char **auth, bool *has_pw, char **user)
{
    const char *colon = memchr(s, ':', n);
    size_t ul = colon != NULL ? (size_t)(colon - s) : n;
    char *u, *pw = NULL, *both;

    if (ul == 0 || pct_decode(s, ul, &u) < 0)
        return -1;
    if (colon != NULL && pct_decode(colon + 1, n - ul - 1, &pw) < 0) {
        free(u);
        return -1;
    }
    both = pp_xasprintf("%s:%s", u, pw != NULL ? pw : "");
    *auth = base64((const unsigned char *)both, strlen(both));
    *has_pw = pw != NULL;
    *user = pp_xasprintf("%.*s", (int)ul, s);   /* as typed, for the shown URL */
    free(both);
    free(pw);
    free(u);
    return 0;
}

/* The part after the scheme: [userinfo@]host[:port][/]. */
static int
via_authority(const char *a, struct pp_via *v, char *err, size_t errlen)
{
    size_t alen = strcspn(a, "/?#");
    const char *at = NULL, *q, *hp;
    char *user = NULL, *hostport;
    bool has_pw = false;
    int rc;

    if (a[alen] != '\0' && strcmp(a + alen, "/") != 0)
        return pp_errf(err, errlen, "a proxy URL has no path, query or fragment (%s)", a + alen);
    for (q = a; q < a + alen; q++)
        if (*q == '@')
            at = q;
    if (at != NULL && userinfo_auth(a, (size_t)(at - a), &v->auth, &has_pw, &user) < 0)
        return pp_errf(err, errlen, "%s", "malformed user name or password in the proxy URL");
    hp = at != NULL ? at + 1 : a;
    hostport = pp_xasprintf("%.*s", (int)(a + alen - hp), hp);
    rc = pp_hostport_parse(hostport, &v->host, &v->port, err, errlen);
    free(hostport);
    if (rc == 0 && !pp_host_valid(v->host))
        rc = pp_errf(err, errlen, "'%s' is not a host name or address", v->host);
    if (rc == 0) {
        if (v->port == 0)
            v->port = PROXY_DEFAULT_PORT;
        v->url = pp_xasprintf("http://%s%s%s%s%s%s:%u", user ? user : "",
                              has_pw ? ":***" : "", user ? "@" : "",
                              pp_host_literal(v->host) == 6 ? "[" : "", v->host,
                              pp_host_literal(v->host) == 6 ? "]" : "", v->port);
    }
    free(user);
    return rc;
}

int
pp_via_parse(const char *url, bool bare_ok, struct pp_via **out, char *err, size_t errlen)
{
    struct pp_via *v;
    const char *sep;

    *out = NULL;
    if (url == NULL || *url == '\0')
        return pp_errf(err, errlen, "%s", "an empty proxy URL");
    sep = strstr(url, "://");
    if (sep != NULL && !((size_t)(sep - url) == 4 && strncasecmp(url, "http", 4) == 0)) {
        snprintf(err, errlen, "the proxy scheme '%.*s' is not supported: give an HTTP proxy "
                 "as http://[user:password@]host:port", (int)(sep - url) > 16 ? 16
                 : (int)(sep - url), url);
        return -1;
    }
    if (sep == NULL && !bare_ok)
        return pp_errf(err, errlen, "'%s' is not a proxy URL: give "
                       "http://[user:password@]host:port", url);
    v = pp_xcalloc(1, sizeof(*v));
    if (via_authority(sep != NULL ? sep + 3 : url, v, err, errlen) < 0) {
        pp_via_free(v);
        return -1;
    }
    *out = v;
    return 0;
}

struct pp_via *
pp_via_dup(const struct pp_via *v)
{
    struct pp_via *c = pp_xcalloc(1, sizeof(*c));

    c->url = pp_xstrdup(v->url);
    c->host = pp_xstrdup(v->host);
    c->port = v->port;
    c->auth = v->auth != NULL ? pp_xstrdup(v->auth) : NULL;
    return c;
}

void
pp_via_free(struct pp_via *v)
{
    if (v == NULL)
        return;
    free(v->url);
    free(v->host);
    free(v->auth);
    free(v);
}

/* -------------------------------------------------------- no_proxy */

/* "169.254/16" -> "169.254.0.0": macOS writes IPv4 blocks short. */
static int
parse_v4_short(const char *s, struct in_addr *a)
{
    char buf[INET_ADDRSTRLEN + 8];
    int dots = 0;
    const char *p;

    if (strlen(s) >= INET_ADDRSTRLEN)
        return 0;
    for (p = s; *p != '\0'; p++)
        if (*p == '.')
            dots++;
    if (dots > 3)
        return 0;
    snprintf(buf, sizeof(buf), "%s%.*s", s, (3 - dots) * 2, ".0.0.0");
    return inet_pton(AF_INET, buf, a);
}

/* An address literal into 16 bytes (IPv4 in the first 4): its family or 0. */
static int
addr_bytes(const char *s, bool short_ok, unsigned char b[16])
{
    memset(b, 0, 16);
    if (inet_pton(AF_INET6, s, b) == 1)
        return AF_INET6;
    if (inet_pton(AF_INET, s, b) == 1)
        return AF_INET;
    if (short_ok && strchr(s, ':') == NULL && parse_v4_short(s, (struct in_addr *)(void *)b) == 1)
        return AF_INET;
    return 0;
}

static bool
prefix_equal(const unsigned char *a, const unsigned char *b, long bits)
{
    long full = bits / 8;
    int rest = (int)(bits % 8);

    if (memcmp(a, b, (size_t)full) != 0)
        return false;
    return rest == 0 || ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* An address entry ("10.0.0.0/8", "::1") against a literal host. */
static bool
addr_entry_match(const char *entry, const char *host)
{
    char e[INET6_ADDRSTRLEN + 8];
    unsigned char eb[16], hb[16];
    const char *slash = strchr(entry, '/');
    int ef, hf;
    long bits = -1;

    if (strlen(entry) >= sizeof(e))
        return false;
    snprintf(e, sizeof(e), "%.*s", slash ? (int)(slash - entry) : (int)strlen(entry), entry);
    ef = addr_bytes(e, slash != NULL, eb);
    hf = addr_bytes(host, false, hb);
    if (ef == 0 || ef != hf)
        return false;
    if (slash != NULL) {
        char *end;
        bits = strtol(slash + 1, &end, 10);
        if (*end != '\0' || slash[1] == '\0' || bits < 0 || bits > (ef == AF_INET ? 32 : 128))
            return false;
    }
    return prefix_equal(eb, hb, bits < 0 ? (ef == AF_INET ? 32 : 128) : bits);
}

/* A name entry against a host name (both lower case, no trailing dot). */
static bool
name_entry_match(const char *entry, const char *host)
{
    size_t el = strlen(entry), hl = strlen(host);

    if (el == 0 || el > hl)
        return false;
    if (strcmp(host + hl - el, entry) != 0)
        return false;
    return el == hl || host[hl - el - 1] == '.';
}

/* Lower case, without brackets or a trailing dot, into buf. */
static void
normalize(const char *s, size_t n, char *buf, size_t cap)
{
    size_t i, k = 0;

    if (n >= 2 && s[0] == '[' && memchr(s, ']', n) != NULL) {
        size_t close = (size_t)((const char *)memchr(s, ']', n) - s);
        /* "[::1]" or "[fd00::]/8" */
        snprintf(buf, cap, "%.*s%.*s", (int)(close - 1), s + 1, (int)(n - close - 1),
                 s + close + 1);
        return;
    }
    for (i = 0; i < n && k + 1 < cap; i++)
        buf[k++] = (char)tolower((unsigned char)s[i]);
    buf[k] = '\0';
    while (k > 0 && buf[k - 1] == '.')
        buf[--k] = '\0';
}

static bool
entry_match(const char *entry, const char *host, bool host_literal)
{
    const char *e = entry;
    unsigned char tmp[16];

    if (strcmp(e, "*") == 0)
        return true;
    if (host_literal)
        return addr_entry_match(e, host);
    if (strncmp(e, "*.", 2) == 0)
        e += 2;
    else if (*e == '.')
        e++;
    if (strchr(e, '/') != NULL || addr_bytes(e, false, tmp) != 0)
        return false;   /* an address entry: names never match it */
    return name_entry_match(e, host);
}

bool
pp_no_proxy_match(const char *list, const char *host)
{
    char h[256], e[256];
    const char *p;
    bool lit;

    if (list == NULL || host == NULL || *host == '\0' || strlen(host) >= sizeof(h))
        return false;
    normalize(host, strlen(host), h, sizeof(h));
    lit = pp_host_literal(h) != 0;
    for (p = list; *p != '\0';) {
        size_t n;

        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        n = strcspn(p, ", \t\r\n");
        if (n == 0)
            break;
        if (n < sizeof(e)) {
            normalize(p, n, e, sizeof(e));
            if (e[0] != '\0' && entry_match(e, h, lit))
                return true;
        }
        p += n;
    }
    return false;
}

/* ------------------------------------------------------- selection */

void
pp_proxy_conf_init(struct pp_proxy_conf *c)
{
    memset(c, 0, sizeof(*c));
}

void
pp_proxy_conf_free(struct pp_proxy_conf *c)
{
    pp_via_free(c->forced);
    pp_via_free(c->https);
    pp_via_free(c->http);
    pp_via_free(c->all);
    free(c->https_src);
    free(c->http_src);
    free(c->all_src);
    free(c->no_proxy);
    free(c->warning);
    pp_proxy_conf_init(c);
}

void
pp_proxy_conf_add(struct pp_proxy_conf *c, const char *name, const char *value)
{
    struct pp_via **slot = NULL, *v;
    char **src = NULL, err[256];
    const char *n = strncmp(name, "system_", 7) == 0 ? name + 7 : name;

    if (value == NULL || *value == '\0')
        return;
    if (strcasecmp(n, "no_proxy") == 0) {
        if (c->no_proxy == NULL)
            c->no_proxy = pp_xstrdup(value);
        return;
    }
    if (strcasecmp(n, "https_proxy") == 0) {
        slot = &c->https;
        src = &c->https_src;
    } else if (strcasecmp(n, "http_proxy") == 0) {
        slot = &c->http;
        src = &c->http_src;
    } else if (strcasecmp(n, "all_proxy") == 0 && n == name) {
        slot = &c->all;
        src = &c->all_src;
    }
    if (slot == NULL || *slot != NULL)
        return;
    if (pp_via_parse(value, true, &v, err, sizeof(err)) < 0) {
        free(c->warning);
        c->warning = pp_xasprintf("%s is not used: %s", name, err);
        return;
    }
    *slot = v;
    *src = pp_xstrdup(name);
}

/* The PAC evaluator's answer for scheme://host:port/ (no_proxy entries
 * carry no port, curl's rules; a PAC file sees the whole URL). */
static bool
pac_answer(const struct pp_proxy_conf *c, const char *scheme, const char *host, uint16_t port,
           const struct pp_via **v)
{
    char url[300];

    snprintf(url, sizeof(url), pp_host_literal(host) == 6 ? "%s://[%s]:%u/" : "%s://%s:%u/",
             scheme, host, port);
    *v = NULL;
    return c->pac(c->pac_ctx, url, host, v) == 1;
}

const struct pp_via *
pp_proxy_select(const struct pp_proxy_conf *c, const char *scheme, const char *host,
                uint16_t port, const char **why)
{
    const struct pp_via *v = NULL;
    const char *w = "none";

    if (c->mode == PP_PROXY_OFF) {
        w = "--no-proxy";
    } else if (c->mode == PP_PROXY_FORCED) {
        w = "--proxy";
        v = c->forced;
    } else if (c->pac != NULL && pac_answer(c, scheme, host, port, &v)) {
        w = "pac";
    } else if (pp_no_proxy_match(c->no_proxy, host)) {
        w = "no_proxy";
    } else {
        bool tls = strcmp(scheme, "https") == 0;
        v = tls ? c->https : c->http;
        if (v != NULL)
            w = tls ? c->https_src : c->http_src;
        else if ((v = c->all) != NULL)
            w = c->all_src;
    }
    if (why != NULL)
        *why = w;
    return v;
}

/* ------------------------------------------------------- the plan */

bool
pp_proxy_eligible(const struct pp_target *t)
{
    switch (t->service) {
    case PP_SV_APNS_DEVICE: case PP_SV_MDM: case PP_SV_ENROLLMENT:
    case PP_SV_SOFTWARE_UPDATE: case PP_SV_CERT_VALIDATION: case PP_SV_SUS: case PP_SV_DP:
        break;
    default:
        return false;
    }
    if (t->probe->udp || t->via != NULL || t->port == 5223 || t->by_address)
        return false;
    if (t->tls || t->port == 443)
        return true;
    return strcmp(t->probe->name, "http") == 0 || strcmp(t->probe->name, "mdm") == 0 ||
           strcmp(t->probe->name, "sus") == 0;
}

static struct pp_target *
proxied(const struct pp_target *t, const struct pp_via *v, const char *note)
{
    struct pp_target *c = pp_target_dup(t);

    c->via = pp_via_dup(v);
    /* TLS, and TCP to 443, go through a CONNECT tunnel; plain HTTP asks
     * the proxy for the absolute URI. */
    c->tunnel = t->tls || t->port == 443 || (strcmp(t->probe->name, "http") != 0 &&
                                             strcmp(t->probe->name, "mdm") != 0 &&
                                             strcmp(t->probe->name, "sus") != 0);
    if (note != NULL) {
        free(c->note);
        c->note = pp_xstrdup(note);
    }
    return c;
}

size_t
pp_plan_add_proxied(struct pp_plan *p, const struct pp_proxy_conf *conf)
{
    struct pp_target **out = pp_xcalloc(p->n * 2 + 2, sizeof(*out));
    const struct pp_via *push = NULL;
    size_t i, n = 0, added = 0, courier = (size_t)-1;

    for (i = 0; i < p->n; i++) {
        const struct pp_target *t = p->t[i];
        const struct pp_via *v;

        out[n++] = p->t[i];
        if (t->service == PP_SV_APNS_DEVICE && t->port == 5223 && t->tls &&
            courier == (size_t)-1)
            courier = n - 1;
        if (!pp_proxy_eligible(t))
            continue;
        v = pp_proxy_select(conf, t->tls || t->port == 443 ? "https" : "http", t->host,
                            t->port, NULL);
        if (v == NULL)
            continue;
        out[n++] = proxied(t, v, NULL);
        added++;
        if (t->service == PP_SV_APNS_DEVICE && push == NULL)
            push = v;
    }
    if (push != NULL && courier != (size_t)-1) {
        /* Once: does the proxy let CONNECT through to 5223 at all? */
        memmove(out + courier + 2, out + courier + 1, (n - courier - 1) * sizeof(*out));
        out[courier + 1] = proxied(out[courier], push, "the proxy's port policy: squid's "
                                   "default allows CONNECT to port 443 only");
        out[courier + 1]->required = false;   /* devices use 443 through a proxy */
        n++;
        added++;
    }
    free(p->t);
    p->t = out;
    p->n = n;
    p->cap = i * 2 + 2;
    return added;
}
