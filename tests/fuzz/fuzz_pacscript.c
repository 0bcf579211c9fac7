/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the PAC script runner (src/plan/pac.h): the input
 * as a PAC file, run in its child with a short budget for two queries.
 * Whatever the script does (loops, throws, eats memory, returns nonsense),
 * the run ends within its budget, every query has an answer or an error,
 * and an answer is at most PP_PAC_ANSWER_MAX bytes. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plan/pac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pp_pac_name names[] = {{"a.example", "10.0.0.1"}};
    static const struct pp_pac_query q[] = {
        {"https://a.example/", "a.example"},
        {"http://b.apple.com/x", "b.apple.com"},
    };
    struct pp_pac_env env = {.names = names, .nnames = 1, .timeout_ms = 300,
                             .mem_max = 4u * 1024 * 1024, .now_ms = 1796221815000LL};
    struct pp_pac_out out[2];
    char err[300];
    int64_t t0 = pp_now_ms();
    size_t i;
    int rc;

    if (size > 65536)
        return 0;
    rc = pp_pac_eval((const char *)data, size, &env, q, 2, out, err, sizeof(err));
    if (pp_now_ms() - t0 > 3000)
        abort();
    for (i = 0; i < 2; i++) {
        if ((out[i].answer == NULL) == (out[i].error == NULL))
            abort();
        if (out[i].answer != NULL && strlen(out[i].answer) > PP_PAC_ANSWER_MAX)
            abort();
    }
    if (rc < 0 && err[0] == '\0')
        abort();
    pp_pac_out_free(out, 2);
    return 0;
}
