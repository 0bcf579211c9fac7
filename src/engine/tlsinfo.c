/* SPDX-License-Identifier: ISC */
/*
 * What a TLS session shows: the leaf certificate described, the warnings,
 * the key exchange and the summary of the session into a result.
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

static char *
name_string(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *s;
    long len;

    if (b == NULL)
        return pp_xstrdup("?");
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
    len = BIO_get_mem_data(b, &data);
    if (len > 1024)
        len = 1024;
    s = pp_xmalloc((size_t)len + 1);
    memcpy(s, data, (size_t)len);
    s[len] = '\0';
    BIO_free(b);
    return s;
}

char *
name_cn(const X509_NAME *n)
{
    int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    unsigned char *u = NULL;
    char *s;
    int len, k;

    if (i < 0) {
        /* No CN: fall back to the organisation, then to the whole name. */
        i = X509_NAME_get_index_by_NID(n, NID_organizationName, -1);
        if (i < 0)
            return name_string(n);
    }
    len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
    if (len < 0)
        return pp_xstrdup("?");
    if (len > 256)
        len = 256;
    s = pp_xmalloc((size_t)len + 1);
    for (k = 0; k < len; k++)
        s[k] = (u[k] >= 0x20 && u[k] < 0x7f) ? (char)u[k] : '?';
    s[len] = '\0';
    OPENSSL_free(u);
    return s;
}

void
pp_tls_describe_cert(X509 *leaf, time_t now, struct pp_tls_info *info)
{
    const ASN1_TIME *na = X509_get0_notAfter(leaf);
    struct tm tm;
    ASN1_TIME *t_now;
    int days = 0, secs = 0;

    info->have_cert = true;
    free(info->subject);
    free(info->issuer);
    free(info->issuer_cn);
    info->subject = name_string(X509_get_subject_name(leaf));
    info->issuer = name_string(X509_get_issuer_name(leaf));
    info->issuer_cn = name_cn(X509_get_issuer_name(leaf));
    info->not_after[0] = '\0';
    if (na != NULL && ASN1_TIME_to_tm(na, &tm) == 1)
        strftime(info->not_after, sizeof(info->not_after), "%Y-%m-%dT%H:%M:%SZ", &tm);
    t_now = ASN1_TIME_set(NULL, now);
    if (t_now != NULL && na != NULL && ASN1_TIME_diff(&days, &secs, t_now, na) == 1) {
        info->days_left = days - (secs < 0 ? 1 : 0);
        info->not_after_unix = (int64_t)now + (int64_t)days * 86400 + secs;
    }
    ASN1_TIME_free(t_now);
    ERR_clear_error();
}

void
pp_tls_warn(struct pp_tls_info *info, const char *word, const char *fmt, ...)
{
    va_list ap;
    char buf[512];
    size_t k;

    for (k = 0; k < info->nwarnings; k++)
        if (strcmp(info->warnings[k], word) == 0)
            return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    info->warnings = pp_xrealloc(info->warnings, info->nwarnings + 1, sizeof(*info->warnings));
    info->warnings[info->nwarnings++] = pp_xstrdup(word);
    if (info->warn_msg == NULL) {
        info->warn_msg = pp_xstrdup(buf);
    } else {
        char *m = pp_xasprintf("%s; %s", info->warn_msg, buf);
        free(info->warn_msg);
        info->warn_msg = m;
    }
}

/* The key exchange and the server's ephemeral key, and the protocol
 * warnings they call for.  Apple's App Transport Security asks for TLS 1.2
 * or later and forward-secret ECDHE suites; whether the built-in MDM
 * client enforces it is not confirmed by Apple (apple-network.md 10), so
 * these are warnings, never failures. */
