/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the TLS checks' judgement of a served chain
 * (pp_tls_judge, src/engine/tlsjudge.c, as probes/tls.c calls it after the
 * handshake): OpenSSL's verification against the trust's roots (the
 * system store, the bundled Apple anchors, and with $top_srcdir set
 * tests/fuzz/tlsjudge-roots.pem (the lab's company root and the root of
 * mkocsp.sh's OCSP chain) as --ca-file and the lab's Apple root as
 * --apple-ca),
 * Apple's rules on the chain built, the stapled OCSP response checked
 * against the leaf's issuer, and the sentence for each failure.  The
 * verdict is a state and reason the rules know, the sentence is
 * printable.
 *
 * Input: byte 0: bits 0-1 the trust, bits 2-3 the name, bit 4 the lab's
 * roots; bytes 1-2 the OCSP response's length (big-endian), the response,
 * then the chain as the certificate harness reads it (PEM or DER). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/certpolicy.h"
#include "engine/tlscore.h"
#include "engine/tlsctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pp_tls_ctx *plain, *lab;

static void
contexts(void)
{
    const char *top = getenv("top_srcdir");
    char corp[512], apple[512], err[512];

    plain = pp_tls_ctx_new(NULL, NULL, err, sizeof(err));
    if (plain == NULL)
        abort();
    if (top == NULL)
        return;
    snprintf(corp, sizeof(corp), "%s/tests/fuzz/tlsjudge-roots.pem", top);
    snprintf(apple, sizeof(apple), "%s/tests/data/certs/apple-root.pem", top);
    if (access(corp, R_OK) == 0 && access(apple, R_OK) == 0)
        lab = pp_tls_ctx_new(corp, apple, err, sizeof(err));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"mdm.corp.test", "courier.push.apple.com",
                                        "10.20.0.10", "api.push.apple.com"};
    static const enum pp_trust trusts[] = {PP_TRUST_SYSTEM, PP_TRUST_APPLE_COURIER,
                                           PP_TRUST_APPLE_PUBLIC, PP_TRUST_SYSTEM};
    struct pp_tls_info info;
    struct pp_verdict v;
    STACK_OF(X509) *sk;
    unsigned char *ocsp = NULL;
    size_t olen, off = 3;
    char msg[768];
    const char *p;

    if (plain == NULL)
        contexts();
    if (size < 3)
        return 0;
    olen = (size_t)data[1] << 8 | data[2];
    if (olen > size - off)
        olen = size - off;
    if (olen > 0) {
        ocsp = malloc(olen);   /* exactly its size, for ASan */
        memcpy(ocsp, data + off, olen);
    }
    off += olen;
    sk = pp_cert_parse_chain(data + off, size - off);
    memset(&info, 0, sizeof(info));
    info.alert = -1;
    msg[0] = '\0';
    v = pp_tls_judge(data[0] & 0x10 && lab != NULL ? lab : plain, sk, trusts[data[0] & 3],
                     names[data[0] >> 2 & 3], (time_t)1798761600, ocsp, olen, &info, msg,
                     sizeof(msg));
    if (pp_state_name(v.state) == NULL || pp_reason_name(v.reason) == NULL)
        abort();
    if (v.state == PP_ST_PENDING || msg[0] == '\0' || memchr(msg, '\0', sizeof(msg)) == NULL)
        abort();
    if (v.state == PP_ST_OK && sk == NULL)
        abort();
    for (p = msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    pp_tls_info_clear(&info);
    if (sk != NULL)
        sk_X509_pop_free(sk, X509_free);
    free(ocsp);
    return 0;
}
