/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for a proxy's answer to CONNECT (src/engine/http.h):
 * pp_http_header_end finds the end of the header block within the bytes
 * and the bound, or says none can come; pp_http_parse_connect reads any
 * header block without crashing, its strings bounded and printable, a
 * status only when it says 0.  Seeds: real squid 5.7 answers
 * (tests/data/http/proxy). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
printable(const char *s, size_t cap)
{
    if (memchr(s, '\0', cap) == NULL)
        abort();
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    struct pp_connect_answer a;
    long end;
    size_t i;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    end = pp_http_header_end(buf, size);
    if (end > (long)size || end > PP_HTTP_MAX_HEADERS_BYTES || end < -1)
        abort();
    if (end > 0 && (buf[end - 1] != '\n' || (buf[end - 2] != '\n' && buf[end - 2] != '\r')))
        abort();
    /* Byte by byte, the end is found at the same place (or not yet). */
    for (i = 0; end > 0 && i < (size_t)end; i++)
        if (pp_http_header_end(buf, i) > 0)
            abort();
    if (end > 0) {
        int rc = pp_http_parse_connect(buf, (size_t)end, &a);
        if ((rc == 0) != (a.status != 0) || a.status < 0 || a.status > 999)
            abort();
        printable(a.reason, sizeof(a.reason));
        if (memchr(a.auth_scheme, '\0', sizeof(a.auth_scheme)) == NULL)
            abort();
        if (rc != 0 && a.error[0] == '\0')
            abort();
    }
    /* Any bytes at all, even without their end. */
    (void)pp_http_parse_connect(buf, size, &a);
    free(buf);
    return 0;
}
