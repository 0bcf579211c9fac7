/* SPDX-License-Identifier: ISC */
/* URL and target parsing; see url.h. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "core/util.h"

/* The length of h's address part: up to a '%' that starts a zone id
 * (fe80::1%en0), else all of it. */
static size_t
addr_len(const char *h)
{
    const char *pct = strchr(h, '%');

    return pct != NULL ? (size_t)(pct - h) : strlen(h);
}

/* A zone id (the text after '%'): an interface this machine has, or its
 * index in decimal. */
static bool
zone_ok(const char *z)
{
    char name[IF_NAMESIZE];
    size_t i, n = strlen(z);
    bool digits = n > 0;

    if (n == 0 || n >= IF_NAMESIZE)
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)z[i];
        if (!isalnum(c) && c != '-' && c != '_' && c != '.')
            return false;
        if (!isdigit(c))
            digits = false;
    }
    if (digits)
        return if_indextoname((unsigned)strtoul(z, NULL, 10), name) != NULL;
    return if_nametoindex(z) != 0;
}

int
pp_host_literal(const char *h)
{
    unsigned char buf[16];
    char a[INET6_ADDRSTRLEN + 1];
    size_t n;

    if (inet_pton(AF_INET, h, buf) == 1)
        return 4;
    n = addr_len(h);
    if (n >= sizeof(a))
        return 0;
    memcpy(a, h, n);
    a[n] = '\0';
    if (inet_pton(AF_INET6, a, buf) != 1)
        return 0;
    /* A zone id goes with an IPv6 address only, and is never empty. */
    return h[n] == '\0' || h[n + 1] != '\0' ? 6 : 0;
}

int
pp_host_sockaddr(const char *h, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    char a[INET6_ADDRSTRLEN + 1];
    size_t n = addr_len(h);
    int lit = pp_host_literal(h);

    memset(ss, 0, sizeof(*ss));
    *len = 0;
    if (lit == 4) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        inet_pton(AF_INET, h, &s4->sin_addr);
        *len = sizeof(*s4);
    } else if (lit == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        memcpy(a, h, n);
        a[n] = '\0';
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        inet_pton(AF_INET6, a, &s6->sin6_addr);
        if (h[n] == '%') {
            const char *z = h + n + 1;
            s6->sin6_scope_id = z[strspn(z, "0123456789")] == '\0'
                                    ? (uint32_t)strtoul(z, NULL, 10) : if_nametoindex(z);
        }
        *len = sizeof(*s6);
    }
    return lit;
}

