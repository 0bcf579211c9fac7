/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the Software Update Server's catalog (probes/sus.c):
 * the property list test and the product count.
 * An HTTP response goes through pp_httpx_take and the probe's own judgement
 * (probes/judge.h), as over a connection; see judge_http.h for the input. */
#include "config.h"

#include <stdint.h>

#include "tests/fuzz/judge_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The probe keeps 8 MiB; a buffer just past the input is the same
     * judgement (no body here reaches 8 MiB) without an 8 MiB allocation
     * per run. */
    fuzz_http_judge_run(data, size, size < PP_SUS_KEEP ? size + 1 : PP_SUS_KEEP, pp_judge_sus,
                        false);
    return 0;
}
