/* SPDX-License-Identifier: ISC */
/* Apple's certificate rules over a chain; see certpolicy.h. */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/url.h"
#include "core/util.h"
#include "engine/certpolicy.h"

/* The rules in the order they are tried: what the leaf is for first
 * (a CA, its names, its purpose), then its lifetime, then every
 * certificate's key and signature. */
static const enum pp_reason rule_order[] = {
    PP_RS_LEAF_IS_CA,
    PP_RS_SAN_MISSING,
    PP_RS_NAME_MISMATCH,
    PP_RS_EKU_WRONG,
    PP_RS_EKU_MISSING,
    PP_RS_VALIDITY_TOO_LONG,
    PP_RS_WEAK_KEY,
    PP_RS_WEAK_SIGNATURE,
};
#define NRULES (sizeof(rule_order) / sizeof(rule_order[0]))

const enum pp_reason *
pp_cp_rules(size_t *n)
{
    *n = NRULES;
    return rule_order;
}

int
pp_cp_rule_bit(enum pp_reason r)
{
    size_t i;

    for (i = 0; i < NRULES; i++)
        if (rule_order[i] == r)
            return (int)i;
    return -1;
}

/* Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool
pp_asn1_unix(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;

    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return false;
    }
    *out = days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                           (unsigned)tm.tm_mday) * 86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return true;
}

static void
rfc3339(int64_t t, char *buf, size_t len)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;

    y += m <= 2;
    if (y < 0 || y > 9999) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m % 100, d % 100,
             (unsigned)(secs / 3600) % 100, (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

/* A printable copy of at most max bytes. */
static char *
printable(const unsigned char *s, size_t n, size_t max)
{
    char *o;
    size_t i;

    if (n > max)
        n = max;
    o = pp_xmalloc(n + 1);
    for (i = 0; i < n; i++)
        o[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    o[n] = '\0';
    return o;
}

static char *
name_text(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data = NULL, *s;
    long len;

    if (b == NULL || n == NULL) {
        BIO_free(b);
        return pp_xstrdup("?");
    }
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
    len = BIO_get_mem_data(b, &data);
    s = printable((const unsigned char *)data, len > 0 ? (size_t)len : 0, 1024);
    BIO_free(b);
    return s;
}

static void
push(char ***v, size_t *n, char *s)
{
    *v = pp_xrealloc(*v, *n + 1, sizeof(**v));
    (*v)[(*n)++] = s;
}

/* The key's type and size. */
static void
key_of(X509 *x, char *type, size_t tlen, int *bits)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    int id;

    *bits = 0;
    snprintf(type, tlen, "?");
    if (pk == NULL) {
        ERR_clear_error();
        return;
    }
    id = EVP_PKEY_base_id(pk);
    *bits = EVP_PKEY_bits(pk);
    switch (id) {
    case EVP_PKEY_RSA: snprintf(type, tlen, "RSA"); break;
#ifdef EVP_PKEY_RSA_PSS
    case EVP_PKEY_RSA_PSS: snprintf(type, tlen, "RSA-PSS"); break;
#endif
    case EVP_PKEY_EC: snprintf(type, tlen, "EC"); break;
    case EVP_PKEY_DSA: snprintf(type, tlen, "DSA"); break;
#ifdef EVP_PKEY_ED25519
    case EVP_PKEY_ED25519: snprintf(type, tlen, "ED25519"); break;
#endif
#ifdef EVP_PKEY_ED448
    case EVP_PKEY_ED448: snprintf(type, tlen, "ED448"); break;
#endif
    default: snprintf(type, tlen, "%s", OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "?"); break;
    }
}

