/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for what users type (src/core/url.h): every parser must
 * return cleanly, never crash, leak or read past the string. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The one address syntax reads back what it writes: a host and port
 * parsed, written as check ids write them ([v6]:port), parse to the same
 * host and port, in host:port and inside a URL. */
static void
round_trip(const char *host, uint16_t port)
{
    struct pp_sockaddr_check { struct sockaddr_storage ss; socklen_t len; } sa;
    char err[256], *hp, *url, *h2 = NULL;
    uint16_t p2 = 0;
    struct pp_url u;

    hp = pp_hostport_fmt(host, port != 0 ? port : 1);
    if (pp_hostport_parse(hp, &h2, &p2, err, sizeof(err)) != 0 || strcmp(h2, host) != 0 ||
        p2 != (port != 0 ? port : 1))
        abort();
    free(h2);
    url = malloc(strlen(hp) + 16);
    if (url == NULL)
        abort();
    memcpy(url, "tls://", 6);
    memcpy(url + 6, hp, strlen(hp) + 1);
    if (pp_url_parse(url, &u, err, sizeof(err)) != 0 || strcmp(u.host, host) != 0)
        abort();
    pp_url_free(&u);
    free(url);
    free(hp);
    if (pp_host_literal(host) != pp_host_sockaddr(host, port, &sa.ss, &sa.len) ||
        (sa.len == 0) != (pp_host_literal(host) == 0))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_url u;
    char err[256];
    char *s, *host = NULL;
    uint16_t port = 0;

    /* Command-line arguments are NUL-terminated: so is the input. */
    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    if (pp_url_parse(s, &u, err, sizeof(err)) == 0) {
        /* A parsed URL is self-consistent. */
        if (u.host == NULL || u.path == NULL || u.path[0] != '/' ||
            !pp_host_valid(u.host))
            abort();
        round_trip(u.host, u.port);
        pp_url_free(&u);
    } else if (err[0] == '\0' || u.host != NULL || u.path != NULL) {
        abort();
    }

    err[0] = '\0';
    if (pp_hostport_parse(s, &host, &port, err, sizeof(err)) == 0) {
        if (host == NULL || !pp_host_valid(host))
            abort();
        round_trip(host, port);
        free(host);
    } else if (err[0] == '\0' || host != NULL) {
        abort();
    }

    (void)pp_host_valid(s);
    (void)pp_host_literal(s);
    free(s);
    return 0;
}
