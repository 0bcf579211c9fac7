/* SPDX-License-Identifier: ISC */
/* The expectations file of the firewall-audit mode; see policy.h. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan/policy.h"
#include "core/util.h"

/* ------------------------------------------------------ built-in sets */

/* What an Apple device needs (apple-network.md 1 and 3; Apple KB 102266
 * and 101555).  One rule a line: a changed Apple fact is a one-line edit.
 * Addresses: only Apple's 17.0.0.0/8 and the APNs IPv6 /48s of 102266. */
static const char builtin_device[] =
    "# APNs, device side: the courier on 5223, and 443 as the fallback.\n"
    "open tcp courier.push.apple.com 5223,443\n"
    "# Apple's whole block: APNs addresses are load-balanced inside it.\n"
    "open tcp 17.0.0.0/8 5223\n"
    "open tcp 2620:149:a44::/48 5223\n"
    "open tcp 2403:300:a42::/48 5223\n"
    "open tcp 2403:300:a51::/48 5223\n"
    "open tcp 2a01:b740:a42::/48 5223\n"
    "# Activation and Automated Device Enrollment.  Apple fails any connection\n"
    "# through HTTPS interception, so the chain must verify (tls implies open).\n"
    "tls tcp albert.apple.com 443\n"
    "tls tcp deviceenrollment.apple.com 443\n"
    "tls tcp iprofiles.apple.com 443\n";

/* What an MDM server needs (apple-network.md 2 and 3.2). */
static const char builtin_mdm_server[] =
    "# APNs, provider side: HTTP/2 on 443, or 2197 for firewalls.\n"
    "open tcp api.push.apple.com 443,2197\n"
    "# Enrollment profiles, Apps and Books, APNs certificates, updates.\n"
    "open tcp mdmenrollment.apple.com 443\n"
    "open tcp vpp.itunes.apple.com 443\n"
    "open tcp identity.apple.com 443\n"
    "open tcp gdmf.apple.com 443\n";

