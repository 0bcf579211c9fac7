/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the plan builders (src/plan/plan.h) and the JSON string
 * escaper (ui/jsonw.h): whatever the user types, the builders return 0 or
 * -1 with a sentence, and the escaper writes any bytes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/jsonw.h"
#include "plan/plan.h"
#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*adder)(struct pp_plan *, const char *, char *, size_t);

static FILE *devnull;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const adder adders[] = {
        pp_plan_add_free, pp_plan_add_mdm, pp_plan_add_dp, pp_plan_add_smb,
        pp_plan_add_sus, pp_plan_add_afp,
    };
    struct pp_plan plan;
    char err[512];
    char *s;
    size_t i;

    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    pp_plan_init(&plan);
    for (i = 0; i < sizeof(adders) / sizeof(adders[0]); i++) {
        size_t before = plan.n;
        err[0] = '\0';
        if (adders[i](&plan, s, err, sizeof(err)) == 0) {
            /* Added, or merged into an earlier duplicate. */
            if (plan.n != before && plan.n != before + 1)
                abort();
        } else if (err[0] == '\0' || plan.n != before) {
            abort();
        }
    }
    /* Whatever was accepted is a valid host with a port and a probe. */
    for (i = 0; i < plan.n; i++) {
        const struct pp_target *t = plan.t[i];
        if (t->host == NULL || !pp_host_valid(t->host) || t->port == 0 ||
            t->probe == NULL)
            abort();
    }
    pp_plan_free(&plan);

    if (devnull == NULL)
        devnull = fopen("/dev/null", "w");
    if (devnull != NULL) {
        pp_jw_escape(devnull, s);
        fflush(devnull);
    }
    free(s);
    return 0;
}
