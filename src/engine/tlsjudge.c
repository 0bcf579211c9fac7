/* SPDX-License-Identifier: ISC */
/*
 * Judging a chain: verification against the Apple, system and added
 * stores, OCSP and AIA, what an unverified chain means (interception, an
 * incomplete chain, an untrusted root), and loading a chain from a file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/bundles.h"
#include "engine/certpolicy.h"
#include "engine/tlscore.h"
#include "core/url.h"
#include "core/util.h"
#include "engine/tlscore_int.h"

/* The system store, with the system's roots loaded on first use: a run
 * whose chains all lead to Apple's roots never pays for parsing them. */
X509_STORE *
system_store(struct pp_tls_ctx *c)
{
    if (!c->system_loaded) {
        load_system_roots(c->store[PP_TRUST_SYSTEM]);
#ifdef __APPLE__
        load_keychain_roots(c->store[PP_TRUST_SYSTEM], c->added);
#endif
        c->system_loaded = true;
    }
    return c->store[PP_TRUST_SYSTEM];
}

/* What OpenSSL's verification found: its error, at which certificate, and
 * the chain it built (to the root, or as far as it got). */
struct vres {
    int err;
    int depth;
    STACK_OF(X509) *built;
};

/* Verify chain[0] with chain[1..] as untrusted intermediates.  The name
 * is looked up in the subjectAltName only, as Apple devices do. */
static void
verify(X509_STORE *store, STACK_OF(X509) *chain, const char *name, time_t now,
       struct vres *vr)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    int rc;

    vr->err = X509_V_ERR_UNSPECIFIED;
    vr->depth = 0;
    vr->built = NULL;
    if (ctx == NULL) {
        vr->err = X509_V_ERR_OUT_OF_MEM;
        return;
    }
    if (X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain) != 1) {
        X509_STORE_CTX_free(ctx);
        ERR_clear_error();
        return;
    }
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, now);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (name != NULL && *name != '\0') {
        if (pp_host_literal(name) != 0) {
            X509_VERIFY_PARAM_set1_ip_asc(param, name);
        } else {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                                       X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
            X509_VERIFY_PARAM_set1_host(param, name, 0);
        }
    }
    rc = X509_verify_cert(ctx);
    vr->err = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    if (rc != 1 && vr->err == X509_V_OK)
        vr->err = X509_V_ERR_UNSPECIFIED;
    vr->depth = X509_STORE_CTX_get_error_depth(ctx);
    vr->built = X509_STORE_CTX_get1_chain(ctx);
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
}

/* Where the built chain's root comes from. */
static enum pp_anchor
anchor_of(struct pp_tls_ctx *c, enum pp_trust trust, STACK_OF(X509) *built)
{
    X509 *root;
    int i;

    if (built == NULL || sk_X509_num(built) < 1)
        return PP_ANCHOR_NONE;
    if (trust != PP_TRUST_SYSTEM)
        return c->apple_added ? PP_ANCHOR_ADDED : PP_ANCHOR_APPLE;
    root = sk_X509_value(built, sk_X509_num(built) - 1);
    for (i = 0; i < sk_X509_num(c->added); i++)
        if (X509_cmp(root, sk_X509_value(c->added, i)) == 0)
            return PP_ANCHOR_ADDED;
    return PP_ANCHOR_SYSTEM;
}

/* The common name of a certificate's issuer (or subject), printable. */
static char *
cn_text(X509 *x, bool issuer)
{
    return name_cn(issuer ? X509_get_issuer_name(x) : X509_get_subject_name(x));
}

/* The caIssuers URL of a certificate's AIA extension, or NULL. */
static char *
aia_ca_issuers(X509 *x)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
    char *url = NULL;
    int i;

    for (i = 0; aia != NULL && url == NULL && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);

        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers &&
            ad->location->type == GEN_URI) {
            const ASN1_STRING *u = ad->location->d.uniformResourceIdentifier;
            int n = ASN1_STRING_length(u), k;
            const unsigned char *p = ASN1_STRING_get0_data(u);

            if (n > 200)
                n = 200;
            url = pp_xmalloc((size_t)n + 1);
            for (k = 0; k < n; k++)
                url[k] = (p[k] > 0x20 && p[k] < 0x7f) ? (char)p[k] : '?';
            url[n] = '\0';
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
    ERR_clear_error();
    return url;
}

