/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for expectations files (src/plan/policy.h): the parser
 * must return cleanly on any bytes, never crash, leak or read past the
 * input, and what it accepts must be self-consistent and matchable. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {
    NULL, "courier.push.apple.com", "JSS.corp.test.", "files.corp.test", "",
};
static const char *const addrs[] = {
    "17.57.144.10", "192.0.2.1", "10.0.0.7", "2001:db8::1", "2620:149:a44::5",
    "::ffff:198.51.100.9",
};
static const uint16_t ports[] = { 1, 443, 5223, 8443, 65535 };

static void
check_match(const struct pp_policy *p, const char *host, const struct sockaddr *sa,
            uint16_t port)
{
    long i = pp_policy_match(p, host, sa, port);

    if (i < -1 || (i >= 0 && (size_t)i >= p->n))
        abort();
    if (i >= 0 && !pp_ports_has(&p->r[i].ports, port))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_policy p;
    char err[256];
    size_t i, h, a, k;

    /* The file is not NUL-terminated: hand over exactly size bytes. */
    err[0] = '\0';
    if (pp_policy_parse("fuzz.exp", (const char *)data, size, &p, err, sizeof(err)) != 0) {
        if (err[0] == '\0' || strncmp(err, "fuzz.exp:", 9) != 0 || p.r != NULL || p.n != 0)
            abort();
        pp_policy_free(&p);
        return 0;
    }
    for (i = 0; i < p.n; i++) {
        const struct pp_rule *r = &p.r[i];

        if (r->source == NULL || r->text == NULL || r->text[0] == '\0' ||
            r->spec.name == NULL || r->ports.n == 0 || r->ports.count == 0 ||
            strcmp(pp_expect_name(r->want), "?") == 0)
            abort();
    }
    for (a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++) {
        struct sockaddr_storage ss;

        memset(&ss, 0, sizeof(ss));
        if (strchr(addrs[a], ':') != NULL) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            s6->sin6_family = AF_INET6;
            if (inet_pton(AF_INET6, addrs[a], &s6->sin6_addr) != 1)
                abort();
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            s4->sin_family = AF_INET;
            if (inet_pton(AF_INET, addrs[a], &s4->sin_addr) != 1)
                abort();
        }
        for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
            for (k = 0; k < sizeof(ports) / sizeof(ports[0]); k++)
                check_match(&p, hosts[h], (const struct sockaddr *)&ss, ports[k]);
        }
    }
    for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++)
        check_match(&p, hosts[h], NULL, 443);
    pp_policy_free(&p);
    if (p.r != NULL || p.n != 0)
        abort();
    return 0;
}
