/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for NAT64 prefixes (src/core/nat64.h): the input is
 * read as AAAA answers (16 bytes each) for RFC 7050 discovery, and as a
 * "PREFIX/LEN" string.  Every prefix found must hold the answer it came
 * from, give back 192.0.0.170 or .171 from it, and print and parse back
 * to itself. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/nat64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_prefix(const struct pp_nat64_prefix *p)
{
    struct pp_nat64_prefix back;
    char buf[64];

    if (!pp_nat64_len_ok(p->bits))
        abort();
    pp_nat64_format(p, buf, sizeof(buf));
    if (pp_nat64_parse(buf, &back) != 0 || back.bits != p->bits ||
        memcmp(back.addr, p->addr, 16) != 0)
        abort();
}

static void
check_discovery(const uint8_t *data, size_t size)
{
    struct pp_nat64_prefix out[PP_NAT64_MAX];
    size_t n = size / 16, m, k, i;

    if (n > 64)
        n = 64;
    m = pp_nat64_discover((const uint8_t (*)[16])(const void *)data, n, out, PP_NAT64_MAX);
    if (m > PP_NAT64_MAX)
        abort();
    for (k = 0; k < m; k++) {
        bool from_answer = false;

        check_prefix(&out[k]);
        for (i = 0; i < n && !from_answer; i++) {
            uint8_t a[16], v4[4];

            memcpy(a, data + 16 * i, 16);
            from_answer = pp_nat64_extract(&out[k], a, v4) && v4[0] == 192 && v4[1] == 0 &&
                          v4[2] == 0 && (v4[3] == 170 || v4[3] == 171);
        }
        if (!from_answer)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_nat64_prefix p;
    char *s;

    check_discovery(data, size);
    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (pp_nat64_parse(s, &p) == 0) {
        uint8_t a[16], v4[4] = {17, 1, 2, 3}, back[4];

        check_prefix(&p);
        if (pp_nat64_embed(&p, v4, a) != 0 || !pp_nat64_extract(&p, a, back) ||
            memcmp(back, v4, 4) != 0)
            abort();
    }
    free(s);
    return 0;
}
