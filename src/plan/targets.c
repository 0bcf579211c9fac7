/* SPDX-License-Identifier: ISC */
/* Port lists, target specs and targets files; see targets.h. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/targets.h"
#include "core/url.h"
#include "core/util.h"

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ------------------------------------------------------------ ports */

/* A decimal port of n bytes (n > 0) into *v; -1 on junk, -2 when out of
 * 1..65535. */
static int
port_num(const char *s, size_t n, uint32_t *v)
{
    uint32_t x = 0;
    size_t i;

    if (n == 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (x <= 65535)
            x = x * 10 + (uint32_t)(s[i] - '0');
    }
    if (x == 0 || x > 65535)
        return -2;
    *v = x;
    return 0;
}

static int
cmp_range(const void *a, const void *b)
{
    const uint16_t *x = a, *y = b;

    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* One item (already trimmed, n > 0) into r; -1 with err set. */
static int
port_item(const char *s, size_t n, uint16_t r[2], char *err, size_t errlen)
{
    const char *dash = memchr(s, '-', n);
    uint32_t lo, hi;
    int rc;

    if (dash == NULL) {
        rc = port_num(s, n, &lo);
        hi = lo;
    } else {
        rc = port_num(s, (size_t)(dash - s), &lo);
        if (rc == 0)
            rc = port_num(dash + 1, n - (size_t)(dash - s) - 1, &hi);
    }
    if (rc == -1) {
        set_err(err, errlen, "bad port '%.*s' (want a port or a range like 8000-8010)",
                (int)(n > 40 ? 40 : n), s);
        return -1;
    }
    if (rc == -2) {
        set_err(err, errlen, "port '%.*s' is out of range (1-65535)", (int)(n > 40 ? 40 : n), s);
        return -1;
    }
    if (lo > hi) {
        set_err(err, errlen, "bad port range '%.*s' (the start is above the end)",
                (int)(n > 40 ? 40 : n), s);
        return -1;
    }
    r[0] = (uint16_t)lo;
    r[1] = (uint16_t)hi;
    return 0;
}

int
pp_ports_parse(const char *s, struct pp_ports *out, char *err, size_t errlen)
{
    uint16_t (*r)[2] = NULL;
    size_t n = 0, cap = 0, item = 0, i, m;
    const char *p;
    uint32_t count = 0;

    memset(out, 0, sizeof(*out));
    if (s == NULL || *s == '\0') {
        set_err(err, errlen, "empty port list");
        return -1;
    }
    p = s;
    for (;;) {
        const char *b = p, *e;
        const char *comma = strchr(p, ',');

        e = comma != NULL ? comma : p + strlen(p);
        item++;
        while (b < e && is_blank(*b))
            b++;
        while (e > b && is_blank(e[-1]))
            e--;
        if (b == e) {
            set_err(err, errlen, "empty item %zu in port list '%.64s'", item, s);
            free(r);
            return -1;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            r = pp_xrealloc(r, cap, sizeof(*r));
        }
        if (port_item(b, (size_t)(e - b), r[n], err, errlen) < 0) {
            free(r);
            return -1;
        }
        n++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    qsort(r, n, sizeof(*r), cmp_range);
    /* Merge overlapping and adjacent ranges. */
    for (i = 1, m = 0; i < n; i++) {
        if ((uint32_t)r[i][0] <= (uint32_t)r[m][1] + 1) {
            if (r[i][1] > r[m][1])
                r[m][1] = r[i][1];
        } else {
            m++;
            r[m][0] = r[i][0];
            r[m][1] = r[i][1];
        }
    }
    n = m + 1;
    for (i = 0; i < n; i++)
        count += (uint32_t)r[i][1] - r[i][0] + 1;
    out->range = pp_xrealloc(r, n, sizeof(*r));
    out->n = n;
    out->count = count;
    return 0;
}

uint16_t
pp_ports_at(const struct pp_ports *p, uint32_t i)
{
    size_t k;

    if (p == NULL || i >= p->count)
        return 0;
    for (k = 0; k < p->n; k++) {
        uint32_t w = (uint32_t)p->range[k][1] - p->range[k][0] + 1;
        if (i < w)
            return (uint16_t)(p->range[k][0] + i);
        i -= w;
    }
    return 0;
}

bool
pp_ports_has(const struct pp_ports *p, uint16_t port)
{
    size_t lo = 0, hi;

    if (p == NULL || p->range == NULL)
        return false;
    hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (port < p->range[mid][0])
            hi = mid;
        else if (port > p->range[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

void
pp_ports_free(struct pp_ports *p)
{
    if (p == NULL)
        return;
    free(p->range);
    p->range = NULL;
    p->n = 0;
    p->count = 0;
}

/* ------------------------------------------------------------ specs */

/* "/N": 1-3 digits, nothing else; -1 otherwise. */
static int
parse_prefix(const char *s)
{
    size_t n = strlen(s), i;
    int v = 0;

    if (n == 0 || n > 3)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static void
clear_host_bits(uint8_t *a, int bytes, int prefix)
{
    int i;

    for (i = 0; i < bytes; i++) {
        int bit = i * 8;
        if (bit >= prefix)
            a[i] = 0;
        else if (bit + 8 > prefix)
            a[i] &= (uint8_t)(0xff << (8 - (prefix - bit)));
    }
}

/* Where the address of s is: a, aend, and the '/' of a prefix (or
 * NULL); bracketed "[v6]" forms set *bracket.  0, or -1 with err. */
static int
tspec_split(const char *s, const char **a, const char **aend, const char **slash, bool *bracket,
            char *err, size_t errlen)
{
    *slash = NULL;
    *bracket = false;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL) {
            set_err(err, errlen, "bad target '%.64s' (no closing ']')", s);
            return -1;
        }
        if (close[1] != '\0' && close[1] != '/') {
            set_err(err, errlen, "bad target '%.64s' (junk after ']')", s);
            return -1;
        }
        *bracket = true;
        *a = s + 1;
        *aend = close;
        if (close[1] == '/')
            *slash = close + 1;
    } else {
        *slash = strchr(s, '/');
        *a = s;
        *aend = *slash != NULL ? *slash : s + strlen(s);
    }
    return 0;
}

/* A DNS name, lower-cased. */
static int
tspec_name(const char *s, struct pp_tspec *out, char *err, size_t errlen)
{
    if (!pp_host_valid(s)) {
        set_err(err, errlen, "bad target '%.64s' (not a host name, an address or a CIDR block)",
                s);
        return -1;
    }
    out->kind = PP_TS_NAME;
    out->name = pp_xstrdup(s);
    for (char *p = out->name; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    out->count = 1;
    return 0;
}

/* The address a..aend into out->addr and out->family; its bits (32 or
 * 128), or -1 with err. */
static int
tspec_addr(const char *s, const char *a, const char *aend, bool bracket, struct pp_tspec *out,
           char *err, size_t errlen)
{
    char abuf[INET6_ADDRSTRLEN + 8];
    size_t alen = (size_t)(aend - a);

    if (alen >= sizeof(abuf)) {
        set_err(err, errlen, "bad address in '%.64s'", s);
        return -1;
    }
    memcpy(abuf, a, alen);
    abuf[alen] = '\0';
    if (!bracket && inet_pton(AF_INET, abuf, out->addr) == 1) {
        out->family = AF_INET;
        return 32;
    }
    if (inet_pton(AF_INET6, abuf, out->addr) == 1) {
        out->family = AF_INET6;
        return 128;
    }
    memset(out->addr, 0, sizeof(out->addr));
    if (bracket)
        set_err(err, errlen, "bad IPv6 address '%.64s' in '%.64s'", abuf, s);
    else
        set_err(err, errlen, "bad address '%.64s' in '%.64s'", abuf, s);
    return -1;
}

/* The prefix after the '/' of a block of a bits-long address family;
 * the prefix, or -1 with err. */
static int
tspec_prefix(const char *s, const char *slash, int bits, char *err, size_t errlen)
{
    int prefix = parse_prefix(slash + 1);
    int widest = bits == 32 ? PP_TSPEC_MIN_PREFIX4 : PP_TSPEC_MIN_PREFIX6;

    if (prefix < 0 || prefix > bits) {
        set_err(err, errlen, "bad prefix length '/%.16s' in '%.64s' (0-%d for IPv%d)",
                slash + 1, s, bits, bits == 32 ? 4 : 6);
        return -1;
    }
    if (prefix < widest) {
        set_err(err, errlen,
                "'%.64s' is too wide: IPv%d blocks may be at most /%d (16777216 addresses)", s,
                bits == 32 ? 4 : 6, widest);
        return -1;
    }
    return prefix;
}

int
pp_tspec_parse(const char *s, struct pp_tspec *out, char *err, size_t errlen)
{
    char text[INET6_ADDRSTRLEN];
    const char *a, *aend, *slash;
    bool bracket;
    int bits, prefix;

    memset(out, 0, sizeof(*out));
    if (s == NULL || *s == '\0') {
        set_err(err, errlen, "empty target");
        return -1;
    }
    if (strchr(s, '%') != NULL) {
        set_err(err, errlen, "bad target '%.64s' (an audit takes no zone ids)", s);
        return -1;
    }
    if (tspec_split(s, &a, &aend, &slash, &bracket, err, errlen) < 0)
        return -1;
    if (!bracket && slash == NULL && pp_host_literal(s) == 0)
        return tspec_name(s, out, err, errlen);
    bits = tspec_addr(s, a, aend, bracket, out, err, errlen);
    if (bits < 0)
        return -1;
    if (slash == NULL) {
        prefix = bits;
        out->kind = PP_TS_ADDR;
    } else {
        prefix = tspec_prefix(s, slash, bits, err, errlen);
        if (prefix < 0)
            goto fail;
        out->kind = PP_TS_CIDR;
        clear_host_bits(out->addr, bits / 8, prefix);
    }
    out->prefix = prefix;
    out->count = (uint64_t)1 << (bits - prefix);
    if (inet_ntop(out->family, out->addr, text, sizeof(text)) == NULL) {
        set_err(err, errlen, "bad address in '%.64s'", s);
        goto fail;
    }
    if (out->kind == PP_TS_CIDR)
        out->name = pp_xasprintf("%s/%d", text, prefix);
    else
        out->name = pp_xstrdup(text);
    return 0;

fail:
    memset(out, 0, sizeof(*out));
    return -1;
}

int
pp_tspec_parse_port(const char *s, struct pp_tspec *out, uint16_t *port, char *err,
                    size_t errlen)
{
    char *host = NULL;
    int rc;

    *port = 0;
    if (s == NULL || *s == '\0' || strchr(s, '/') != NULL || strchr(s, ':') == NULL)
        return pp_tspec_parse(s, out, err, errlen);
    memset(out, 0, sizeof(*out));
    if (pp_hostport_parse(s, &host, port, err, errlen) < 0)
        return -1;
    rc = pp_tspec_parse(host, out, err, errlen);
    free(host);
    if (rc < 0)
        *port = 0;
    return rc;
}

void
pp_tspec_addr(const struct pp_tspec *t, uint64_t i, uint16_t port,
              struct sockaddr_storage *out, socklen_t *len)
{
    memset(out, 0, sizeof(*out));
    *len = 0;
    if (t == NULL || t->kind == PP_TS_NAME || i >= t->count)
        return;
    if (t->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)out;
        uint32_t base = (uint32_t)t->addr[0] << 24 | (uint32_t)t->addr[1] << 16 |
                        (uint32_t)t->addr[2] << 8 | t->addr[3];

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        sin->sin_addr.s_addr = htonl(base + (uint32_t)i);
        *len = sizeof(*sin);
    } else if (t->family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
        uint8_t a[16];
        uint64_t carry = i;
        int k;

        memcpy(a, t->addr, sizeof(a));
        for (k = 15; k >= 0 && carry != 0; k--) {
            carry += a[k];
            a[k] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, a, sizeof(a));
        *len = sizeof(*sin6);
    }
}

static bool
prefix_match(const uint8_t *a, const uint8_t *net, int prefix)
{
    int full = prefix / 8, rest = prefix % 8;

    if (memcmp(a, net, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    return ((a[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool
pp_tspec_contains(const struct pp_tspec *t, const struct sockaddr *sa)
{
    const uint8_t *a;

    if (t == NULL || sa == NULL || t->kind == PP_TS_NAME)
        return false;
    if (sa->sa_family == AF_INET) {
        if (t->family != AF_INET)
            return false;
        a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
    } else if (sa->sa_family == AF_INET6) {
        a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (t->family == AF_INET) {
            static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
            if (memcmp(a, mapped, sizeof(mapped)) != 0)
                return false;
            a += 12;
        } else if (t->family != AF_INET6) {
            return false;
        }
    } else {
        return false;
    }
    return prefix_match(a, t->addr, t->prefix);
}

void
pp_tspec_free(struct pp_tspec *t)
{
    if (t == NULL)
        return;
    free(t->name);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ files */

/* The rest of a line is one port list: white space only next to commas.
 * 0, or -1 with err set. */
static int
one_port_list(const char *name, unsigned long lineno, const char *rest, char *err,
              size_t errlen)
{
    const char *e;

    for (e = rest; *e != '\0'; e++) {
        const char *q = e;

        if (!is_blank(*e))
            continue;
        while (is_blank(*q))
            q++;
        if (e[-1] != ',' && *q != ',') {
            set_err(err, errlen, "%s:%lu: unexpected '%.32s' after the port list "
                    "(one target and at most one port list per line)", name, lineno, q);
            return -1;
        }
        e = q - 1;
    }
    return 0;
}

/* One line of n <= PP_TARGETS_MAX_LINE bytes, without its line end and
 * NUL-free.  Returns 0, or nonzero with err set. */
static int
targets_line(const char *name, unsigned long lineno, const char *line, size_t n,
             pp_target_cb cb, void *ctx, char *err, size_t errlen)
{
    char buf[PP_TARGETS_MAX_LINE + 1], why[256] = "";
    char *p, *target, *rest;
    struct pp_tspec spec;
    struct pp_ports ports = { NULL, 0, 0 };
    struct pp_tspec *sp;
    struct pp_ports *pp = NULL;
    uint16_t port;
    size_t i;
    int rc;

    memcpy(buf, line, n);
    buf[n] = '\0';
    /* A comment starts at a '#' that begins the line or follows white space. */
    for (i = 0; i < n; i++) {
        if (buf[i] == '#' && (i == 0 || is_blank(buf[i - 1]))) {
            buf[i] = '\0';
            n = i;
            break;
        }
    }
    while (n > 0 && is_blank(buf[n - 1]))
        buf[--n] = '\0';
    p = buf;
    while (is_blank(*p))
        p++;
    if (*p == '\0')
        return 0;
    target = p;
    while (*p != '\0' && !is_blank(*p))
        p++;
    rest = p;
    if (*p != '\0') {
        *p = '\0';
        rest = p + 1;
        while (is_blank(*rest))
            rest++;
    }
    if (one_port_list(name, lineno, rest, err, errlen) < 0)
        return -1;
    if (pp_tspec_parse_port(target, &spec, &port, why, sizeof(why)) < 0) {
        set_err(err, errlen, "%s:%lu: %s", name, lineno, why);
        return -1;
    }
    if (port != 0 && *rest != '\0') {
        pp_tspec_free(&spec);
        set_err(err, errlen, "%s:%lu: '%.64s' has a port and a port list (give one)", name,
                lineno, target);
        return -1;
    }
    if (port != 0) {
        snprintf(why, sizeof(why), "%u", port);
        rest = why;
    }
    if (*rest != '\0' && pp_ports_parse(rest, &ports, why, sizeof(why)) < 0) {
        pp_tspec_free(&spec);
        set_err(err, errlen, "%s:%lu: %s", name, lineno, why);
        return -1;
    }
    sp = pp_xmalloc(sizeof(*sp));
    *sp = spec;
    if (*rest != '\0') {
        pp = pp_xmalloc(sizeof(*pp));
        *pp = ports;
    }
    why[0] = '\0';
    rc = cb(ctx, sp, pp, why, sizeof(why));
    if (rc != 0)
        set_err(err, errlen, "%s:%lu: %s", name, lineno, why[0] != '\0' ? why : "rejected");
    return rc;
}

int
pp_targets_parse(const char *name, const char *text, size_t len, pp_target_cb cb, void *ctx,
                 char *err, size_t errlen)
{
    const char *p = text, *end;
    unsigned long lineno = 0;

    if (name == NULL)
        name = "targets";
    if (text == NULL)
        return 0;
    end = text + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        int rc;

        lineno++;
        if (le > p && le[-1] == '\r')
            le--;
        if (memchr(p, '\0', (size_t)(le - p)) != NULL) {
            set_err(err, errlen, "%s:%lu: NUL byte in the line", name, lineno);
            return -1;
        }
        if ((size_t)(le - p) > PP_TARGETS_MAX_LINE) {
            set_err(err, errlen, "%s:%lu: line longer than %d bytes", name, lineno,
                    PP_TARGETS_MAX_LINE);
            return -1;
        }
        rc = targets_line(name, lineno, p, (size_t)(le - p), cb, ctx, err, errlen);
        if (rc != 0)
            return rc;
        p = nl != NULL ? nl + 1 : end;
    }
    return 0;
}
