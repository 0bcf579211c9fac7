/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the audit targets (src/plan/targets.h): the input is
 * a targets file; its first line is also tried as a port list and as a
 * target spec.  Nothing may crash, leak or read past the input, and what
 * parses must be self-consistent. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ports(const struct pp_ports *p)
{
    uint32_t count = 0;
    size_t k;

    if (p->n == 0 || p->range == NULL)
        abort();
    for (k = 0; k < p->n; k++) {
        if (p->range[k][0] == 0 || p->range[k][0] > p->range[k][1])
            abort();
        /* Sorted and merged: a gap of at least one port between ranges. */
        if (k > 0 && (uint32_t)p->range[k - 1][1] + 1 >= p->range[k][0])
            abort();
        count += (uint32_t)p->range[k][1] - p->range[k][0] + 1;
    }
    if (count != p->count)
        abort();
    if (pp_ports_at(p, 0) != p->range[0][0] ||
        pp_ports_at(p, p->count - 1) != p->range[p->n - 1][1] ||
        pp_ports_at(p, p->count) != 0)
        abort();
    if (!pp_ports_has(p, p->range[0][0]) || !pp_ports_has(p, p->range[p->n - 1][1]) ||
        pp_ports_has(p, 0))
        abort();
}

static void
check_spec(const struct pp_tspec *t)
{
    struct sockaddr_storage ss;
    socklen_t len;

    if (t->name == NULL || t->count == 0)
        abort();
    if (t->kind == PP_TS_NAME) {
        if (t->count != 1)
            abort();
        pp_tspec_addr(t, 0, 443, &ss, &len);
        if (len != 0)
            abort();
        return;
    }
    if (t->family != AF_INET && t->family != AF_INET6)
        abort();
    if (t->count > ((uint64_t)1 << 24))
        abort();
    pp_tspec_addr(t, 0, 443, &ss, &len);
    if (len == 0 || !pp_tspec_contains(t, (const struct sockaddr *)&ss))
        abort();
    pp_tspec_addr(t, t->count - 1, 443, &ss, &len);
    if (len == 0 || !pp_tspec_contains(t, (const struct sockaddr *)&ss))
        abort();
    pp_tspec_addr(t, t->count, 443, &ss, &len);
    if (len != 0)
        abort();
}

static int
take(void *ctx, struct pp_tspec *spec, struct pp_ports *ports, char *err, size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    check_spec(spec);
    if (ports != NULL)
        check_ports(ports);
    pp_tspec_free(spec);
    free(spec);
    pp_ports_free(ports);
    free(ports);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_ports ports;
    struct pp_tspec spec;
    char err[256];
    char *s, *nl;

    err[0] = '\0';
    if (pp_targets_parse("fuzz", (const char *)data, size, take, NULL, err, sizeof(err)) != 0 &&
        strncmp(err, "fuzz:", 5) != 0)
        abort();

    /* Command-line arguments are NUL-terminated: so is the first line. */
    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if ((nl = strchr(s, '\n')) != NULL)
        *nl = '\0';

    err[0] = '\0';
    if (pp_ports_parse(s, &ports, err, sizeof(err)) == 0) {
        check_ports(&ports);
        pp_ports_free(&ports);
    } else if (err[0] == '\0' || ports.range != NULL || ports.n != 0) {
        abort();
    }

    err[0] = '\0';
    if (pp_tspec_parse(s, &spec, err, sizeof(err)) == 0) {
        check_spec(&spec);
        pp_tspec_free(&spec);
    } else if (err[0] == '\0' || spec.name != NULL) {
        abort();
    }
    free(s);
    return 0;
}
