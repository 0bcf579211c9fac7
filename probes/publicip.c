/* SPDX-License-Identifier: ISC */
/*
 * publicip: this network's public address, only when asked for
 * (--public-ip URL): a GET to a "what is my address" service of the
 * user's choice, whose body is the address in plain text.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "probes/httpx.h"
#include "core/url.h"
#include "probes/details.h"
#include "probes/judge.h"

void
pp_judge_publicip(struct pp_result *r, const struct pp_http_resp *h)
{
    char addr[64];
    size_t a = 0, b = h->body_len, n;

    pp_http_details(r, h);
    while (a < b && isspace(h->body[a]))
        a++;
    while (b > a && isspace(h->body[b - 1]))
        b--;
    n = b - a;
    if (h->status != 200 || n == 0 || n >= sizeof(addr)) {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                     "the address service did not answer with an address (HTTP %d)", h->status);
        return;
    }
    memcpy(addr, h->body + a, n);
    addr[n] = '\0';
    if (pp_host_literal(addr) == 0) {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                     "the address service answered something that is not an address");
        return;
    }
    pp_detail_str(r, PP_DETAIL_PUBLIC_ADDRESS, addr);
    pp_result_summary(r, "public address %s", addr);
    pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK, "this network's public address is %s", addr);
}

static void
publicip_judge(struct pp_check *c, struct pp_http_resp *h)
{
    pp_judge_publicip(pp_check_result(c), h);
}

static enum pp_probe_rc
publicip_ready(struct pp_check *c)
{
    const struct pp_target *t = pp_check_result(c)->target;

    if (t->tls && !pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    return pp_httpx_start(c, "GET", t->path ? t->path : "/", PP_PUBLICIP_KEEP, false,
                          publicip_judge);
}

const struct pp_probe pp_probe_publicip = {
    .name = "publicip",
    .help = "--public-ip URL: the public address, from a service of the user's choice",
    .ready = publicip_ready,
    .io = pp_httpx_io,
    .timeout = pp_httpx_timeout,
    .cleanup = pp_httpx_cleanup,
};
