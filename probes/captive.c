/* SPDX-License-Identifier: ISC */
/*
 * captive: http://captive.apple.com/hotspot-detect.html must say
 * "Success" (apple-network.md 3.5: match on the word, not exact bytes).
 * Anything else, a login page or a redirect, is a captive portal.
 */
#include "config.h"

#include <stdlib.h>

#include "probes/httpx.h"
#include "core/util.h"
#include "probes/judge.h"

void
pp_judge_captive(struct pp_result *r, const struct pp_http_resp *h)
{
    char *title;

    pp_http_details(r, h);
    if (h->status == 200 && pp_http_contains(h->body, h->body_len, "Success")) {
        pp_result_summary(r, "no captive portal");
        pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                     "Apple's captive portal check answers Success: no portal in the way");
        return;
    }
    title = pp_http_title(h->body, h->body_len);
    if (title != NULL)
        pp_detail_str(r, "title", title);
    if (h->status >= 300 && h->status < 400 && h->location)
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_CAPTIVE_PORTAL,
                     "a captive portal redirects web traffic to %s: sign in to the network",
                     h->location);
    else
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_CAPTIVE_PORTAL,
                     "a captive portal answers instead of Apple (HTTP %d%s%s%s): sign in to "
                     "the network", h->status, title ? ", page '" : "", title ? title : "",
                     title ? "'" : "");
    free(title);
}

static void
captive_judge(struct pp_check *c, struct pp_http_resp *h)
{
    pp_judge_captive(pp_check_result(c), h);
}

static enum pp_probe_rc
captive_ready(struct pp_check *c)
{
    const struct pp_target *t = pp_check_result(c)->target;

    if (t->tls && !pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    return pp_httpx_start(c, "GET", t->path ? t->path : "/hotspot-detect.html",
                          PP_CAPTIVE_KEEP, false, captive_judge);
}

const struct pp_probe pp_probe_captive = {
    .name = "captive",
    .help = "captive portal detection: hotspot-detect.html says Success",
    .ready = captive_ready,
    .io = pp_httpx_io,
    .timeout = pp_httpx_timeout,
    .cleanup = pp_httpx_cleanup,
};
