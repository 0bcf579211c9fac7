/* SPDX-License-Identifier: ISC */
/* Masking for reports a user emails (src/core/redact.h). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/redact.h"
#include "core/util.h"

enum shape { SHAPE_NAME, SHAPE_V4, SHAPE_V6 };

struct entry {
    char *secret;
    char *low;           /* secret in lower case (ASCII) */
    size_t len;
    char *ph;            /* the placeholder */
    size_t phlen;
    enum shape shape;
    bool alias;          /* the JSON-escaped form of another entry */
};

struct kind_count {
    char *kind;
    unsigned long n;
};

struct domain {
    char *kind;
    char *low;           /* lower case, without a leading dot */
    size_t len;
};

struct pp_redact {
    struct entry *e;     /* sorted by low: a prefix comes before what extends it */
    size_t n;
    struct kind_count *kinds;
    size_t nkinds;
    struct domain *dom;
    size_t ndom;
};

/* ------------------------------------------------------------ helpers */

static unsigned char
lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A character that continues a host or user name. */
static bool
is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* IPv4, IPv6 (with an optional %zone) or anything else. */
static enum shape
shape_of(const char *s)
{
    char buf[INET6_ADDRSTRLEN + 1];
    unsigned char bin[16];
    size_t len = strcspn(s, "%");

    if (len >= sizeof(buf))
        return SHAPE_NAME;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (s[len] == '\0' && inet_pton(AF_INET, buf, bin) == 1)
        return SHAPE_V4;
    if (inet_pton(AF_INET6, buf, bin) == 1)
        return SHAPE_V6;
    return SHAPE_NAME;
}

/* s as it appears inside a JSON string (ui/jsonw.c), or NULL when that is
 * s itself. */
static char *
json_form(const char *s)
{
    size_t extra = 0, i, o = 0;
    char *d;

    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t')
            extra += 1;
        else if (c < 0x20 || c == 0x7f)
            extra += 5;
    }
    if (extra == 0)
        return NULL;
    d = pp_xmalloc(i + extra + 1);
    for (i = 0; s[i] != '\0'; i++) {
        static const char hex[] = "0123456789abcdef";
        unsigned char c = (unsigned char)s[i];
        char esc = c == '"' ? '"' : c == '\\' ? '\\' : c == '\n' ? 'n' :
                   c == '\r' ? 'r' : c == '\t' ? 't' : 0;

        if (esc != 0) {
            d[o++] = '\\';
            d[o++] = esc;
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(d + o, "\\u00", 4);
            d[o + 4] = hex[c >> 4];
            d[o + 5] = hex[c & 15];
            o += 6;
        } else {
            d[o++] = (char)c;
        }
    }
    d[o] = '\0';
    return d;
}