void
pp_cert_describe(X509 *x, struct pp_cert_info *ci)
{
    GENERAL_NAMES *gens;
    EXTENDED_KEY_USAGE *eku;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0, i;
    int k, crit = -1;
    uint32_t fl;

    memset(ci, 0, sizeof(*ci));
    ci->subject = name_text(X509_get_subject_name(x));
    ci->issuer = name_text(X509_get_issuer_name(x));
    gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
    for (k = 0; gens != NULL && k < sk_GENERAL_NAME_num(gens) && ci->nsan < 64; k++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, k);
        char ip[INET6_ADDRSTRLEN], *v, *s;

        if (g->type == GEN_DNS) {
            v = printable(ASN1_STRING_get0_data(g->d.dNSName),
                          (size_t)ASN1_STRING_length(g->d.dNSName), 253);
            s = pp_xasprintf("DNS:%s", v);
            free(v);
            push(&ci->san, &ci->nsan, s);
        } else if (g->type == GEN_IPADD) {
            int n = ASN1_STRING_length(g->d.iPAddress);
            const unsigned char *p = ASN1_STRING_get0_data(g->d.iPAddress);

            if ((n == 4 && inet_ntop(AF_INET, p, ip, sizeof(ip)) != NULL) ||
                (n == 16 && inet_ntop(AF_INET6, p, ip, sizeof(ip)) != NULL))
                push(&ci->san, &ci->nsan, pp_xasprintf("IP:%s", ip));
            else
                push(&ci->san, &ci->nsan, pp_xstrdup("IP:?"));
        }
    }
    GENERAL_NAMES_free(gens);
    eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
    ci->has_eku = eku != NULL || crit >= 0;
    for (k = 0; eku != NULL && k < sk_ASN1_OBJECT_num(eku) && ci->neku < 32; k++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, k);
        int nid = OBJ_obj2nid(o);
        char txt[80];

        if (nid != NID_undef && OBJ_nid2sn(nid) != NULL) {
            push(&ci->eku, &ci->neku, pp_xstrdup(OBJ_nid2sn(nid)));
        } else {
            OBJ_obj2txt(txt, sizeof(txt), o, 1);
            push(&ci->eku, &ci->neku, printable((const unsigned char *)txt, strlen(txt), 79));
        }
    }
    EXTENDED_KEY_USAGE_free(eku);
    key_of(x, ci->key_type, sizeof(ci->key_type), &ci->key_bits);
    k = X509_get_signature_nid(x);
    snprintf(ci->sig_alg, sizeof(ci->sig_alg), "%s",
             k != NID_undef && OBJ_nid2ln(k) ? OBJ_nid2ln(k) : "?");
    if (pp_asn1_unix(X509_get0_notBefore(x), &ci->not_before_unix))
        rfc3339(ci->not_before_unix, ci->not_before, sizeof(ci->not_before));
    if (pp_asn1_unix(X509_get0_notAfter(x), &ci->not_after_unix))
        rfc3339(ci->not_after_unix, ci->not_after, sizeof(ci->not_after));
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
        for (i = 0; i < mdlen && i < 32; i++)
            snprintf(ci->sha256 + 2 * i, 3, "%02x", md[i]);
    fl = X509_get_extension_flags(x);
    ci->ca = (fl & EXFLAG_CA) != 0;
    ci->self_signed = (fl & EXFLAG_SS) != 0;
    ERR_clear_error();
}

struct pp_cert_info *
pp_cert_describe_chain(STACK_OF(X509) *chain, size_t *n)
{
    struct pp_cert_info *v;
    int i, m = chain != NULL ? sk_X509_num(chain) : 0;

    *n = 0;
    if (m <= 0)
        return NULL;
    if (m > 16)
        m = 16;   /* the report keeps the first 16 */
    v = pp_xcalloc((size_t)m, sizeof(*v));
    for (i = 0; i < m; i++)
        pp_cert_describe(sk_X509_value(chain, i), &v[i]);
    *n = (size_t)m;
    return v;
}

static bool
has_san_name(X509 *x)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    bool any = false;
    int k;

    for (k = 0; gens != NULL && k < sk_GENERAL_NAME_num(gens); k++) {
        int t = sk_GENERAL_NAME_value(gens, k)->type;
        any = any || t == GEN_DNS || t == GEN_IPADD;
    }
    GENERAL_NAMES_free(gens);
    ERR_clear_error();
    return any;
}

/* 1: the EKU lists serverAuth; 0: it does not; -1: there is no EKU. */
static int
eku_server(X509 *x)
{
    int crit = -1, k, rc = 0;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

    if (eku == NULL) {
        ERR_clear_error();
        return crit == -1 ? -1 : 0;   /* -2: present but unreadable */
    }
    for (k = 0; k < sk_ASN1_OBJECT_num(eku); k++)
        if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, k)) == NID_server_auth)
            rc = 1;
    EXTENDED_KEY_USAGE_free(eku);
    return rc;
}

