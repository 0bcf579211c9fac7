/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for PAC answers (src/plan/pac.h): the parser returns
 * cleanly; a parsed answer has 1 to PP_PAC_ENTRIES_MAX entries, a host and
 * a port on every entry but DIRECT; the route's proxy URL is one the
 * URL parser reads back with the same port. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"
#include "plan/pac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_pac_answer a;
    struct pp_url u;
    char err[256], *url;
    size_t i;

    if (pp_pac_parse_answer((const char *)data, size, &a, err, sizeof(err)) < 0) {
        if (a.n != 0 || a.v != NULL || err[0] == '\0')
            abort();
        return 0;
    }
    if (a.n == 0 || a.n > PP_PAC_ENTRIES_MAX)
        abort();
    for (i = 0; i < a.n; i++)
        if ((a.v[i].kind == PP_PAC_DIRECT) != (a.v[i].host == NULL) ||
            (a.v[i].host != NULL && a.v[i].port == 0))
            abort();
    if (pp_pac_first_usable(&a, &url) == PP_PAC_ROUTE_PROXY) {
        if (url == NULL || pp_url_parse(url, &u, err, sizeof(err)) < 0 || u.port == 0)
            abort();
        pp_url_free(&u);
    } else if (url != NULL) {
        abort();
    }
    free(url);
    pp_pac_answer_free(&a);
    return 0;
}
