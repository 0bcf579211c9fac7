/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the CA files (--ca-file and --apple-ca,
 * src/engine/tlscore.c): the bytes are the file, loaded by pp_tls_ctx_new
 * as main.c loads it, once as added roots and once as the Apple anchors.
 * A file is taken (at least one PEM certificate) or refused with a
 * sentence naming it; nothing crashes, leaks or reads past the file. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/tlsctx.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path;
    struct pp_tls_ctx *c;
    char err[512];
    int i;

    if ((path = pp_fuzz_file("ca", data, size)) == NULL)
        abort();
    for (i = 0; i < 2; i++) {
        err[0] = '\0';
        c = i == 0 ? pp_tls_ctx_new(path, NULL, err, sizeof(err))
                   : pp_tls_ctx_new(NULL, path, err, sizeof(err));
        if (c == NULL) {
            if (err[0] == '\0' || strstr(err, path) == NULL)
                abort();
            /* Without a certificate, never taken. */
        } else if (memmem(data, size, "-----BEGIN", 10) == NULL) {
            abort();
        }
        pp_tls_ctx_free(c);
    }
    return 0;
}