static void
summarize_kex(SSL *ssl, struct pp_tls_info *info)
{
    const SSL_CIPHER *ci = SSL_get_current_cipher(ssl);
    int ver = SSL_version(ssl), kx = ci ? SSL_CIPHER_get_kx_nid(ci) : NID_undef;
    EVP_PKEY *tmp = NULL;

    if (ver >= TLS1_3_VERSION || kx == NID_kx_any)
        snprintf(info->kex, sizeof(info->kex), "TLS1.3");
    else if (kx == NID_kx_ecdhe)
        snprintf(info->kex, sizeof(info->kex), "ECDHE");
    else if (kx == NID_kx_dhe)
        snprintf(info->kex, sizeof(info->kex), "DHE");
    else if (kx == NID_kx_rsa)
        snprintf(info->kex, sizeof(info->kex), "RSA");
    else
        snprintf(info->kex, sizeof(info->kex), "%s", OBJ_nid2sn(kx) ? OBJ_nid2sn(kx) : "?");
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    if (SSL_get_peer_tmp_key(ssl, &tmp) != 1)
        tmp = NULL;
#else
    if (SSL_get_server_tmp_key(ssl, &tmp) != 1)
        tmp = NULL;
#endif
    info->kex_group[0] = '\0';
    info->kex_bits = 0;
    if (tmp != NULL) {
        int id = EVP_PKEY_base_id(tmp);

        info->kex_bits = EVP_PKEY_bits(tmp);
        if (id == EVP_PKEY_DH || id == EVP_PKEY_DHX) {
            snprintf(info->kex_group, sizeof(info->kex_group), "DH");
        } else {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
            size_t gl = 0;
            if (EVP_PKEY_get_group_name(tmp, info->kex_group, sizeof(info->kex_group), &gl) != 1)
#endif
                snprintf(info->kex_group, sizeof(info->kex_group), "%s",
                         OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "?");
        }
        EVP_PKEY_free(tmp);
    }
    ERR_clear_error();
    if (ver > 0 && ver < TLS1_2_VERSION)
        pp_tls_warn(info, "tls-legacy", "the server speaks %s only, though TLS 1.3 was offered: "
                    "Apple deprecated TLS 1.0 and 1.1 and App Transport Security needs TLS 1.2 "
                    "or later", SSL_get_version(ssl));
    if (kx == NID_kx_rsa)
        pp_tls_warn(info, "no-forward-secrecy", "the key exchange is RSA, without forward "
                    "secrecy: App Transport Security needs ECDHE suites");
    if (kx == NID_kx_dhe)
        pp_tls_warn(info, "dhe-only", "the server chose DHE although ECDHE was offered (it "
                    "likely has no ECDHE suite): App Transport Security lists only ECDHE suites; "
                    "whether Apple devices accept DHE here is not certain");
    if (kx == NID_kx_dhe && info->kex_bits > 0 && info->kex_bits < 2048)
        pp_tls_warn(info, "weak-dh", "the server's Diffie-Hellman group has %d bits (under "
                    "2048)", info->kex_bits);
}

void
pp_tls_summarize(SSL *ssl, struct pp_tls_info *info)
{
    const unsigned char *alpn = NULL;
    unsigned alpnlen = 0;
    X509 *leaf;

    info->handshake_done = true;
    snprintf(info->version, sizeof(info->version), "%s", SSL_get_version(ssl));
    snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(ssl));
    SSL_get0_alpn_selected(ssl, &alpn, &alpnlen);
    info->alpn[0] = '\0';
    if (alpn != NULL && alpnlen > 0) {
        unsigned i, n = alpnlen;

        if (n > sizeof(info->alpn) - 1)
            n = (unsigned)sizeof(info->alpn) - 1;
        for (i = 0; i < n; i++)
            info->alpn[i] = (alpn[i] >= 0x20 && alpn[i] < 0x7f) ? (char)alpn[i] : '?';
        info->alpn[n] = '\0';
    }
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    leaf = SSL_get1_peer_certificate(ssl);
#else
    leaf = SSL_get_peer_certificate(ssl);
#endif
    if (leaf != NULL) {
        pp_tls_describe_cert(leaf, time(NULL), info);
        X509_free(leaf);
    }
    summarize_kex(ssl, info);
}