char *
pp_hostport_fmt(const char *host, uint16_t port)
{
    bool v6 = pp_host_literal(host) == 6;

    return pp_xasprintf("%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

bool
pp_host_valid(const char *h)
{
    size_t len, label = 0, i;
    bool all_digits_dots = true;

    if (h == NULL || *h == '\0')
        return false;
    if (pp_host_literal(h) != 0)
        return true;
    len = strlen(h);
    if (len > 254 || (len == 254 && h[253] != '.'))
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)h[i];
        if (c == '.') {
            if (label == 0 || h[i - 1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!(isalnum(c) || c == '-' || c == '_') || c > 127)
            return false;
        if (!isdigit(c))
            all_digits_dots = false;
        if (label == 0 && c == '-')
            return false;
        if (++label > 63)
            return false;
    }
    if (h[len - 1] == '-')
        return false;
    /* "1.2.3" or "999.1.1.1" is a malformed address, not a name. */
    return !all_digits_dots;
}

/* A decimal port s[0..n), 1-65535: 0, or -1. */
static int
parse_port(const char *s, size_t n, uint16_t *port)
{
    unsigned long v = 0;
    size_t i;

    if (n == 0 || n > 5)
        return -1;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

/* s[0..n) as an IPv6 literal with an optional zone id: a malloc'd host,
 * the address lower-cased and the zone as typed ("fe80::1%en0"), or
 * NULL.  In a URL the zone's '%' is written %25 (RFC 6874); a bare '%'
 * is taken too.  *bad_zone is set when the address is good and the zone
 * names no interface of this machine. */
static char *
v6_host(const char *s, size_t n, bool url, bool *bad_zone)
{
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    unsigned char bin[16];
    const char *pct = memchr(s, '%', n);
    size_t an = pct != NULL ? (size_t)(pct - s) : n, zs, i;

    *bad_zone = false;
    if (an >= INET6_ADDRSTRLEN)
        return NULL;
    memcpy(buf, s, an);
    buf[an] = '\0';
    if (memchr(buf, ':', an) == NULL || inet_pton(AF_INET6, buf, bin) != 1)
        return NULL;
    for (i = 0; i < an; i++)
        buf[i] = (char)tolower((unsigned char)buf[i]);
    if (pct == NULL)
        return pp_xstrdup(buf);
    zs = an + 1;
    if (url && n - zs > 2 && s[zs] == '2' && s[zs + 1] == '5')
        zs += 2;
    if (n - zs >= IF_NAMESIZE) {
        *bad_zone = true;
        return NULL;
    }
    buf[an] = '%';
    memcpy(buf + an + 1, s + zs, n - zs);
    buf[an + 1 + n - zs] = '\0';
    if (!zone_ok(buf + an + 1)) {
        *bad_zone = true;
        return NULL;
    }
    return pp_xstrdup(buf);
}

static int
zone_err(const char *s, size_t n, char *err, size_t errlen)
{
    const char *z = memchr(s, '%', n);
    size_t zn = z != NULL ? strcspn(z + 1, "]") : 0;

    if (z != NULL && zn > (size_t)(s + n - z - 1))
        zn = (size_t)(s + n - z - 1);
    snprintf(err, errlen, "bad zone id '%.*s' in '%.*s': no such interface on this machine",
             (int)(zn > 32 ? 32 : zn), z != NULL ? z + 1 : "", (int)(n > 80 ? 80 : n), s);
    return -1;
}

/* A host name or IPv4 address s[0..n), lower-cased. */
static int
name_host(const char *s, size_t n, const char *all, size_t alln, char **host, char *err,
          size_t errlen)
{
    char *h = pp_xmalloc(n + 1);
    size_t i;

    for (i = 0; i < n; i++)
        h[i] = (char)tolower((unsigned char)s[i]);
    h[n] = '\0';
    if (n == 0 || !pp_host_valid(h) || memchr(h, '%', n) != NULL) {
        if (n == 0)
            snprintf(err, errlen, "no host name in '%.*s'", (int)(alln > 80 ? 80 : alln), all);
        else
            snprintf(err, errlen, "bad host name '%.64s'", h);
        free(h);
        return -1;
    }
    *host = h;
    return 0;
}

static int
port_err(const char *p, size_t n, char *err, size_t errlen)
{
    snprintf(err, errlen, "bad port '%.*s' (want 1-65535)", (int)(n > 16 ? 16 : n), p);
    return -1;
}

/* "[v6]" or "[v6]:port" (s[0..n), s[0] == '['). */
static int
bracketed(const char *s, size_t n, bool url, char **host, uint16_t *port, char *err,
          size_t errlen)
{
    const char *close = memchr(s, ']', n), *end = s + n;
    bool bad_zone;
    char *h;

    if (close == NULL) {
        snprintf(err, errlen, "unclosed '[' in '%.*s'", (int)(n > 80 ? 80 : n), s);
        return -1;
    }
    if (close + 1 < end && close[1] != ':') {
        snprintf(err, errlen, "unexpected text after ']' in '%.*s' (want [address]:port)",
                 (int)(n > 80 ? 80 : n), s);
        return -1;
    }
    if (close + 1 < end && parse_port(close + 2, (size_t)(end - close - 2), port) < 0)
        return port_err(close + 2, (size_t)(end - close - 2), err, errlen);
    h = v6_host(s + 1, (size_t)(close - s - 1), url, &bad_zone);
    if (h == NULL) {
        *port = 0;
        if (bad_zone)
            return zone_err(s, n, err, errlen);
        snprintf(err, errlen, "'%.*s' is not an IPv6 address (only IPv6 goes in brackets)",
                 (int)(close - s > 80 ? 80 : close - s + 1), s);
        return -1;
    }
    *host = h;
    return 0;
}

/* A bare IPv6 literal: s[0..n) holds two colons or more.  Text that also
 * reads as an address and a port (::1:443) is refused. */
static int
bare_v6(const char *s, size_t n, bool url, char **host, char *err, size_t errlen)
{
    const char *last = s + n - 1;
    bool bad_zone, bad_zone2;
    char *whole, *part = NULL;
    uint16_t p;
    int w = (int)(n > 80 ? 80 : n);

    while (*last != ':')
        last--;
    whole = v6_host(s, n, url, &bad_zone);
    if (parse_port(last + 1, (size_t)(s + n - last - 1), &p) == 0)
        part = v6_host(s, (size_t)(last - s), url, &bad_zone2);
    if (whole != NULL && part != NULL) {
        snprintf(err, errlen, "%.*s is ambiguous: write [%s]:%u (address and port) or "
                 "[%.*s] (an address)", w, s, part, p, w, s);
        free(whole);
        free(part);
        return -1;
    }
    if (part != NULL) {
        snprintf(err, errlen, "an IPv6 address with a port goes in brackets: write [%s]:%u",
                 part, p);
        free(part);
        return -1;
    }
    if (whole == NULL) {
        if (bad_zone)
            return zone_err(s, n, err, errlen);
        snprintf(err, errlen, "bad address '%.*s' (an IPv6 address with a port is written "
                 "[address]:port)", w, s);
        return -1;
    }
    *host = whole;
    return 0;
}

/* host, host:port, [v6], [v6]:port or a bare IPv6 literal (s[0..n)): the
 * one reading of an address for every option, target and URL. */
static int
split_authority(const char *s, size_t n, bool url, char **host, uint16_t *port, char *err,
                size_t errlen)
{
    const char *colon, *c2;

    *host = NULL;
    *port = 0;
    if (n == 0) {
        snprintf(err, errlen, "no host name");
        return -1;
    }
    if (s[0] == '[')
        return bracketed(s, n, url, host, port, err, errlen);
    colon = memchr(s, ':', n);
    if (colon == NULL)
        return name_host(s, n, s, n, host, err, errlen);
    c2 = memchr(colon + 1, ':', (size_t)(s + n - colon - 1));
    if (c2 != NULL)
        return bare_v6(s, n, url, host, err, errlen);
    if (parse_port(colon + 1, (size_t)(s + n - colon - 1), port) < 0) {
        *port = 0;
        return port_err(colon + 1, (size_t)(s + n - colon - 1), err, errlen);
    }
    if (name_host(s, (size_t)(colon - s), s, n, host, err, errlen) < 0) {
        *port = 0;
        return -1;
    }
    return 0;
}

int
pp_hostport_parse(const char *s, char **host, uint16_t *port, char *err,
                  size_t errlen)
{
    *host = NULL;
    *port = 0;
    if (s == NULL || *s == '\0') {
        snprintf(err, errlen, "empty target");
        return -1;
    }
    return split_authority(s, strlen(s), false, host, port, err, errlen);
}

int
pp_url_parse(const char *s, struct pp_url *u, char *err, size_t errlen)
{
    const char *p, *auth, *end, *at;
    size_t i;

    memset(u, 0, sizeof(*u));
    if (s == NULL || (p = strstr(s, "://")) == NULL) {
        snprintf(err, errlen, "not a URL (want scheme://host[:port][/path])");
        return -1;
    }
    if (p == s || (size_t)(p - s) >= sizeof(u->scheme)) {
        snprintf(err, errlen, "bad URL scheme");
        return -1;
    }
    for (i = 0; s + i < p; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '+' && c != '-' && c != '.') {
            snprintf(err, errlen, "bad URL scheme");
            return -1;
        }
        u->scheme[i] = (char)tolower(c);
    }
    u->scheme[i] = '\0';
    auth = p + 3;
    end = auth + strcspn(auth, "/?#");
    /* Skip credentials; they are never sent anywhere. */
    at = NULL;
    for (p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    if (at != NULL)
        auth = at + 1;
    if (split_authority(auth, (size_t)(end - auth), true, &u->host, &u->port, err,
                        errlen) < 0)
        return -1;
    for (p = end; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            snprintf(err, errlen, "control character or space in URL path");
            pp_url_free(u);
            return -1;
        }
    }
    if (*end == '#' || *end == '\0')
        u->path = pp_xstrdup("/");
    else if (*end == '?')
        u->path = pp_xasprintf("/%s", end);
    else
        u->path = pp_xstrdup(end);
    /* Drop a fragment: it never goes on the wire. */
    if ((at = strchr(u->path, '#')) != NULL)
        u->path[at - u->path] = '\0';
    return 0;
}

void
pp_url_free(struct pp_url *u)
{
    free(u->host);
    free(u->path);
    u->host = u->path = NULL;
}

char *
pp_url_join(const char *scheme, const char *host, uint16_t port, const char *base_path,
            const char *location)
{
    const char *dir = base_path != NULL ? base_path : "/";
    bool v6 = pp_host_literal(host) == 6;
    size_t n = strlen(dir);

    if (strstr(location, "://") != NULL)
        return pp_xstrdup(location);
    while (n > 0 && dir[n - 1] != '/')
        n--;
    if (location[0] == '/')
        n = 0;
    return pp_xasprintf("%s://%s%s%s:%u%.*s%s", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
                        port, (int)n, dir, location);
}