/* The stapled OCSP response for the leaf, checked against its issuer. */
static enum pp_ocsp
ocsp_status(const unsigned char *der, size_t len, STACK_OF(X509) *served,
            STACK_OF(X509) *built, X509_STORE *store)
{
    const unsigned char *p = der;
    OCSP_RESPONSE *resp;
    OCSP_BASICRESP *bs = NULL;
    OCSP_CERTID *id = NULL;
    X509 *leaf, *issuer = NULL;
    STACK_OF(X509) *certs = built != NULL && sk_X509_num(built) > 1 ? built : served;
    int st = -1, why, i;
    enum pp_ocsp o = PP_OCSP_INVALID;

    if (der == NULL || len == 0 || len > (size_t)LONG_MAX)
        return PP_OCSP_NONE;
    if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL)
        goto out;
    if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
        (bs = OCSP_response_get1_basic(resp)) == NULL)
        goto out;
    leaf = sk_X509_value(served, 0);
    for (i = 0; i < sk_X509_num(certs) && issuer == NULL; i++)
        if (X509_check_issued(sk_X509_value(certs, i), leaf) == X509_V_OK)
            issuer = sk_X509_value(certs, i);
    if (issuer == NULL || (id = OCSP_cert_to_id(NULL, leaf, issuer)) == NULL)
        goto out;
    if (OCSP_resp_find_status(bs, id, &st, &why, NULL, NULL, NULL) != 1)
        goto out;
    if (OCSP_basic_verify(bs, certs, store, 0) <= 0)
        goto out;
    o = st == V_OCSP_CERTSTATUS_GOOD      ? PP_OCSP_GOOD
        : st == V_OCSP_CERTSTATUS_REVOKED ? PP_OCSP_REVOKED
                                          : PP_OCSP_UNKNOWN;
out:
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
    return o;
}

static void
reset_judgement(struct pp_tls_info *info)
{
    free(info->verify_error);
    free(info->policy_msg);
    info->verify_error = info->policy_msg = NULL;
    pp_cert_info_free(info->served, info->nserved);
    pp_cert_info_free(info->built, info->nbuilt);
    info->served = info->built = NULL;
    info->nserved = info->nbuilt = 0;
    info->verified = false;
    info->policy_ran = false;
    info->policy_rule = PP_RS_NONE;
    info->policy_depth = 0;
    info->anchor = PP_ANCHOR_NONE;
}