static const struct {
    const char *name;
    const char *text;
} builtins[] = {
    {"apple-device", builtin_device},
    {"apple-mdm-server", builtin_mdm_server},
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

static long
builtin_index(const char *set_name)
{
    size_t i;

    if (set_name == NULL)
        return -1;
    for (i = 0; i < NBUILTINS; i++) {
        if (strcmp(builtins[i].name, set_name) == 0)
            return (long)i;
    }
    return -1;
}

const char *
pp_policy_builtin(const char *set_name)
{
    long i = builtin_index(set_name);

    return i < 0 ? NULL : builtins[i].text;
}

const char *
pp_expect_name(enum pp_expect e)
{
    switch (e) {
    case PP_EXPECT_OPEN:
        return "open";
    case PP_EXPECT_CLOSED:
        return "closed";
    case PP_EXPECT_TLS:
        return "tls";
    }
    return "?";
}

/* ------------------------------------------------------------- parser */

#define QUOTE_MAX 64            /* bytes of a word quoted in a message */

struct parser {
    struct pp_policy *out;
    size_t cap;
    bool included[NBUILTINS];   /* ever included */
    bool active[NBUILTINS];     /* being included now */
    char *err;
    size_t errlen;
};

static void
perr(struct parser *ps, const char *name, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "NAME:LINE: why" into the caller's buffer. */
static void
perr(struct parser *ps, const char *name, unsigned long line, const char *fmt, ...)
{
    char why[512];
    va_list ap;

    if (ps->err == NULL || ps->errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(ps->err, ps->errlen, "%s:%lu: %s", name, line, why);
}

/* A word for a message: at most QUOTE_MAX bytes, then "...". */
static void
quote(char *buf, size_t len, const char *w)
{
    if (w == NULL)
        w = "";
    if (strlen(w) > QUOTE_MAX)
        snprintf(buf, len, "%.*s...", QUOTE_MAX, w);
    else
        snprintf(buf, len, "%s", w);
}

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int parse_text(struct parser *ps, const char *name, const char *text, size_t len);

/* The next blank-separated word of *p (NUL-terminated in place), or NULL;
 * *p moves past the word and the blanks after it. */
static char *
next_word(char **p)
{
    char *w = *p, *e;

    if (*w == '\0')
        return NULL;
    e = w;
    while (*e != '\0' && !is_blank(*e))
        e++;
    if (*e != '\0') {
        *e++ = '\0';
        while (is_blank(*e))
            e++;
    }
    *p = e;
    return w;
}

/* "include SET" (rest is what follows the verb): the built-in set, in
 * place. */
static int
do_include(struct parser *ps, const char *name, unsigned long lineno, char *rest)
{
    char q[QUOTE_MAX + 4];
    char *set = next_word(&rest);
    long i;

    if (set == NULL) {
        perr(ps, name, lineno, "missing set name after 'include' "
             "(apple-device or apple-mdm-server)");
        return -1;
    }
    if (*rest != '\0') {
        quote(q, sizeof(q), next_word(&rest));
        perr(ps, name, lineno, "unexpected '%s' after the set name", q);
        return -1;
    }
    quote(q, sizeof(q), set);
    if ((i = builtin_index(set)) < 0) {
        perr(ps, name, lineno, "unknown rule set '%s' (known: apple-device, apple-mdm-server)",
             q);
        return -1;
    }
    if (ps->active[i]) {
        perr(ps, name, lineno, "rule set '%s' includes itself", q);
        return -1;
    }
    if (ps->included[i]) {
        perr(ps, name, lineno, "rule set '%s' is already included", q);
        return -1;
    }
    ps->included[i] = true;
    ps->active[i] = true;
    if (parse_text(ps, builtins[i].name, builtins[i].text, strlen(builtins[i].text)) < 0)
        return -1;
    ps->active[i] = false;
    return 0;
}

/* "ADDR/P" wider than targets.c accepts (it bounds blocks it may have to
 * enumerate): parse "ADDR/32" or "ADDR/128" instead, then widen.  A rule
 * only matches addresses, so any width is fine; count saturates.
 * Returns 0, or -1 leaving *t empty. */
static int
wide_block(const char *s, struct pp_tspec *t)
{
    static const int bits[2] = {32, 128};
    const char *slash = strrchr(s, '/');
    char buf[PP_POLICY_LINE_MAX + 8];
    size_t alen;
    long prefix;
    int k, i;

    if (slash == NULL || slash[1] == '\0' || strlen(slash + 1) > 3 ||
        strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
        pp_parse_long(slash + 1, 0, 128, &prefix) != 0)
        return -1;
    alen = (size_t)(slash - s);
    for (k = 0; k < 2; k++) {
        char text[INET6_ADDRSTRLEN];

        if (prefix > bits[k])
            continue;
        snprintf(buf, sizeof(buf), "%.*s/%d", (int)alen, s, bits[k]);
        if (pp_tspec_parse(buf, t, NULL, 0) != 0)
            continue;
        if (t->prefix != bits[k] ||
            t->family != (bits[k] == 32 ? AF_INET : AF_INET6)) {
            pp_tspec_free(t);
            continue;
        }
        t->prefix = (int)prefix;
        for (i = 0; i < bits[k] / 8; i++) {
            int b = i * 8;
            if (b >= prefix)
                t->addr[i] = 0;
            else if (b + 8 > prefix)
                t->addr[i] &= (uint8_t)(0xff << (8 - (prefix - b)));
        }
        t->count = bits[k] - prefix >= 64 ? UINT64_MAX
                                          : (uint64_t)1 << (bits[k] - prefix);
        if (inet_ntop(t->family, t->addr, text, sizeof(text)) == NULL) {
            pp_tspec_free(t);
            return -1;
        }
        free(t->name);
        t->name = pp_xasprintf("%s/%ld", text, prefix);
        return 0;
    }
    return -1;
}

/* "VERB tcp TARGET PORTS" (rest is what follows the verb): append a rule.
 * The ports are the rest of the line, white space allowed next to commas
 * only ("443, 5223"). */
static int
do_rule(struct parser *ps, const char *name, unsigned long lineno, enum pp_expect want,
        const char *verb, char *rest, const char *text)
{
    struct pp_rule r;
    char q[QUOTE_MAX + 4], why[256];
    char *proto, *target, *e;

    proto = next_word(&rest);
    if (proto == NULL) {
        perr(ps, name, lineno, "missing protocol after '%s' (e.g. '%s tcp 192.0.2.1 443')",
             verb, verb);
        return -1;
    }
    if (strcasecmp(proto, "tcp") != 0) {
        quote(q, sizeof(q), proto);
        perr(ps, name, lineno, "protocol '%s' is not supported (only tcp is supported)", q);
        return -1;
    }
    target = next_word(&rest);
    if (target == NULL) {
        perr(ps, name, lineno, "missing target after '%s' (a host name, address or CIDR block)",
             proto);
        return -1;
    }
    if (*rest == '\0') {
        quote(q, sizeof(q), target);
        perr(ps, name, lineno, "missing ports after '%s' (e.g. 443 or 443,8000-8010)", q);
        return -1;
    }
    for (e = rest; *e != '\0'; e++) {
        if (is_blank(*e) && e[-1] != ',' && !is_blank(e[-1])) {
            char *w = e;
            while (is_blank(*w))
                w++;
            if (*w != ',') {
                quote(q, sizeof(q), next_word(&w));
                perr(ps, name, lineno, "unexpected '%s' after the ports", q);
                return -1;
            }
        }
    }
    memset(&r, 0, sizeof(r));
    r.want = want;
    why[0] = '\0';
    if (pp_tspec_parse(target, &r.spec, why, sizeof(why)) != 0 &&
        wide_block(target, &r.spec) != 0) {
        perr(ps, name, lineno, "%s", why[0] ? why : "bad target");
        return -1;
    }
    why[0] = '\0';
    if (pp_ports_parse(rest, &r.ports, why, sizeof(why)) != 0) {
        perr(ps, name, lineno, "%s", why[0] ? why : "bad ports");
        pp_tspec_free(&r.spec);
        return -1;
    }
    r.source = pp_xasprintf("%s:%lu", name, lineno);
    r.text = pp_xstrdup(text);
    if (ps->out->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 16;
        ps->out->r = pp_xrealloc(ps->out->r, ps->cap, sizeof(*ps->out->r));
    }
    ps->out->r[ps->out->n++] = r;
    return 0;
}

/* One line (without its line end) of at most PP_POLICY_LINE_MAX bytes. */
static int
parse_line(struct parser *ps, const char *name, unsigned long lineno, const char *s, size_t len)
{
    char line[PP_POLICY_LINE_MAX + 1], text[PP_POLICY_LINE_MAX + 1], q[QUOTE_MAX + 4];
    char *p, *end, *verb;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0') {
            perr(ps, name, lineno, "NUL byte in the line");
            return -1;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            perr(ps, name, lineno, "control character 0x%02x in the line", c);
            return -1;
        }
    }
    memcpy(line, s, len);
    line[len] = '\0';
    /* A comment starts at '#' at the start or after white space. */
    for (i = 0; i < len; i++) {
        if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) {
            line[i] = '\0';
            break;
        }
    }
    p = line;
    while (is_blank(*p))
        p++;
    end = p + strlen(p);
    while (end > p && is_blank(end[-1]))
        end--;
    *end = '\0';
    if (*p == '\0')
        return 0;
    memcpy(text, p, (size_t)(end - p) + 1);

    if ((verb = next_word(&p)) == NULL)
        return 0;
    if (strcasecmp(verb, "include") == 0)
        return do_include(ps, name, lineno, p);
    if (strcasecmp(verb, "open") == 0)
        return do_rule(ps, name, lineno, PP_EXPECT_OPEN, verb, p, text);
    if (strcasecmp(verb, "closed") == 0)
        return do_rule(ps, name, lineno, PP_EXPECT_CLOSED, verb, p, text);
    if (strcasecmp(verb, "tls") == 0)
        return do_rule(ps, name, lineno, PP_EXPECT_TLS, verb, p, text);
    quote(q, sizeof(q), verb);
    perr(ps, name, lineno, "unknown verb '%s' (expected open, closed, tls or include)", q);
    return -1;
}

