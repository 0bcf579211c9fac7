/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the machine's context (src/diagnose/context.h): every pure
 * parser over the same input (resolv.conf, /proc/net/route,
 * /proc/net/ipv6_route, `route -n get`, `scutil --proxy`, an environment
 * of its lines), never a crash, a leak or a read past the text; what they
 * return is well formed, and a context made of it writes valid JSON. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "diagnose/context.h"
#include "ui/report.h"
#include "ui/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 to 15 characters, none of them white space or control. */
static void
check_ifname(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > 15)
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
            abort();
}

/* An address literal, possibly with a %zone. */
static void
check_addr(const char *s, int family_only)
{
    char buf[64];
    unsigned char bin[16];
    size_t n = strcspn(s, "%");

    if (n == 0 || n >= sizeof(buf))
        abort();
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (family_only == AF_INET) {
        if (s[n] != '\0' || inet_pton(AF_INET, buf, bin) != 1)
            abort();
    } else if (family_only == AF_INET6) {
        if (inet_pton(AF_INET6, buf, bin) != 1)
            abort();
    } else if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1) {
        abort();
    }
}

typedef int (*route_fn)(const char *, char **, char **);

static void
check_route(route_fn fn, const char *s, int family, char **ifname, char **gw)
{
    int rc = fn(s, ifname, gw);

    if (rc == 0) {
        if (*ifname == NULL)
            abort();
        check_ifname(*ifname);
        if (*gw != NULL)
            check_addr(*gw, family);
    } else if (rc != -1 || *ifname != NULL || *gw != NULL) {
        abort();
    }
}

static void
check_proxies(const struct pp_proxy *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char *m;

        if (p[i].name == NULL || p[i].value == NULL || p[i].name[0] == '\0')
            abort();
        /* Masking is idempotent: a masked value has no password left. */
        m = pp_context_mask_proxy(p[i].value);
        if (m == NULL || strcmp(m, p[i].value) != 0)
            abort();
        free(m);
    }
}

/* The input's lines as a NULL-terminated environment (at most 64). */
static char **
lines_of(char *copy)
{
    char **v = calloc(65, sizeof(*v));
    size_t n = 0;
    char *p = copy;

    if (v == NULL)
        return NULL;
    while (n < 64 && *p != '\0') {
        char *nl = strchr(p, '\n');
        v[n++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_context c;
    char *s, *copy, **env, *buf = NULL, *m;
    size_t i, blen = 0;
    FILE *f;

    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    memset(&c, 0, sizeof(c));

    if (pp_context_parse_resolv(s, &c.dns_servers, &c.ndns) == 0) {
        if (c.ndns == 0 || c.dns_servers == NULL)
            abort();
        for (i = 0; i < c.ndns; i++)
            check_addr(c.dns_servers[i], 0);
    } else if (c.ndns != 0 || c.dns_servers != NULL) {
        abort();
    }
    /* Search domains: host-name bytes only, lowercase, no empty label. */
    if (pp_context_parse_search(s, &c.search, &c.nsearch) == 0) {
        for (i = 0; i < c.nsearch; i++) {
            const char *d = c.search[i];

            if (*d == '\0' || *d == '.' || strlen(d) > 253 || strstr(d, "..") != NULL ||
                d[strlen(d) - 1] == '.' || strspn(d, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
                strlen(d))
                abort();
        }
    } else if (c.nsearch != 0 || c.search != NULL) {
        abort();
    }
    check_route(pp_context_parse_linux_route, s, AF_INET, &c.default_if, &c.default_gw);
    check_route(pp_context_parse_linux_route6, s, AF_INET6, &c.default_if6, &c.default_gw6);
    {
        char *ifname, *gw;

        check_route(pp_context_parse_route_get, s, 0, &ifname, &gw);
        free(ifname);
        free(gw);
    }

    if (pp_context_parse_scutil(s, &c.proxies, &c.nproxies) == 0) {
        if (c.nproxies == 0)
            abort();
    } else if (c.nproxies != 0 || c.proxies != NULL) {
        abort();
    }
    copy = strdup(s);
    env = copy != NULL ? lines_of(copy) : NULL;
    if (env != NULL) {
        size_t before = c.nproxies;
        int rc = pp_context_parse_env_proxies(env, &c.proxies, &c.nproxies);

        if ((rc == 0) != (c.nproxies > before))
            abort();
        free(env);
    }
    free(copy);
    check_proxies(c.proxies, c.nproxies);

    m = pp_context_mask_proxy(s);
    if (m == NULL)
        abort();
    free(m);
    (void)pp_context_is_vpn_name(s);

    /* Whatever came out, with the input as host name, is valid JSON. */
    c.hostname = strdup(s);
    f = open_memstream(&buf, &blen);
    if (f != NULL) {
        struct pp_jsonw w;
        json_error_t err;
        json_t *o;

        pp_jw_init(&w, f, (size & 1) != 0);
        pp_context_json(&c, &w);
        pp_context_text(&c, NULL, f);
        if (fclose(f) != 0)
            abort();
        /* The text follows the object: parse only the object. */
        o = json_loadb(buf, blen, JSON_DISABLE_EOF_CHECK, &err);
        if (o == NULL || !json_is_object(o) || json_object_size(o) != 8)
            abort();
        json_decref(o);
        free(buf);
    }
    pp_context_free(&c);
    free(s);
    return 0;
}
