/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the certificate path (src/engine/certpolicy.h): a
 * served chain (PEM or DER, as pp_cert_parse_chain reads it) is described
 * and judged under every anchor, with and without a name.  Nothing may
 * crash, leak or read out of bounds, and the result must be one of the
 * rules. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/certpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum pp_anchor anchors[] = {PP_ANCHOR_NONE, PP_ANCHOR_SYSTEM,
                                             PP_ANCHOR_ADDED, PP_ANCHOR_APPLE};
    static const char *const names[] = {NULL, "mdm.corp.test", "10.20.0.10", "*.x"};
    STACK_OF(X509) *sk = pp_cert_parse_chain(data, size);
    struct pp_cert_info *ci;
    struct pp_cp_input in;
    struct pp_cp_result res;
    size_t n, i;

    if (sk == NULL)
        return 0;
    ci = pp_cert_describe_chain(sk, &n);
    if (n == 0 || n > 16)
        abort();
    for (i = 0; i < n; i++)
        if (ci[i].subject == NULL || ci[i].issuer == NULL || strlen(ci[i].sha256) != 64)
            abort();
    pp_cert_info_free(ci, n);
    memset(&in, 0, sizeof(in));
    in.chain = sk;
    in.now = (time_t)1798761600;
    in.warn_days = 30;
    for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]) * 4; i++) {
        in.anchor = anchors[i % 4];
        in.name = names[i / 4];
        if (pp_certpolicy_check(&in, &res) != res.rule)
            abort();
        if (res.rule != PP_RS_NONE &&
            (pp_cp_rule_bit(res.rule) < 0 || res.msg[0] == '\0' ||
             !(res.broken & (1u << pp_cp_rule_bit(res.rule)))))
            abort();
        if (res.rule == PP_RS_NONE && res.broken != 0)
            abort();
    }
    sk_X509_pop_free(sk, X509_free);
    return 0;
}
