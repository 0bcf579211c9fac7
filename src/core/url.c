/* URL and target parsing; see url.h. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "core/util.h"

int
pp_host_literal(const char *h)
{
    unsigned char buf[16];

    if (inet_pton(AF_INET, h, buf) == 1)
        return 4;
    if (inet_pton(AF_INET6, h, buf) == 1)
        return 6;
    return 0;
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

/* Split "host", "host:port", "[v6]", "[v6]:port" (s[0..n)). */
static int
split_authority(const char *s, size_t n, char **host, uint16_t *port,
                char *err, size_t errlen)
{
    const char *hs, *colon = NULL;
    size_t hn, i;
    char *h;

    *port = 0;
    if (n == 0) {
        snprintf(err, errlen, "no host name");
        return -1;
    }
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL) {
            snprintf(err, errlen, "unclosed '[' in address");
            return -1;
        }
        hs = s + 1;
        hn = (size_t)(close - hs);
        if (close + 1 < s + n) {
            if (close[1] != ':') {
                snprintf(err, errlen, "unexpected text after ']'");
                return -1;
            }
            colon = close + 1;
        }
    } else {
        for (i = 0; i < n; i++)
            if (s[i] == ':')
                colon = s + i;
        hs = s;
        hn = colon ? (size_t)(colon - s) : n;
    }
    if (colon != NULL &&
        parse_port(colon + 1, (size_t)(s + n - colon - 1), port) < 0) {
        snprintf(err, errlen, "bad port '%.*s' (want 1-65535)",
                 (int)(s + n - colon - 1 > 16 ? 16 : s + n - colon - 1), colon + 1);
        return -1;
    }
    h = pp_xmalloc(hn + 1);
    memcpy(h, hs, hn);
    h[hn] = '\0';
    for (i = 0; i < hn; i++)
        h[i] = (char)tolower((unsigned char)h[i]);
    if (!pp_host_valid(h) || (s[0] == '[' && pp_host_literal(h) != 6)) {
        snprintf(err, errlen, "bad host name '%.64s'", h);
        free(h);
        return -1;
    }
    *host = h;
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
    /* A bare IPv6 literal has several colons and no brackets. */
    if (s[0] != '[' && strchr(s, ':') != strrchr(s, ':')) {
        if (pp_host_literal(s) != 6) {
            snprintf(err, errlen, "bad address '%.64s' (write IPv6 with a port as [addr]:port)", s);
            return -1;
        }
        *host = pp_xstrdup(s);
        for (char *p = *host; *p != '\0'; p++)
            *p = (char)tolower((unsigned char)*p);
        return 0;
    }
    return split_authority(s, strlen(s), host, port, err, errlen);
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
    if (split_authority(auth, (size_t)(end - auth), &u->host, &u->port, err,
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
