/* libFuzzer harness for what users type (src/core/url.h): every parser must
 * return cleanly, never crash, leak or read past the string. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_url u;
    char err[256];
    char *s, *host = NULL;
    uint16_t port = 0;

    /* Command-line arguments are NUL-terminated: so is the input. */
    s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    if (pp_url_parse(s, &u, err, sizeof(err)) == 0) {
        /* A parsed URL is self-consistent. */
        if (u.host == NULL || u.path == NULL || u.path[0] != '/' ||
            !pp_host_valid(u.host))
            abort();
        pp_url_free(&u);
    } else if (err[0] == '\0' || u.host != NULL || u.path != NULL) {
        abort();
    }

    err[0] = '\0';
    if (pp_hostport_parse(s, &host, &port, err, sizeof(err)) == 0) {
        if (host == NULL || !pp_host_valid(host))
            abort();
        free(host);
    } else if (err[0] == '\0' || host != NULL) {
        abort();
    }

    (void)pp_host_valid(s);
    (void)pp_host_literal(s);
    free(s);
    return 0;
}