static int
parse_text(struct parser *ps, const char *name, const char *text, size_t len)
{
    size_t pos = 0;
    unsigned long lineno = 0;

    /* A UTF-8 byte order mark, as some editors write, is not content. */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;

        lineno++;
        pos += n + (nl ? 1 : 0);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n > PP_POLICY_LINE_MAX) {
            perr(ps, name, lineno, "line longer than %d bytes", PP_POLICY_LINE_MAX);
            return -1;
        }
        if (parse_line(ps, name, lineno, s, n) < 0)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the index */

static bool
single_address(const struct pp_rule *r)
{
    return r->spec.kind != PP_TS_NAME && r->spec.count == 1;
}

/* FNV-1a over the family and the address's bytes. */
static size_t
addr_hash(int family, const uint8_t *a)
{
    size_t i, n = family == AF_INET6 ? 16 : 4;
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)family;

    for (i = 0; i < n; i++)
        h = (h ^ a[i]) * 1099511628211ULL;
    return (size_t)(h ^ h >> 32);
}

static void
build_index(struct pp_policy *p)
{
    size_t i, nexact = 0;

    if (p->n == 0)
        return;   /* nothing to find: no table */
    for (i = 0; i < p->n; i++)
        nexact += single_address(&p->r[i]);
    p->nbuckets = 16;
    while (p->nbuckets < nexact * 2)
        p->nbuckets *= 2;
    p->bucket = pp_xcalloc(p->nbuckets, sizeof(*p->bucket));
    p->chain = pp_xcalloc(p->n, sizeof(*p->chain));
    p->others = pp_xcalloc(p->n, sizeof(*p->others));
    p->nothers = 0;
    for (i = 0; i < p->n; i++) {
        const struct pp_rule *r = &p->r[i];
        if (single_address(r)) {
            size_t b = addr_hash(r->spec.family, r->spec.addr) & (p->nbuckets - 1);
            p->chain[i] = p->bucket[b];
            p->bucket[b] = i + 1;
        }
    }
    for (i = p->n; i-- > 0;)
        if (!single_address(&p->r[i]))
            p->others[p->nothers++] = i;
}

