/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the http probe's judgement (probes/httpx.c,
 * pp_judge_http_status, for distribution points and URLs): an HTTP
 * response through pp_httpx_take as httpx feeds it (headers only: judged
 * once they are in), the status judged, a redirect's
 * Location followed by pp_follow_target, the engine's own reading of it.
 * See judge_http.h for the input. */
#include "config.h"

#include <stdint.h>

#include "engine/check.h"
#include "plan/plan.h"
#include "tests/fuzz/judge_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pp_target *from;

static int
follow(void *ctx, const char *location, char *err, size_t errlen)
{
    struct pp_target *t = pp_follow_target(from, "dp-1", location, err, errlen);

    (void)ctx;
    if (t == NULL)
        return -1;
    pp_target_free(t);
    return 0;
}

static void
judge(struct pp_result *r, const struct pp_http_resp *h)
{
    pp_judge_http_status(r, h, follow, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (from == NULL) {
        from = pp_target_new(PP_SV_DP, "dp.corp.test", 443, "http", false);
        from->tls = true;
        from->path = strdup("/pkgs/");
    }
    fuzz_http_judge_run(data, size, 4096, judge, true);
    return 0;
}
