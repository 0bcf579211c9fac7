/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the agent's request handling (src/app/agent.c):
 * a request's method, path and Authorization header, as libmicrohttpd
 * hands them to the handler, are routed by pp_agent_route with and
 * without a token; and the --serve value by pp_agent_parse_listen.
 * Whatever the bytes: a known route; no token, or the exact "Bearer
 * TOKEN", and nothing else, gets past the check; only GET and HEAD are
 * served; a parsed address is printable.
 *
 * Input: method, path, Authorization, token and listen value, separated
 * by NUL bytes (missing fields: NULL header, no token). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 5

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *f[FIELDS] = {NULL};
    struct pp_agent_opts ao;
    enum pp_agent_route rt, open;
    char err[256], *p;
    size_t i, k = 0;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (p = copy, f[k++] = p; k < FIELDS && (p = memchr(p, '\0', copy + size - p)) != NULL &&
                               p < copy + size;)
        f[k++] = ++p;
    if (f[1] == NULL)
        f[1] = (char *)"/";
    for (i = 0; i < 2; i++) {
        bool body = i == 1;
        const char *token = f[3] != NULL && f[3][0] != '\0' ? f[3] : NULL;

        open = pp_agent_route(f[0], f[1], f[2], NULL, body);
        rt = pp_agent_route(f[0], f[1], f[2], token, body);
        if (rt > PP_AGENT_NOT_FOUND || open > PP_AGENT_NOT_FOUND)
            abort();
        if ((open == PP_AGENT_NOT_ALLOWED) != !pp_agent_method_allowed(f[0]))
            abort();
        if (open == PP_AGENT_UNAUTHORIZED || (body && open != PP_AGENT_BODY &&
                                              open != PP_AGENT_NOT_ALLOWED))
            abort();
        /* With a token, only the exact header passes; and then as without. */
        if (token != NULL && rt != PP_AGENT_UNAUTHORIZED && open >= PP_AGENT_HEALTHZ) {
            if (f[2] == NULL || strncmp(f[2], "Bearer ", 7) != 0 || strcmp(f[2] + 7, token) != 0)
                abort();
        }
        if (rt != PP_AGENT_UNAUTHORIZED && rt != open)
            abort();
    }
    if (f[4] != NULL) {
        memset(&ao, 0, sizeof(ao));
        if (pp_agent_parse_listen(f[4], &ao, err, sizeof(err)) == 0) {
            if (memchr(ao.where, '\0', sizeof(ao.where)) == NULL)
                abort();
            for (p = ao.where; *p != '\0'; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                    abort();
        } else if (err[0] == '\0') {
            abort();
        }
    }
    free(copy);
    return 0;
}
