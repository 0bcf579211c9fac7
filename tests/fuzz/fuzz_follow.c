/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for a redirect's Location (pp_follow_target, the part
 * of pp_check_follow in src/engine/check.c that reads it): joined to the
 * check's URL when relative, parsed, held to http and https, a loop to
 * the same URL refused, at most PP_FOLLOW_MAX_HOPS hops.  A new target
 * has a host, a port, a path starting with '/', one hop more and TLS for
 * https; a refusal has a sentence.
 *
 * Input: byte 0: bit 0 the check is over TLS, bits 1-3 its hops; then its
 * path and the Location, separated by a NUL byte. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/check.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_target *from, *t;
    char *text, *loc, err[256];

    if (size < 1)
        return 0;
    text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    loc = memchr(text, '\0', size - 1) != NULL && strlen(text) + 1 < size - 1
              ? text + strlen(text) + 1 : text + size - 1;
    from = pp_target_new(PP_SV_MDM, "mdm.corp.test", data[0] & 1 ? 8443 : 80, "http", true);
    from->tls = data[0] & 1;
    from->hops = data[0] >> 1 & 7;
    from->path = text[0] != '\0' && loc != text ? strdup(text) : NULL;
    err[0] = '\0';
    t = pp_follow_target(from, "mdm-1", loc, err, sizeof(err));
    if (t == NULL) {
        if (err[0] == '\0')
            abort();
    } else {
        if (from->hops >= PP_FOLLOW_MAX_HOPS || t->hops != from->hops + 1)
            abort();
        if (t->host == NULL || t->host[0] == '\0' || t->port == 0)
            abort();
        if (t->path != NULL && t->path[0] != '/')
            abort();
        if (t->tls && (t->alpn == NULL || strcmp(t->alpn, "http/1.1") != 0))
            abort();
        if (t->note == NULL || strcmp(t->note, "redirected from mdm-1") != 0)
            abort();
        pp_target_free(t);
    }
    pp_target_free(from);
    free(text);
    return 0;
}