/* s as ui/report_html.c writes it (& < > " '), or NULL when that is s. */
static char *
html_form(const char *s)
{
    size_t i, o = 0, extra = 0;
    char *d;

    for (i = 0; s[i] != '\0'; i++)
        extra += s[i] == '&' ? 4 : s[i] == '<' || s[i] == '>' ? 3 : s[i] == '"' ? 5 :
                 s[i] == '\'' ? 4 : 0;
    if (extra == 0)
        return NULL;
    d = pp_xmalloc(i + extra + 1);
    for (i = 0; s[i] != '\0'; i++) {
        const char *e = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" :
                        s[i] == '"' ? "&quot;" : s[i] == '\'' ? "&#39;" : NULL;
        if (e != NULL) {
            memcpy(d + o, e, strlen(e));
            o += strlen(e);
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    return d;
}

/* The kind as a placeholder word. */
static char *
clean_kind(const char *kind)
{
    char *k;
    size_t i;

    if (kind == NULL || kind[0] == '\0')
        kind = "secret";
    k = pp_xstrdup(kind);
    for (i = 0; k[i] != '\0'; i++)
        if (!is_word(k[i]) && k[i] != '_')
            k[i] = '-';
    return k;
}

/* The next number of that kind. */
static unsigned long
next_number(struct pp_redact *r, const char *kind)
{
    size_t i;

    for (i = 0; i < r->nkinds; i++)
        if (strcmp(r->kinds[i].kind, kind) == 0)
            return ++r->kinds[i].n;
    r->kinds = pp_xrealloc(r->kinds, r->nkinds + 1, sizeof(*r->kinds));
    r->kinds[r->nkinds].kind = pp_xstrdup(kind);
    r->kinds[r->nkinds].n = 1;
    r->nkinds++;
    return 1;
}

/* Where low (len bytes, lower case) is or would go in r->e. */
static size_t
position(const struct pp_redact *r, const char *low, size_t len, bool *found)
{
    size_t lo = 0, hi = r->n;

    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, m = r->e[mid].len < len ? r->e[mid].len : len;
        int c = memcmp(r->e[mid].low, low, m);

        if (c == 0 && r->e[mid].len == len) {
            *found = true;
            return mid;
        }
        if (c < 0 || (c == 0 && r->e[mid].len < len))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static char *
lower_copy(const char *s)
{
    char *d = pp_xstrdup(s);
    size_t i;

    for (i = 0; d[i] != '\0'; i++)
        d[i] = (char)lower((unsigned char)d[i]);
    return d;
}

static bool
known(const struct pp_redact *r, const char *s)
{
    char *low = lower_copy(s);
    bool found;

    (void)position(r, low, strlen(low), &found);
    free(low);
    return found;
}

/* Insert (taking over secret and ph) in its place: not there yet. */
static void
insert(struct pp_redact *r, char *secret, char *ph, enum shape shape, bool alias)
{
    char *low = lower_copy(secret);
    size_t len = strlen(secret), at;
    bool found;
    struct entry *e;

    at = position(r, low, len, &found);
    r->e = pp_xrealloc(r->e, r->n + 1, sizeof(*r->e));
    memmove(r->e + at + 1, r->e + at, (r->n - at) * sizeof(*r->e));
    r->n++;
    e = &r->e[at];
    e->secret = secret;
    e->low = low;
    e->len = len;
    e->ph = ph;
    e->phlen = strlen(ph);
    e->shape = shape;
    e->alias = alias;
}

static void
add(struct pp_redact *r, const char *kind, const char *secret, bool unique)
{
    char *k, *ph, *jf;

    if (r == NULL || secret == NULL || strlen(secret) < 2 || known(r, secret))
        return;
    k = clean_kind(kind);
    if (unique)
        ph = pp_xasprintf("<%s>", k);
    else
        ph = pp_xasprintf("<%s-%lu>", k, next_number(r, k));
    free(k);
    jf = json_form(secret);
    if (jf != NULL) {
        if (!known(r, jf))
            insert(r, jf, pp_xstrdup(ph), SHAPE_NAME, true);
        else
            free(jf);
    }
    jf = html_form(secret);
    if (jf != NULL) {
        if (!known(r, jf))
            insert(r, jf, pp_xstrdup(ph), SHAPE_NAME, true);
        else
            free(jf);
    }
    insert(r, pp_xstrdup(secret), ph, shape_of(secret), false);
}

/* ------------------------------------------------------------ the API */

struct pp_redact *
pp_redact_new(void)
{
    return pp_xcalloc(1, sizeof(struct pp_redact));
}

void
pp_redact_free(struct pp_redact *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->n; i++) {
        free(r->e[i].secret);
        free(r->e[i].low);
        free(r->e[i].ph);
    }
    for (i = 0; i < r->nkinds; i++)
        free(r->kinds[i].kind);
    for (i = 0; i < r->ndom; i++) {
        free(r->dom[i].kind);
        free(r->dom[i].low);
    }
    free(r->e);
    free(r->kinds);
    free(r->dom);
    free(r);
}

void
pp_redact_add(struct pp_redact *r, const char *kind, const char *secret)
{
    add(r, kind, secret, false);
}

void
pp_redact_add_unique(struct pp_redact *r, const char *kind, const char *secret)
{
    add(r, kind, secret, true);
}

void
pp_redact_add_domain(struct pp_redact *r, const char *kind, const char *domain)
{
    size_t i;
    char *low;

    if (r == NULL || domain == NULL)
        return;
    while (*domain == '.')
        domain++;
    if (strlen(domain) < 2)
        return;
    /* "local", "lan": names under them are secrets, the word is not. */
    if (strchr(domain, '.') != NULL)
        add(r, kind, domain, false);
    low = lower_copy(domain);
    for (i = 0; i < r->ndom; i++) {
        if (strcmp(r->dom[i].low, low) == 0) {
            free(low);
            return;
        }
    }
    r->dom = pp_xrealloc(r->dom, r->ndom + 1, sizeof(*r->dom));
    r->dom[r->ndom].kind = clean_kind(kind);
    r->dom[r->ndom].low = low;
    r->dom[r->ndom].len = strlen(low);
    r->ndom++;
}

static bool
is_name_char(char c)
{
    return is_word(c) || c == '.' || c == '_';
}

/* The domain name (n bytes at s, dots trimmed) lies under, or NULL. */
static const struct domain *
under(const struct pp_redact *r, const char *s, size_t n)
{
    size_t i, k;

    for (i = 0; i < r->ndom; i++) {
        const struct domain *d = &r->dom[i];
        if (n < d->len + 2 || s[n - d->len - 1] != '.')
            continue;
        for (k = 0; k < d->len; k++)
            if (lower((unsigned char)s[n - d->len + k]) != (unsigned char)d->low[k])
                break;
        if (k == d->len)
            return d;
    }
    return NULL;
}

unsigned long
pp_redact_learn(struct pp_redact *r, const char *text)
{
    unsigned long before;
    const char *p;

    if (r == NULL || text == NULL || r->ndom == 0)
        return 0;
    before = pp_redact_count(r);
    for (p = text; *p != '\0';) {
        const char *s = p;
        size_t n;
        const struct domain *d;

        if (!is_name_char(*p)) {
            p++;
            continue;
        }
        while (is_name_char(*p))
            p++;
        /* Trim what cannot start or end a name. */
        while (s < p && (*s == '.' || *s == '-' || *s == '_'))
            s++;
        n = (size_t)(p - s);
        while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '-'))
            n--;
        if ((d = under(r, s, n)) != NULL) {
            char *name = pp_xmalloc(n + 1);
            memcpy(name, s, n);
            name[n] = '\0';
            add(r, d->kind, name, false);
            free(name);
        }
    }
    return pp_redact_count(r) - before;
}