static char *
cn_of(X509 *x)
{
    const X509_NAME *n = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    const ASN1_STRING *d;

    if (i < 0)
        return name_text(n);
    d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
    return printable(ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d), 128);
}

/* Record a broken rule; the first one names the result. */
static void
broke(struct pp_cp_result *res, enum pp_reason r, int depth, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
broke(struct pp_cp_result *res, enum pp_reason r, int depth, const char *fmt, ...)
{
    va_list ap;
    int bit = pp_cp_rule_bit(r);

    if (bit >= 0)
        res->broken |= 1u << bit;
    if (res->rule != PP_RS_NONE)
        return;
    res->rule = r;
    res->depth = depth;
    va_start(ap, fmt);
    vsnprintf(res->msg, sizeof(res->msg), fmt, ap);
    va_end(ap);
}

static const char *
which(int depth, bool root)
{
    return depth == 0 ? "the server's certificate" : root ? "the root" : "the intermediate";
}

/* The leaf: an end-entity certificate, its name in subjectAltName. */
static void
check_leaf_name(const struct pp_cp_input *in, X509 *leaf, struct pp_cp_result *res)
{
    if ((X509_get_extension_flags(leaf) & EXFLAG_CA) != 0)
        broke(res, PP_RS_LEAF_IS_CA, 0, "the server presents a CA certificate as its own "
              "(basicConstraints CA:TRUE): Apple devices accept only an end-entity "
              "certificate for a server");
    if (!has_san_name(leaf)) {
        broke(res, PP_RS_SAN_MISSING, 0, "the certificate has no subjectAltName: since iOS 13 "
              "and macOS 10.15 Apple devices read the server's name only there, never in the "
              "common name");
    } else if (in->name != NULL && *in->name != '\0') {
        int ok;

        if (pp_host_literal(in->name) != 0)
            ok = X509_check_ip_asc(leaf, in->name, 0);
        else
            ok = X509_check_host(leaf, in->name, 0,
                                 X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
                                     X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                                 NULL);
        if (ok != 1)
            broke(res, PP_RS_NAME_MISMATCH, 0, "'%.200s' is not among the certificate's "
                  "subjectAltName names", in->name);
    }
}

/* The leaf: serverAuth, and a validity period Apple accepts. */
static void
check_leaf_use(const struct pp_cp_input *in, X509 *leaf, struct pp_cp_result *res)
{
    int64_t nb = 0, na = 0;
    bool have_dates = pp_asn1_unix(X509_get0_notBefore(leaf), &nb) &&
                      pp_asn1_unix(X509_get0_notAfter(leaf), &na);
    int e;

    e = eku_server(leaf);
    if (e == 0)
        broke(res, PP_RS_EKU_WRONG, 0, "the certificate's extended key usage does not "
              "include serverAuth (it is for other purposes, e.g. clientAuth): Apple devices "
              "refuse it for a server");
    else if (e < 0 && have_dates && nb >= PP_CP_EKU_825_FROM)
        broke(res, PP_RS_EKU_MISSING, 0, "the certificate has no extended key usage: Apple "
              "devices need id-kp-serverAuth in certificates issued from 2019-07-01");
    if (have_dates && nb >= PP_CP_EKU_825_FROM) {
        int64_t days = (na - nb) / 86400, rem = (na - nb) % 86400;

        if (na - nb > (int64_t)PP_CP_MAX_DAYS * 86400)
            broke(res, PP_RS_VALIDITY_TOO_LONG, 0, "the certificate is valid for %lld days%s; "
                  "Apple devices refuse certificates issued from 2019-07-01 that are valid "
                  "for more than 825 days", (long long)days, rem ? " and more" : "");
        else if (nb >= PP_CP_398_FROM && na - nb > (int64_t)PP_CP_MAX_DAYS_PUBLIC * 86400 &&
                 (in->anchor == PP_ANCHOR_SYSTEM || in->anchor == PP_ANCHOR_APPLE))
            broke(res, PP_RS_VALIDITY_TOO_LONG, 0, "the certificate is valid for %lld days%s "
                  "and chains to a root that comes with the system: Apple devices refuse such "
                  "certificates issued from 2020-09-01 when valid for more than 398 days",
                  (long long)days, rem ? " and more" : "");
    }
}

/* Certificate i of n: when it expires, its key and its signature. */
static void
check_one(const struct pp_cp_input *in, int i, int n, struct pp_cp_result *res)
{
    X509 *x = sk_X509_value(in->chain, i);
    bool last = i == n - 1;
    bool root = last && i > 0 && (in->anchor != PP_ANCHOR_NONE ||
                                  (X509_get_extension_flags(x) & EXFLAG_SS) != 0);
    char type[16];
    int bits, mdnid = NID_undef, pknid = NID_undef, secbits = 0;
    uint32_t flags = 0;
    int64_t t;
    char *cn;

    ERR_clear_error();
    if (pp_asn1_unix(X509_get0_notAfter(x), &t) && t >= (int64_t)in->now) {
        int left = (int)((t - (int64_t)in->now) / 86400);

        if (left < res->min_days_left)
            res->min_days_left = left;
        if (in->warn_days >= 0 && left < in->warn_days && res->expiring_depth < 0) {
            res->expiring_depth = i;
            cn = cn_of(x);
            snprintf(res->expiring_msg, sizeof(res->expiring_msg),
                     "%s '%s' expires in %d day%s", which(i, root), cn, left,
                     left == 1 ? "" : "s");
            free(cn);
        }
    }
    if (root || (i == 0 && n == 1 && in->anchor != PP_ANCHOR_NONE &&
                 (X509_get_extension_flags(x) & EXFLAG_SS) != 0))
        return;     /* a trusted root is judged by being trusted */
    key_of(x, type, sizeof(type), &bits);
    cn = cn_of(x);
    if (((strcmp(type, "RSA") == 0 || strcmp(type, "RSA-PSS") == 0 ||
          strcmp(type, "DSA") == 0) && bits < PP_CP_MIN_RSA_BITS) ||
        (strcmp(type, "EC") == 0 && bits < PP_CP_MIN_EC_BITS))
        broke(res, PP_RS_WEAK_KEY, i, "%s '%s' has a %d-bit %s key: Apple devices need "
              "RSA keys of at least 2048 bits (and App Transport Security EC keys of at "
              "least 256 bits)", which(i, false), cn, bits, type);
    if (X509_get_signature_info(x, &mdnid, &pknid, &secbits, &flags) == 1) {
        if (mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_md4 ||
            mdnid == NID_md2 || mdnid == NID_mdc2 || mdnid == NID_md5_sha1)
            broke(res, PP_RS_WEAK_SIGNATURE, i, "%s '%s' is signed with %s: Apple devices "
                  "need a SHA-2 signature on every certificate but the root",
                  which(i, false), cn, OBJ_nid2sn(mdnid) ? OBJ_nid2sn(mdnid) : "?");
    }
    free(cn);
}

enum pp_reason
pp_certpolicy_check(const struct pp_cp_input *in, struct pp_cp_result *res)
{
    int n = in->chain != NULL ? sk_X509_num(in->chain) : 0, i;
    X509 *leaf;

    memset(res, 0, sizeof(*res));
    res->rule = PP_RS_NONE;
    res->expiring_depth = -1;
    res->min_days_left = INT_MAX;
    if (n < 1)
        return res->rule;
    leaf = sk_X509_value(in->chain, 0);
    check_leaf_name(in, leaf, res);
    check_leaf_use(in, leaf, res);
    for (i = 0; i < n; i++)
        check_one(in, i, n, res);
    ERR_clear_error();
    return res->rule;
}

STACK_OF(X509) *
pp_cert_parse_chain(const unsigned char *buf, size_t len)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *bio;
    X509 *x;
    const unsigned char *p = buf, *end = buf + len;

    if (sk == NULL || len == 0 || len > (size_t)INT_MAX) {
        sk_X509_free(sk);
        return NULL;
    }
    if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
        while (sk_X509_num(sk) < 64 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
            sk_X509_push(sk, x);
        BIO_free(bio);
    }
    ERR_clear_error();
    /* Not PEM: DER certificates back to back. */
    while (sk_X509_num(sk) < 64 && p < end && (x = d2i_X509(NULL, &p, (long)(end - p))) != NULL)
        sk_X509_push(sk, x);
    ERR_clear_error();
    if (sk_X509_num(sk) == 0) {
        sk_X509_free(sk);
        return NULL;
    }
    return sk;
}
