/* SPDX-License-Identifier: ISC */
/* The pure parsers of what the system says of itself (src/diagnose/context.h):
 * resolv.conf, the routing tables, route get, scutil --proxy. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "diagnose/context.h"
#include "core/util.h"
#include "diagnose/context_int.h"

/* Longest interface name (IFNAMSIZ is 16 on Linux and macOS). */
#define IFNAME_MAX 15

/* ------------------------------------------------------------ helpers */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool
is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned
hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    return (unsigned)(c - 'A' + 10);
}

static char *
dup_n(const char *s, size_t n)
{
    char *d = pp_xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* The next line of *p (without its '\n'); false at the end of the text. */
static bool
next_line(const char **p, const char **line, size_t *len)
{
    const char *s = *p, *nl;

    if (*s == '\0')
        return false;
    nl = strchr(s, '\n');
    *line = s;
    if (nl == NULL) {
        *len = strlen(s);
        *p = s + *len;
    } else {
        *len = (size_t)(nl - s);
        *p = nl + 1;
    }
    return true;
}

/* Up to max white-space separated fields of line[0..len); returns how
 * many there are (counting past max). */
static size_t
split_fields(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
    size_t i = 0, n = 0;

    for (;;) {
        size_t start;

        while (i < len && is_blank(line[i]))
            i++;
        if (i == len)
            break;
        start = i;
        while (i < len && !is_blank(line[i]))
            i++;
        if (n < max) {
            f[n] = line + start;
            flen[n] = i - start;
        }
        n++;
    }
    return n;
}

/* Trim white space on both sides of s[0..*len). */
static const char *
trim(const char *s, size_t *len)
{
    size_t n = *len;

    while (n > 0 && is_blank(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    *len = n;
    return s;
}

static bool
span_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* Exactly len (1..8) hex digits. */
static bool
parse_hex32(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    size_t i;

    if (len == 0 || len > 8)
        return false;
    for (i = 0; i < len; i++) {
        if (!is_hex(s[i]))
            return false;
        v = (v << 4) | hex_val(s[i]);
    }
    *out = v;
    return true;
}

/* 1 to 10 decimal digits, at most UINT32_MAX. */
static bool
parse_dec32(const char *s, size_t len, uint32_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (len == 0 || len > 10)
        return false;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* 32 hex digits as 16 bytes in order. */
static bool
parse_hex128(const char *s, size_t len, unsigned char out[16])
{
    size_t i;

    if (len != 32)
        return false;
    for (i = 0; i < 32; i++)
        if (!is_hex(s[i]))
            return false;
    for (i = 0; i < 16; i++)
        out[i] = (unsigned char)(hex_val(s[2 * i]) << 4 | hex_val(s[2 * i + 1]));
    return true;
}

/* A plausible interface name: 1 to 15 printable ASCII characters. */
static bool
ifname_ok(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > IFNAME_MAX)
        return false;
    for (i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* An IPv4 literal, or an IPv6 one with an optional %zone (an interface
 * name).  Returns 4, 6 or 0. */
static int
addr_literal(const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    const char *pct;

    pct = memchr(s, '%', len);
    if (pct != NULL) {
        size_t zlen = len - (size_t)(pct - s) - 1;
        if (!ifname_ok(pct + 1, zlen))
            return 0;
        len = (size_t)(pct - s);
    }
    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (pct == NULL && inet_pton(AF_INET, buf, bin) == 1)
        return 4;
    if (inet_pton(AF_INET6, buf, bin) == 1)
        return 6;
    return 0;
}

static bool
has_str(char *const *v, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcasecmp(v[i], s) == 0)
            return true;
    return false;
}

/* Append s (taken over) unless already there (then freed). */
void
pp_cx_push_unique(char ***v, size_t *n, char *s)
{
    if (has_str(*v, *n, s)) {
        free(s);
        return;
    }
    *v = pp_xrealloc(*v, *n + 1, sizeof(**v));
    (*v)[(*n)++] = s;
}

/* Append name=value (value taken over), its password masked whatever the
 * source: a PAC URL or a system proxy can hold one as well. */
void
pp_cx_push_proxy(struct pp_proxy **v, size_t *n, const char *name, char *value)
{
    *v = pp_xrealloc(*v, *n + 1, sizeof(**v));
    (*v)[*n].name = pp_xstrdup(name);
    (*v)[*n].value = pp_context_mask_proxy(value);
    free(value);
    (*n)++;
}

void
pp_cx_free_strv(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---------------------------------------------------------- resolv.conf */

int
pp_context_parse_resolv(const char *text, char ***out, size_t *n)
{
    const char *p = text, *line;
    size_t len;

    *out = NULL;
    *n = 0;
    if (text == NULL)
        return -1;
    while (next_line(&p, &line, &len)) {
        const char *f[2];
        size_t fl[2];

        if (split_fields(line, len, f, fl, 2) < 2)
            continue;
        if (f[0][0] == '#' || f[0][0] == ';' || !span_is(f[0], fl[0], "nameserver"))
            continue;
        /* "nameserver 10.0.0.1 # office" is the address and a comment. */
        if (addr_literal(f[1], fl[1]) == 0)
            continue;
        pp_cx_push_unique(out, n, dup_n(f[1], fl[1]));
    }
    return *n > 0 ? 0 : -1;
}

/* A search domain: letters, digits, '-' and '_' in labels of 1 to 63
 * bytes, at most 253 bytes, an optional trailing dot (dropped). */
static char *
search_domain(const char *s, size_t len)
{
    size_t i, label = 0;
    char *d;

    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return NULL;
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch == '.') {
            if (label == 0)
                return NULL;
            label = 0;
        } else if (isalnum(ch) || ch == '-' || ch == '_') {
            if (++label > 63)
                return NULL;
        } else {
            return NULL;
        }
    }
    if (label == 0)
        return NULL;
    d = dup_n(s, len);
    for (i = 0; i < len; i++)
        d[i] = (char)tolower((unsigned char)d[i]);
    return d;
}

int
pp_context_parse_search(const char *text, char ***out, size_t *n)
{
    const char *p = text, *line;
    size_t len;

    *out = NULL;
    *n = 0;
    if (text == NULL)
        return -1;
    while (next_line(&p, &line, &len)) {
        const char *f[8];
        size_t fl[8], nf = split_fields(line, len, f, fl, 8), i;

        if (nf < 1 || !(span_is(f[0], fl[0], "search") || span_is(f[0], fl[0], "domain")))
            continue;
        /* The last such line wins, as in the resolver. */
        pp_cx_free_strv(*out, *n);
        *out = NULL;
        *n = 0;
        for (i = 1; i < nf && i < 8 && f[i][0] != '#' && f[i][0] != ';'; i++) {
            char *d = search_domain(f[i], fl[i]);

            if (d != NULL)
                pp_cx_push_unique(out, n, d);
        }
    }
    return *n > 0 ? 0 : -1;
}

/* ------------------------------------------------------ Linux routes */

#define LX_RTF_UP 0x0001u
#define LX_RTF_REJECT 0x0200u

int
pp_context_parse_linux_route(const char *text, char **ifname, char **gw)
{
    const char *p = text, *line;
    const char *best_if = NULL;
    size_t best_iflen = 0, len;
    uint32_t best_metric = 0, best_gw = 0;

    *ifname = NULL;
    *gw = NULL;
    if (text == NULL)
        return -1;
    /* Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT */
    while (next_line(&p, &line, &len)) {
        const char *f[8];
        size_t fl[8];
        uint32_t dst, gwv, flags, metric, mask;

        if (split_fields(line, len, f, fl, 8) < 8)
            continue;
        if (!ifname_ok(f[0], fl[0]) || fl[1] != 8 || fl[2] != 8 || fl[7] != 8 ||
            !parse_hex32(f[1], fl[1], &dst) || !parse_hex32(f[2], fl[2], &gwv) ||
            !parse_hex32(f[3], fl[3], &flags) || !parse_dec32(f[6], fl[6], &metric) ||
            !parse_hex32(f[7], fl[7], &mask))
            continue;
        if (dst != 0 || mask != 0 || !(flags & LX_RTF_UP) || (flags & LX_RTF_REJECT))
            continue;
        if (best_if == NULL || metric < best_metric) {
            best_if = f[0];
            best_iflen = fl[0];
            best_metric = metric;
            best_gw = gwv;
        }
    }
    if (best_if == NULL)
        return -1;
    *ifname = dup_n(best_if, best_iflen);
    if (best_gw != 0)
        /* The kernel prints the address as a little-endian number. */
        *gw = pp_xasprintf("%u.%u.%u.%u", (unsigned)(best_gw & 0xff),
                           (unsigned)(best_gw >> 8 & 0xff), (unsigned)(best_gw >> 16 & 0xff),
                           (unsigned)(best_gw >> 24 & 0xff));
    return 0;
}

int
pp_context_parse_linux_route6(const char *text, char **ifname, char **gw)
{
    static const unsigned char zero[16];
    const char *p = text, *line;
    const char *best_if = NULL;
    size_t best_iflen = 0, len;
    uint32_t best_metric = 0;
    unsigned char best_gw[16];

    *ifname = NULL;
    *gw = NULL;
    if (text == NULL)
        return -1;
    /* dst dst_len src src_len next_hop metric refcnt use flags ifname */
    while (next_line(&p, &line, &len)) {
        const char *f[10];
        size_t fl[10];
        unsigned char dst[16], src[16], hop[16];
        uint32_t dlen, slen, metric, flags;

        if (split_fields(line, len, f, fl, 10) != 10)
            continue;
        if (!parse_hex128(f[0], fl[0], dst) || fl[1] != 2 || !parse_hex32(f[1], 2, &dlen) ||
            !parse_hex128(f[2], fl[2], src) || fl[3] != 2 || !parse_hex32(f[3], 2, &slen) ||
            !parse_hex128(f[4], fl[4], hop) || fl[5] != 8 ||
            !parse_hex32(f[5], 8, &metric) || fl[8] != 8 || !parse_hex32(f[8], 8, &flags) ||
            !ifname_ok(f[9], fl[9]))
            continue;
        if (memcmp(dst, zero, 16) != 0 || dlen != 0 || slen != 0 ||
            !(flags & LX_RTF_UP) || (flags & LX_RTF_REJECT))
            continue;
        if (best_if == NULL || metric < best_metric) {
            best_if = f[9];
            best_iflen = fl[9];
            best_metric = metric;
            memcpy(best_gw, hop, 16);
        }
    }
    if (best_if == NULL)
        return -1;
    *ifname = dup_n(best_if, best_iflen);
    if (memcmp(best_gw, zero, 16) != 0) {
        char buf[INET6_ADDRSTRLEN];

        if (inet_ntop(AF_INET6, best_gw, buf, sizeof(buf)) != NULL)
            *gw = pp_xstrdup(buf);
    }
    return 0;
}

/* ------------------------------------------------------ macOS route */

int
pp_context_parse_route_get(const char *text, char **ifname, char **gw)
{
    const char *p = text, *line;
    size_t len;

    *ifname = NULL;
    *gw = NULL;
    if (text == NULL)
        return -1;
    /* "    gateway: 192.168.1.1" and "  interface: en0", among others. */
    while (next_line(&p, &line, &len)) {
        const char *colon = memchr(line, ':', len);
        const char *key, *val;
        size_t klen, vlen;

        if (colon == NULL)
            continue;
        klen = (size_t)(colon - line);
        key = trim(line, &klen);
        vlen = len - (size_t)(colon + 1 - line);
        val = trim(colon + 1, &vlen);
        if (span_is(key, klen, "interface") && *ifname == NULL && ifname_ok(val, vlen))
            *ifname = dup_n(val, vlen);
        else if (span_is(key, klen, "gateway") && *gw == NULL && addr_literal(val, vlen) != 0)
            *gw = dup_n(val, vlen);
    }
    if (*ifname == NULL) {
        free(*gw);
        *gw = NULL;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------ macOS proxies */

enum {
    SC_HTTP_EN, SC_HTTP_HOST, SC_HTTP_PORT,
    SC_HTTPS_EN, SC_HTTPS_HOST, SC_HTTPS_PORT,
    SC_SOCKS_EN, SC_SOCKS_HOST, SC_SOCKS_PORT,
    SC_PAC_EN, SC_PAC_URL, SC_WPAD_EN,
    SC_NKEYS
};

static const char *const sc_keys[SC_NKEYS] = {
    "HTTPEnable", "HTTPProxy", "HTTPPort",
    "HTTPSEnable", "HTTPSProxy", "HTTPSPort",
    "SOCKSEnable", "SOCKSProxy", "SOCKSPort",
    "ProxyAutoConfigEnable", "ProxyAutoConfigURLString", "ProxyAutoDiscoveryEnable",
};

struct sc_val {
    const char *s;
    size_t len;
};

static bool
sc_on(const struct sc_val *v)
{
    return v->s != NULL && span_is(v->s, v->len, "1");
}

/* "host:port" ("[v6]:port"), or "host" when the port is not a number. */
static char *
sc_hostport(const struct sc_val *host, const struct sc_val *port)
{
    uint32_t pn = 0;
    bool v6 = memchr(host->s, ':', host->len) != NULL;

    if (port->s == NULL || !parse_dec32(port->s, port->len, &pn) || pn == 0 || pn > 65535)
        return dup_n(host->s, host->len);
    if (v6)
        return pp_xasprintf("[%.*s]:%u", (int)host->len, host->s, (unsigned)pn);
    return pp_xasprintf("%.*s:%u", (int)host->len, host->s, (unsigned)pn);
}

/* A proxy host: not empty, no white space. */
static bool
sc_host_ok(const struct sc_val *v)
{
    size_t i;

    if (v->s == NULL || v->len == 0)
        return false;
    for (i = 0; i < v->len; i++)
        if ((unsigned char)v->s[i] <= ' ')
            return false;
    return true;
}

/* The top-level dictionary's keys into v (pointing into text), and the
 * exceptions list joined by ',' into *exc (allocated, or NULL). */
static void
sc_scan(const char *text, struct sc_val *v, char **exc)
{
    const char *p = text, *line;
    size_t len, depth = 0;
    bool in_exc = false;
    int i;

    /*
     * <dictionary> {
     *   ExceptionsList : <array> {
     *     0 : *.local
     *   }
     *   HTTPSEnable : 1
     *   __SCOPED__ : <dictionary> { ... per interface ... }
     * }
     */
    while (next_line(&p, &line, &len)) {
        const char *s = trim(line, &len), *sep = NULL, *key, *val;
        size_t klen, vlen, j;
        bool opens;

        if (len == 0)
            continue;
        if (span_is(s, len, "}")) {
            if (depth > 0)
                depth--;
            if (depth <= 1)
                in_exc = false;
            continue;
        }
        opens = s[len - 1] == '{';
        for (j = 0; j + 3 <= len; j++) {
            if (memcmp(s + j, " : ", 3) == 0) {
                sep = s + j;
                break;
            }
        }
        if (sep == NULL) {
            if (opens)
                depth++;
            continue;
        }
        klen = (size_t)(sep - s);
        key = trim(s, &klen);
        vlen = len - (size_t)(sep + 3 - s);
        val = trim(sep + 3, &vlen);
        if (opens) {
            in_exc = depth == 1 && span_is(key, klen, "ExceptionsList");
            depth++;
            continue;
        }
        if (depth == 1) {
            for (i = 0; i < SC_NKEYS; i++) {
                if (v[i].s == NULL && span_is(key, klen, sc_keys[i])) {
                    v[i].s = val;
                    v[i].len = vlen;
                }
            }
        } else if (depth == 2 && in_exc && vlen > 0) {
            char *e = pp_xasprintf("%s%s%.*s", *exc ? *exc : "", *exc ? "," : "",
                                   (int)vlen, val);
            free(*exc);
            *exc = e;
        }
    }
}

/* The enabled proxies of v. */
static void
sc_push(const struct sc_val *v, struct pp_proxy **out, size_t *n)
{
    if (sc_on(&v[SC_HTTP_EN]) && sc_host_ok(&v[SC_HTTP_HOST]))
        pp_cx_push_proxy(out, n, "system_http_proxy",
                   sc_hostport(&v[SC_HTTP_HOST], &v[SC_HTTP_PORT]));
    if (sc_on(&v[SC_HTTPS_EN]) && sc_host_ok(&v[SC_HTTPS_HOST]))
        pp_cx_push_proxy(out, n, "system_https_proxy",
                   sc_hostport(&v[SC_HTTPS_HOST], &v[SC_HTTPS_PORT]));
    if (sc_on(&v[SC_SOCKS_EN]) && sc_host_ok(&v[SC_SOCKS_HOST]))
        pp_cx_push_proxy(out, n, "system_socks_proxy",
                   sc_hostport(&v[SC_SOCKS_HOST], &v[SC_SOCKS_PORT]));
    if (sc_on(&v[SC_PAC_EN]) && sc_host_ok(&v[SC_PAC_URL]))
        pp_cx_push_proxy(out, n, "system_pac_url", dup_n(v[SC_PAC_URL].s, v[SC_PAC_URL].len));
    if (sc_on(&v[SC_WPAD_EN]))
        pp_cx_push_proxy(out, n, "system_auto_discovery", pp_xstrdup("on"));
}

int
pp_context_parse_scutil(const char *text, struct pp_proxy **out, size_t *n)
{
    struct sc_val v[SC_NKEYS];
    char *exc = NULL;
    size_t before = *n;

    if (text == NULL)
        return -1;
    memset(v, 0, sizeof(v));
    sc_scan(text, v, &exc);
    sc_push(v, out, n);
    if (*n > before && exc != NULL) {
        pp_cx_push_proxy(out, n, "system_no_proxy", exc);
        exc = NULL;
    }
    free(exc);
    return *n > before ? 0 : -1;
}