static bool
issuer_unfound(int err)
{
    return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
           err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

static bool
root_untrusted(int err)
{
    return err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
           err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
}

/* Why a chain that is neither expired, misnamed nor for the wrong purpose
 * fails: a CA's certificate served, a missing intermediate, an unknown
 * root, or something else OpenSSL names.  last is the chain's top, n its
 * length, cn the failing certificate's name, iss the top's issuer. */
static enum pp_reason
chain_failure(struct pp_tls_ctx *c, const struct vres *vr, const struct pp_cp_result *pr,
              X509 *last, int n, const char *cn, const char *iss,
              struct pp_tls_info *info, char *msg, size_t msglen)
{
    enum pp_reason reason = PP_RS_CERT_UNTRUSTED;
    char *aia = NULL;

    if (pr->rule == PP_RS_LEAF_IS_CA) {
        reason = PP_RS_LEAF_IS_CA;
        snprintf(msg, msglen, "Apple devices refuse this certificate: %s", pr->msg);
    } else if (issuer_unfound(vr->err) && n == 1 &&
               ((aia = aia_ca_issuers(last)) != NULL || sk_X509_num(c->added) > 0)) {
        /* The leaf's issuer is neither sent nor held here.  Its AIA
         * pointer or the roots given with --ca-file say it is an
         * intermediate, not the company's root. */
        reason = PP_RS_CHAIN_INCOMPLETE;
        if (aia != NULL)
            pp_tls_warn(info, "intermediate-via-aia", "the missing intermediate '%s' is "
                        "named at %s (AIA): Apple devices may fetch it, which is not "
                        "certain", iss, aia);
        if (aia != NULL)
            snprintf(msg, msglen, "the server does not send its intermediate certificate "
                     "'%s' and no store here holds it: the server must send it with its "
                     "own (the certificate points to it at %s; whether Apple devices fetch "
                     "it from there is not certain, other clients do not)", iss, aia);
        else
            snprintf(msg, msglen, "the server does not send its intermediate certificate "
                     "'%s' and neither --ca-file nor the system store holds it: the "
                     "server must send it with its own", iss);
        free(aia);
    } else if (issuer_unfound(vr->err)) {
        snprintf(msg, msglen, "the certificate is not trusted (%s; issued by '%s'): install "
                 "the issuing root CA on the clients, or pass it with --ca-file (if '%s' "
                 "is an intermediate, the server must send it)",
                 X509_verify_cert_error_string(vr->err), iss, iss);
    } else if (root_untrusted(vr->err)) {
        char *root = cn_text(last, false);
        snprintf(msg, msglen, "the certificate is not trusted (%s; the chain ends at '%s'): "
                 "install the issuing root CA on the clients, or pass it with --ca-file",
                 X509_verify_cert_error_string(vr->err), root);
        free(root);
    } else {
        snprintf(msg, msglen, "the certificate chain is not valid (%s, at '%s')",
                 X509_verify_cert_error_string(vr->err), cn);
    }
    return reason;
}

/* Why a system-trust chain fails, when OpenSSL says it does. */
static struct pp_verdict
system_failure(struct pp_tls_ctx *c, STACK_OF(X509) *chain, const struct vres *vr,
               const struct pp_cp_result *pr, const char *name,
               struct pp_tls_info *info, char *msg, size_t msglen)
{
    STACK_OF(X509) *b = vr->built != NULL && sk_X509_num(vr->built) > 0 ? vr->built : chain;
    int n = sk_X509_num(b);
    X509 *last = sk_X509_value(b, n - 1);
    X509 *at = sk_X509_value(b, vr->depth >= 0 && vr->depth < n ? vr->depth : 0);
    char *cn = cn_text(at, false), *iss = cn_text(last, true);
    struct pp_verdict v = verdict(PP_ST_TLS_FAILED, PP_RS_CERT_UNTRUSTED);
    const char *what = vr->depth == 0 ? "the certificate" : "the intermediate certificate";

    switch (vr->err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        v.reason = PP_RS_CERT_EXPIRED;
        if (vr->depth == 0)
            snprintf(msg, msglen, "the certificate expired on %s (or this machine's clock is "
                     "wrong)", info->not_after);
        else
            snprintf(msg, msglen, "%s '%s' in the chain has expired (or this machine's clock "
                     "is wrong)", vr->depth == n - 1 ? "the root" : what, cn);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        v.reason = PP_RS_CERT_NOT_YET_VALID;
        snprintf(msg, msglen, "%s '%s' is not valid yet (check this machine's clock)", what, cn);
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        if (pr->rule == PP_RS_SAN_MISSING || pr->rule == PP_RS_LEAF_IS_CA) {
            /* A CA's own certificate served: that, not its names, is the cause. */
            v.reason = pr->rule;
            snprintf(msg, msglen, "Apple devices refuse this certificate: %s", pr->msg);
        } else {
            v.reason = PP_RS_NAME_MISMATCH;
            snprintf(msg, msglen, "the certificate is not issued for '%s' (not among its "
                     "subjectAltName names)", name ? name : "?");
        }
        break;
    case X509_V_ERR_INVALID_PURPOSE:
        v.reason = PP_RS_EKU_WRONG;
        if (vr->depth == 0 && pr->rule == PP_RS_EKU_WRONG)
            snprintf(msg, msglen, "Apple devices refuse this certificate: %s", pr->msg);
        else if (vr->depth == 0)
            snprintf(msg, msglen, "the certificate is not for a TLS server (its key usage or "
                     "extended key usage lacks serverAuth)");
        else
            snprintf(msg, msglen, "the intermediate certificate '%s' may not issue server "
                     "certificates (its extended key usage lacks serverAuth)", cn);
        break;
    default:
        v.reason = chain_failure(c, vr, pr, last, n, cn, iss, info, msg, msglen);
        break;
    }
    if (pr->rule != PP_RS_NONE && pr->rule != v.reason) {
        size_t l = strlen(msg);
        snprintf(msg + l, msglen - l, "; Apple devices would refuse it anyway: %s", pr->msg);
    }
    free(cn);
    free(iss);
    return v;
}

/* Apple's rules over the chain as built (or as served): their verdict
 * and the expiry warning kept in info. */
static void
run_policy(struct pp_tls_ctx *c, STACK_OF(X509) *chain, const struct vres *vr,
           const char *name, time_t now, struct pp_tls_info *info, struct pp_cp_result *pr)
{
    struct pp_cp_input in;

    memset(&in, 0, sizeof(in));
    in.chain = vr->built != NULL && sk_X509_num(vr->built) > 0 ? vr->built : chain;
    in.anchor = info->anchor;
    in.name = name;
    in.now = now;
    in.warn_days = c->warn_days;
    pp_certpolicy_check(&in, pr);
    info->policy_ran = true;
    info->policy_rule = pr->rule;
    info->policy_depth = pr->depth;
    info->policy_msg = pr->rule != PP_RS_NONE ? pp_xstrdup(pr->msg) : NULL;
    info->min_days_left = pr->min_days_left;
    if (pr->expiring_depth >= 0)
        pp_tls_warn(info, "expires-soon", "%s", pr->expiring_msg);
}

/* The chain verified: Apple's rules, a stapled revocation, or TLS_OK. */
static struct pp_verdict
verified(const struct pp_cp_result *pr, enum pp_trust trust, const char *issuer,
         const struct pp_tls_info *info, char *msg, size_t msglen)
{
    struct pp_verdict v;

    if (pr->rule != PP_RS_NONE) {
        snprintf(msg, msglen, "Apple devices refuse this certificate: %s", pr->msg);
        v = verdict(PP_ST_TLS_FAILED, pr->rule);
    } else if (info->ocsp == PP_OCSP_REVOKED) {
        snprintf(msg, msglen, "the certificate is revoked: the server's own stapled OCSP "
                 "response says so (issued by '%s'); replace it", issuer);
        v = verdict(PP_ST_TLS_FAILED, PP_RS_CERT_REVOKED);
    } else if (trust == PP_TRUST_SYSTEM) {
        snprintf(msg, msglen, "TLS works and the certificate is trusted (issued by '%s')",
                 issuer);
        v = verdict(PP_ST_OK, PP_RS_TLS_OK);
    } else {
        snprintf(msg, msglen, "TLS works and the certificate leads to an Apple-trusted root "
                 "(issued by '%s')", issuer);
        v = verdict(PP_ST_OK, PP_RS_TLS_OK);
    }
    return v;
}

/* A chain that should lead to Apple's root and does not verify: the
 * clock, the name, or someone else's certificate (interception). */
static struct pp_verdict
apple_failure(struct pp_tls_ctx *c, STACK_OF(X509) *chain, const struct vres *vr,
              const struct pp_cp_result *pr, const char *name, time_t now,
              const char *issuer, const struct pp_tls_info *info, char *msg, size_t msglen)
{
    struct vres vs;

    if (vr->err == X509_V_ERR_CERT_HAS_EXPIRED || vr->err == X509_V_ERR_CERT_NOT_YET_VALID) {
        snprintf(msg, msglen,
                 "the certificate chain leads to Apple's root but is outside its validity "
                 "(not after %s): check this machine's clock",
                 info->not_after);
        return verdict(PP_ST_TLS_FAILED, vr->err == X509_V_ERR_CERT_HAS_EXPIRED
                                             ? PP_RS_CERT_EXPIRED : PP_RS_CERT_NOT_YET_VALID);
    }
    if (vr->err == X509_V_ERR_HOSTNAME_MISMATCH || vr->err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        if (pr->rule == PP_RS_SAN_MISSING) {
            snprintf(msg, msglen, "the certificate leads to Apple's root but %s", pr->msg);
            return verdict(PP_ST_TLS_FAILED, PP_RS_SAN_MISSING);
        }
        snprintf(msg, msglen, "the certificate leads to Apple's root but is not issued for '%s'",
                 name ? name : "?");
        return verdict(PP_ST_TLS_FAILED, PP_RS_NAME_MISMATCH);
    }
    /* The chain does not lead to a root Apple's clients accept: someone
     * between this machine and Apple presents their own certificate.
     * Whether this machine trusts that issuer tells a company's inspection
     * proxy from an unknown one. */
    verify(system_store(c), chain, name, now, &vs);
    sk_X509_pop_free(vs.built, X509_free);
    if (vs.err == X509_V_OK) {
        snprintf(msg, msglen,
                 "TLS is intercepted: the certificate is issued by '%s', a CA this machine "
                 "trusts but Apple's devices do not; Apple services fail through HTTPS inspection",
                 issuer);
        return verdict(PP_ST_INTERCEPTED, PP_RS_ISSUER_UNEXPECTED);
    }
    snprintf(msg, msglen,
             "TLS is intercepted: the certificate is issued by '%s', an unknown CA, instead of "
             "Apple's; Apple services fail through HTTPS inspection",
             issuer);
    return verdict(PP_ST_INTERCEPTED, PP_RS_CERT_UNTRUSTED);
}

struct pp_verdict
pp_tls_judge(struct pp_tls_ctx *c, STACK_OF(X509) *chain, enum pp_trust trust,
             const char *name, time_t now, const unsigned char *ocsp, size_t ocsp_len,
             struct pp_tls_info *info, char *msg, size_t msglen)
{
    struct vres vr;
    struct pp_cp_result pr;
    struct pp_verdict v;
    X509_STORE *store;
    const char *issuer;
    bool built_ok;

    info->trust = trust;
    reset_judgement(info);
    if (chain == NULL || sk_X509_num(chain) < 1) {
        snprintf(msg, msglen, "the server presented no certificate");
        return verdict(PP_ST_TLS_FAILED, PP_RS_CERT_UNTRUSTED);
    }
    if (!info->have_cert)
        pp_tls_describe_cert(sk_X509_value(chain, 0), now, info);
    if (c->keep_chains)
        info->served = pp_cert_describe_chain(chain, &info->nserved);
    issuer = info->issuer_cn ? info->issuer_cn : "?";
    store = trust == PP_TRUST_SYSTEM ? system_store(c) : c->store[trust];
    verify(store, chain, name, now, &vr);
    /* The chain reached a trusted root when the failure came later than
     * building it (a name, a date, a purpose). */
    built_ok = vr.err == X509_V_OK ||
               ((vr.err == X509_V_ERR_HOSTNAME_MISMATCH ||
                 vr.err == X509_V_ERR_IP_ADDRESS_MISMATCH ||
                 vr.err == X509_V_ERR_CERT_HAS_EXPIRED ||
                 vr.err == X509_V_ERR_CERT_NOT_YET_VALID ||
                 vr.err == X509_V_ERR_INVALID_PURPOSE) && vr.built != NULL &&
                (X509_get_extension_flags(sk_X509_value(vr.built, sk_X509_num(vr.built) - 1)) &
                 EXFLAG_SS) != 0);
    if (vr.built != NULL && c->keep_chains)
        info->built = pp_cert_describe_chain(vr.built, &info->nbuilt);
    info->anchor = built_ok ? anchor_of(c, trust, vr.built) : PP_ANCHOR_NONE;
    run_policy(c, chain, &vr, name, now, info, &pr);
    info->ocsp = ocsp_status(ocsp, ocsp_len, chain, vr.built, store);
    if (vr.err == X509_V_OK) {
        info->verified = true;
        v = verified(&pr, trust, issuer, info, msg, msglen);
    } else {
        info->verify_error = pp_xstrdup(X509_verify_cert_error_string(vr.err));
        v = trust == PP_TRUST_SYSTEM
                ? system_failure(c, chain, &vr, &pr, name, info, msg, msglen)
                : apple_failure(c, chain, &vr, &pr, name, now, issuer, info, msg, msglen);
    }
    sk_X509_pop_free(vr.built, X509_free);
    return v;
}

STACK_OF(X509) *
pp_tls_load_chain(const char *path)
{
    BIO *bio = BIO_new_file(path, "r");
    STACK_OF(X509) *sk;
    X509 *x;

    if (bio == NULL) {
        ERR_clear_error();
        return NULL;
    }
    sk = sk_X509_new_null();
    while (sk != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push(sk, x);
    BIO_free(bio);
    ERR_clear_error();
    return sk;
}