int
pp_policy_parse(const char *name, const char *text, size_t len, struct pp_policy *out,
                char *err, size_t errlen)
{
    struct parser ps;

    memset(&ps, 0, sizeof(ps));
    memset(out, 0, sizeof(*out));
    ps.out = out;
    ps.err = err;
    ps.errlen = errlen;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (name == NULL)
        name = "-";
    if (text == NULL && len > 0) {
        perr(&ps, name, 0, "no text");
        return -1;
    }
    if (len > 0 && parse_text(&ps, name, text, len) < 0) {
        pp_policy_free(out);
        return -1;
    }
    build_index(out);
    return 0;
}

void
pp_policy_free(struct pp_policy *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->n; i++) {
        pp_tspec_free(&p->r[i].spec);
        pp_ports_free(&p->r[i].ports);
        free(p->r[i].source);
        free(p->r[i].text);
    }
    free(p->r);
    free(p->bucket);
    free(p->chain);
    free(p->others);
    memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------ matching */

/* Host names equal but for case and one trailing dot. */
static bool
name_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && la > 0 && strncasecmp(a, b, la) == 0;
}

static bool
rule_matches(const struct pp_rule *r, const char *host, const struct sockaddr *sa,
             uint16_t port)
{
    if (!pp_ports_has(&r->ports, port))
        return false;
    if (r->spec.kind == PP_TS_NAME)
        return host != NULL && r->spec.name != NULL && name_eq(host, r->spec.name);
    return sa != NULL && pp_tspec_contains(&r->spec, sa);
}

/* The last rule that matches: the highest of the address's own rules (from
 * the table) and of the others (names, blocks), looked through from the top
 * down only as far as they can still win. */
long
pp_policy_match(const struct pp_policy *p, const char *host, const struct sockaddr *sa,
                uint16_t port)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    long best = -1;
    size_t i;

    if (p == NULL || p->n == 0)
        return -1;
    if (p->bucket == NULL) {   /* not from pp_policy_parse: look through all */
        for (i = p->n; i-- > 0;)
            if (rule_matches(&p->r[i], host, sa, port))
                return (long)i;
        return -1;
    }
    if (sa != NULL && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
        const uint8_t *a;
        int family = sa->sa_family;
        size_t k;

        if (family == AF_INET) {
            a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        } else {
            a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
            if (memcmp(a, mapped, sizeof(mapped)) == 0) {   /* IPv4 rules hold */
                a += 12;
                family = AF_INET;
            }
        }
        for (k = p->bucket[addr_hash(family, a) & (p->nbuckets - 1)]; k != 0;
             k = p->chain[k - 1]) {
            if (rule_matches(&p->r[k - 1], host, sa, port)) {
                best = (long)(k - 1);
                break;
            }
        }
    }
    for (i = 0; i < p->nothers && (long)p->others[i] > best; i++)
        if (rule_matches(&p->r[p->others[i]], host, sa, port))
            return (long)p->others[i];
    return best;
}