unsigned long
pp_redact_count(const struct pp_redact *r)
{
    unsigned long n = 0;
    size_t i;

    for (i = 0; r != NULL && i < r->n; i++)
        if (!r->e[i].alias)
            n++;
    return n;
}

/* Whether e, found at t[at..at+e->len) of a text of len bytes, stands
 * alone there (see the rules in redact.h). */
static bool
alone(const struct entry *e, const char *t, size_t len, size_t at)
{
    size_t end = at + e->len;
    char b = at > 0 ? t[at - 1] : '\0';
    char bb = at > 1 ? t[at - 2] : '\0';
    char a = end < len ? t[end] : '\0';
    char aa = end + 1 < len ? t[end + 1] : '\0';

    if (e->shape == SHAPE_NAME) {
        if (is_word(e->secret[0]) && (is_word(b) || (b == '.' && is_word(bb))))
            return false;
        if (is_word(e->secret[e->len - 1]) && (is_word(a) || (a == '.' && is_word(aa))))
            return false;
        return true;
    }
    /* An address: not part of a longer one. */
    if (is_hex(b) || (b == '.' && is_digit(bb)))
        return false;
    if (is_hex(a) || (a == '.' && is_digit(aa)))
        return false;
    if (e->shape == SHAPE_V6) {
        if (b == ':' && (is_hex(bb) || bb == ':'))
            return false;
        if (a == ':' && (is_hex(aa) || aa == ':'))
            return false;
    }
    return true;
}

struct out {
    char *s;
    size_t n, cap;
};

static void
put(struct out *o, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (o->cap - o->n < n + 1) {
        size_t cap = o->cap;
        while (cap - o->n < n + 1)
            cap = cap < 64 ? 64 : cap + cap / 2;
        o->s = pp_xrealloc(o->s, cap, 1);
        o->cap = cap;
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
}

/* The longest entry that text[at..] starts with and that stands alone
 * there, or NULL.  A walk down the sorted table as down a trie: [lo, hi)
 * holds the entries that start with the d bytes read so far. */
static const struct entry *
match_at(const struct pp_redact *r, const char *text, size_t len, size_t at)
{
    const struct entry *best = NULL;
    size_t lo = 0, hi = r->n, d = 0;

    for (;;) {
        unsigned char c;
        size_t a, b;

        /* Only one entry is all of the prefix, and it sorts first. */
        if (lo < hi && r->e[lo].len == d) {
            if (alone(&r->e[lo], text, len, at))
                best = &r->e[lo];
            lo++;
        }
        if (lo >= hi || at + d >= len)
            break;
        c = lower((unsigned char)text[at + d]);
        /* The entries whose byte d is c: [a, b). */
        a = lo;
        b = hi;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if ((unsigned char)r->e[mid].low[d] < c)
                a = mid + 1;
            else
                b = mid;
        }
        lo = a;
        b = hi;
        while (a < b) {
            size_t mid = a + (b - a) / 2;
            if ((unsigned char)r->e[mid].low[d] <= c)
                a = mid + 1;
            else
                b = mid;
        }
        hi = a;
        d++;
    }
    return best;
}

static char *
apply(const struct pp_redact *r, const char *text, bool html)
{
    size_t len, i, run;
    struct out o;

    if (text == NULL)
        return NULL;
    if (r == NULL || r->n == 0)
        return pp_xstrdup(text);
    len = strlen(text);
    o.cap = len + len / 8 + 64;
    o.s = pp_xmalloc(o.cap);
    o.n = 0;
    run = 0;    /* text[run..i) is waiting to be copied */
    for (i = 0; i < len;) {
        const struct entry *hit = match_at(r, text, len, i);

        if (hit == NULL) {
            i++;
            continue;
        }
        put(&o, text + run, i - run);
        if (html) {
            put(&o, "&lt;", 4);
            put(&o, hit->ph + 1, hit->phlen - 2);
            put(&o, "&gt;", 4);
        } else {
            put(&o, hit->ph, hit->phlen);
        }
        i += hit->len;
        run = i;
    }
    put(&o, text + run, len - run);
    o.s[o.n] = '\0';
    return o.s;
}

char *
pp_redact_apply(const struct pp_redact *r, const char *text)
{
    return apply(r, text, false);
}

char *
pp_redact_apply_html(const struct pp_redact *r, const char *text)
{
    return apply(r, text, true);
}
