/* SPDX-License-Identifier: ISC */
/* http: one GET over HTTP or HTTPS; for distribution points and URLs
 * given on the command line.  2xx is ok, 401/403 an expected credentials
 * challenge, 3xx a redirect (named), anything else unexpected. */
#include "config.h"

#include "probes/httpx.h"

static enum pp_probe_rc
http_ready(struct pp_check *c)
{
    const struct pp_target *t = pp_check_result(c)->target;

    if (t->tls && !pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    /* Headers are enough: a package can be gigabytes. */
    return pp_httpx_start(c, "GET", t->path ? t->path : "/", 4096, true,
                          pp_httpx_judge_status);
}

const struct pp_probe pp_probe_http = {
    .name = "http",
    .help = "HTTP(S) GET: status, Server, Content-Type, Content-Length, Location",
    .ready = http_ready,
    .io = pp_httpx_io,
    .timeout = pp_httpx_timeout,
    .cleanup = pp_httpx_cleanup,
};
