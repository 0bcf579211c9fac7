/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for Jamf Pro's health page (probes/mdm.c): the JSON body of
 * /healthCheck.html read by jansson.
 * An HTTP response goes through pp_httpx_take and the probe's own judgement
 * (probes/judge.h), as over a connection; see judge_http.h for the input. */
#include "config.h"

#include <stdint.h>

#include "tests/fuzz/judge_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_http_judge_run(data, size, PP_MDM_KEEP, pp_judge_mdm, false);
    return 0;
}
