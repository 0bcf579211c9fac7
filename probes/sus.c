/* SPDX-License-Identifier: ISC */
/*
 * sus: a Software Update Server serves its catalog, an XML property list
 * (apple-network.md 5).  GET the given path, or /index.sucatalog; count
 * the products when the catalog fits in what is kept.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "probes/httpx.h"
#include "probes/judge.h"

int
pp_sus_is_plist(const unsigned char *b, size_t len)
{
    size_t i = 0;
    size_t head = len < 4096 ? len : 4096;

    if (len >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        i = 3;
    while (i < len && isspace(b[i]))
        i++;
    if (len - i < 5 || memcmp(b + i, "<?xml", 5) != 0)
        return 0;
    return pp_http_contains(b, head, "<plist") ? 1 : 0;
}

long long
pp_sus_products(const unsigned char *b, size_t len)
{
    static const char key[] = "<key>PostDate</key>";
    size_t n = sizeof(key) - 1, i;
    long long count = 0;

    for (i = 0; i + n <= len; i++)
        if (b[i] == '<' && memcmp(b + i, key, n) == 0)
            count++;
    return count;
}

void
pp_judge_sus(struct pp_result *r, const struct pp_http_resp *h)
{
    pp_http_details(r, h);
    if (h->status != 200) {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_HTTP_STATUS,
                     "the Software Update Server answers HTTP %d instead of its catalog%s",
                     h->status, h->status == 404 ? " (wrong catalog URL?)" : "");
        return;
    }
    if (!pp_sus_is_plist(h->body, h->body_len)) {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_NOT_PLIST,
                     "the server answers, but not with a catalog (no XML property list)");
        return;
    }
    if (h->complete && h->body_total == (long long)h->body_len) {
        long long n = pp_sus_products(h->body, h->body_len);
        pp_detail_int(r, "products", n);
        pp_result_summary(r, "catalog, %lld products, %lld bytes", n, h->body_total);
    } else {
        pp_result_summary(r, "catalog, %lld bytes", h->body_total);
    }
    pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                 "the Software Update Server serves its catalog (an XML property list)");
}

static void
sus_judge(struct pp_check *c, struct pp_http_resp *h)
{
    pp_judge_sus(pp_check_result(c), h);
}

static enum pp_probe_rc
sus_ready(struct pp_check *c)
{
    const struct pp_target *t = pp_check_result(c)->target;
    const char *path = t->path && strcmp(t->path, "/") != 0 ? t->path : "/index.sucatalog";

    if (t->tls && !pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    return pp_httpx_start(c, "GET", path, PP_SUS_KEEP, false, sus_judge);
}

const struct pp_probe pp_probe_sus = {
    .name = "sus",
    .help = "Software Update Server: the catalog is an XML property list",
    .ready = sus_ready,
    .io = pp_httpx_io,
    .timeout = pp_httpx_timeout,
    .cleanup = pp_httpx_cleanup,
};
