/* SPDX-License-Identifier: ISC */
/*
 * The TLS context and handshake (see tlscore.h): loading the roots into the
 * trust stores, starting a session, the handshake's state machine and what
 * an alert means.  What a session shows is tlsinfo.c, the chain's judgement
 * tlsjudge.c; tlscore_int.h is what they share.
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

/* Add every PEM certificate from bio to store (and to added when not
 * NULL); returns how many. */
static int
load_pem_to(X509_STORE *store, BIO *bio, STACK_OF(X509) *added)
{
    X509 *x;
    int n = 0;

    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            n++;
        if (added != NULL && X509_up_ref(x) == 1 && sk_X509_push(added, x) <= 0)
            X509_free(x);
        X509_free(x);
    }
    ERR_clear_error();
    return n;
}

static int
load_pem(X509_STORE *store, BIO *bio)
{
    return load_pem_to(store, bio, NULL);
}

static int
load_file_to(X509_STORE *store, const char *path, STACK_OF(X509) *added, char *err,
             size_t errlen)
{
    BIO *bio;
    int n;

    if ((bio = BIO_new_file(path, "r")) == NULL) {
        snprintf(err, errlen, "cannot read CA file '%s': %s", path, strerror(errno));
        ERR_clear_error();
        return -1;
    }
    n = load_pem_to(store, bio, added);
    BIO_free(bio);
    if (n == 0) {
        snprintf(err, errlen, "CA file '%s' holds no PEM certificate", path);
        return -1;
    }
    return n;
}

static int
load_file(X509_STORE *store, const char *path, char *err, size_t errlen)
{
    return load_file_to(store, path, NULL, err, errlen);
}

static int
load_string(X509_STORE *store, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    int n;

    if (bio == NULL)
        return 0;
    n = load_pem(store, bio);
    BIO_free(bio);
    return n;
}

/* The system's roots.  A hashed directory (c_rehash) is looked up lazily,
 * certificate by certificate; loading the whole bundle file parses every
 * root at start-up (tens of milliseconds), so it is the fallback. */
void
load_system_roots(X509_STORE *store)
{
    const char *env = getenv(X509_get_default_cert_dir_env());
    const char *dir = env != NULL ? env : X509_get_default_cert_dir();
    bool hashed = false;
    DIR *d;
    struct dirent *de;
    X509_LOOKUP *lk;

    if ((d = opendir(dir)) != NULL) {
        while (!hashed && (de = readdir(d)) != NULL) {
            size_t n = strlen(de->d_name);
            hashed = n == 10 && de->d_name[8] == '.' && de->d_name[9] == '0';
        }
        closedir(d);
    }
    if (hashed && getenv(X509_get_default_cert_file_env()) == NULL &&
        (lk = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir())) != NULL &&
        X509_LOOKUP_add_dir(lk, dir, X509_FILETYPE_PEM) == 1) {
        ERR_clear_error();
        return;
    }
    X509_STORE_set_default_paths(store);
    ERR_clear_error();
}

#ifdef __APPLE__
/* macOS keeps the roots it trusts in keychains, not in OpenSSL's bundle:
 * the ones an MDM profile installs (a company CA for the MDM, the
 * distribution points, an inspecting proxy) are in the System keychain.
 * Read them with security(1), as PEM.  Trust settings are not consulted:
 * a certificate there counts as a root. */
static void
load_keychain(X509_STORE *store, const char *cmd, STACK_OF(X509) *added)
{
    FILE *f = popen(cmd, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (f == NULL)
        return;
    for (;;) {
        if (cap - len < 65536) {
            if (cap >= (size_t)16 << 20)
                break;   /* more than 16 MiB of certificates: enough */
            cap = cap ? cap * 2 : 262144;
            buf = pp_xrealloc(buf, cap + 1, 1);
        }
        if ((n = fread(buf + len, 1, cap - len, f)) == 0)
            break;
        len += n;
    }
    pclose(f);
    if (buf != NULL) {
        BIO *bio = BIO_new_mem_buf(buf, (int)len);

        if (bio != NULL)
            (void)load_pem_to(store, bio, added);
        BIO_free(bio);
        free(buf);
    }
    ERR_clear_error();
}

/* The System keychain holds the roots an administrator or a profile
 * added (exempt from the 398-day limit); SystemRootCertificates the ones
 * that come with macOS. */
void
load_keychain_roots(X509_STORE *store, STACK_OF(X509) *added)
{
    load_keychain(store, "/usr/bin/security find-certificate -a -p "
                  "/Library/Keychains/System.keychain 2>/dev/null", added);
    load_keychain(store, "/usr/bin/security find-certificate -a -p "
                  "/System/Library/Keychains/SystemRootCertificates.keychain 2>/dev/null",
                  NULL);
}
#endif

static int ex_info_idx = -1;

static int
client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    struct pp_tls_info *info = SSL_get_ex_data(ssl, ex_info_idx);

    (void)x509;
    (void)pkey;
    if (info != NULL)
        info->client_cert_requested = true;
    return 0; /* continue without a certificate */
}

struct pp_tls_ctx *
pp_tls_ctx_new(const char *ca_file, const char *apple_ca, char *err,
               size_t errlen)
{
    struct pp_tls_ctx *c = pp_xcalloc(1, sizeof(*c));
    int i;

    if (ex_info_idx < 0)
        ex_info_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    for (i = 0; i < PP_TRUST__COUNT; i++)
        if ((c->store[i] = X509_STORE_new()) == NULL)
            goto fail_ssl;
    if ((c->added = sk_X509_new_null()) == NULL)
        goto fail_ssl;
    c->warn_days = 30;
    c->keep_chains = true;
    if (ca_file != NULL &&
        load_file_to(c->store[PP_TRUST_SYSTEM], ca_file, c->added, err, errlen) < 0)
        goto fail;
    c->apple_added = apple_ca != NULL;
    if (apple_ca != NULL) {
        if (load_file(c->store[PP_TRUST_APPLE_COURIER], apple_ca, err, errlen) < 0 ||
            load_file(c->store[PP_TRUST_APPLE_PUBLIC], apple_ca, err, errlen) < 0)
            goto fail;
    } else {
        load_string(c->store[PP_TRUST_APPLE_COURIER], pp_bundle_apple_courier);
        load_string(c->store[PP_TRUST_APPLE_PUBLIC], pp_bundle_apple_public);
    }
    if ((c->ssl = SSL_CTX_new(TLS_client_method())) == NULL)
        goto fail_ssl;
    /* A diagnostic sees whatever the server offers; nothing secret is
     * sent, and trust is judged separately. */
    /* Security level 0, TLS 1.0 to 1.3 and every authenticated cipher:
     * a server that only speaks TLS 1.0, only RSA key exchange or a small
     * DH group still completes the handshake, so that it can be judged
     * (pp_tls_summarize names what was negotiated).  The modern suites
     * come first, so a server that has them picks what it would pick for
     * an Apple device. */
    SSL_CTX_set_security_level(c->ssl, 0);
    SSL_CTX_set_min_proto_version(c->ssl, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(c->ssl, 0);
    if (SSL_CTX_set_cipher_list(c->ssl, "DEFAULT:ALL:!aNULL:!eNULL:!PSK:!SRP:@SECLEVEL=0") != 1)
        ERR_clear_error();
    /* Ask for a stapled OCSP response; nothing is fetched online. */
    SSL_CTX_set_tlsext_status_type(c->ssl, TLSEXT_STATUSTYPE_ocsp);
    SSL_CTX_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_client_cert_cb(c->ssl, client_cert_cb);
    SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_OFF);
    return c;
fail_ssl:
    snprintf(err, errlen, "OpenSSL: %s", ERR_reason_error_string(ERR_get_error()));
fail:
    pp_tls_ctx_free(c);
    return NULL;
}

void
pp_tls_ctx_set_warn_days(struct pp_tls_ctx *c, int days)
{
    c->warn_days = days;
}

void
pp_tls_ctx_keep_chains(struct pp_tls_ctx *c, bool keep)
{
    c->keep_chains = keep;
}

void
pp_tls_ctx_free(struct pp_tls_ctx *c)
{
    int i;

    if (c == NULL)
        return;
    for (i = 0; i < PP_TRUST__COUNT; i++)
        X509_STORE_free(c->store[i]);
    sk_X509_pop_free(c->added, X509_free);
    SSL_CTX_free(c->ssl);
    free(c);
}

SSL *
pp_tls_start(struct pp_tls_ctx *c, int fd, const char *sni,
             const char *alpn_csv, struct pp_tls_info *info)
{
    SSL *ssl = SSL_new(c->ssl);

    if (ssl == NULL)
        return NULL;
    SSL_set_fd(ssl, fd);
    SSL_set_connect_state(ssl);
    SSL_set_ex_data(ssl, ex_info_idx, info);
    info->alert = -1;
    info->min_days_left = INT_MAX;
    if (sni != NULL && pp_host_literal(sni) == 0)
        SSL_set_tlsext_host_name(ssl, sni);
    if (alpn_csv != NULL && *alpn_csv != '\0') {
        unsigned char wire[256];
        size_t n = 0;
        const char *p = alpn_csv;

        while (*p != '\0') {
            size_t len = strcspn(p, ",");
            if (len > 0 && len < 256 && n + 1 + len <= sizeof(wire)) {
                wire[n++] = (unsigned char)len;
                memcpy(wire + n, p, len);
                n += len;
            }
            p += len;
            if (*p == ',')
                p++;
        }
        if (n > 0)
            SSL_set_alpn_protos(ssl, wire, (unsigned)n);
    }
    info->ran = true;
    return ssl;
}

void
pp_tls_ctx_warm(struct pp_tls_ctx *c)
{
    SSL *ssl;
    BIO *rb, *wb;

    if (c == NULL || c->warm)
        return;
    c->warm = true;
    (void)system_store(c);
    /* OpenSSL fetches its algorithms and makes its key shares' groups
     * ready on the first handshake: pay that here, not in a check's time.
     * A ClientHello into memory, then dropped. */
    if ((ssl = SSL_new(c->ssl)) == NULL)
        return;
    rb = BIO_new(BIO_s_mem());
    wb = BIO_new(BIO_s_mem());
    if (rb != NULL && wb != NULL) {
        SSL_set_bio(ssl, rb, wb);
        SSL_set_connect_state(ssl);
        SSL_set_tlsext_host_name(ssl, "warm.invalid");
        (void)SSL_do_handshake(ssl);
    } else {
        BIO_free(rb);
        BIO_free(wb);
    }
    SSL_free(ssl);
    ERR_clear_error();
}

struct pp_verdict
verdict(enum pp_state s, enum pp_reason r)
{
    struct pp_verdict v = {s, r};
    return v;
}

bool
pp_tls_alert_client_cert(int alert, bool asked)
{
    /* certificate_required (TLS 1.3) says it outright; after a request,
     * handshake_failure, bad_certificate or no_certificate are the answer
     * to the empty Certificate message this client sends. */
    return alert == 116 || (asked && (alert == SSL_AD_HANDSHAKE_FAILURE ||
                                      alert == SSL_AD_BAD_CERTIFICATE || alert == 41));
}

const char *
pp_tls_alert_desc(int alert)
{
    static char unknown[32];
    const char *s = SSL_alert_desc_string_long(alert);

    if (strcmp(s, "unknown") != 0)
        return s;
    switch (alert) {
    case 86: return "inappropriate fallback";
    case 109: return "missing extension";
    case 116: return "certificate required";
    default:
        snprintf(unknown, sizeof(unknown), "unknown (%d)", alert);
        return unknown;
    }
}

const char *
pp_tls_alert_meaning(int alert, bool asked)
{
    if (pp_tls_alert_client_cert(alert, asked))
        return "the server requires a client certificate (it asked for one and ended the "
               "connection without it): devices need an identity certificate for it";
    switch (alert) {
    case SSL_AD_HANDSHAKE_FAILURE:
        return "no TLS version, cipher, group or signature algorithm in common: the server "
               "insists on parameters this client does not offer (or on a client certificate)";
    case SSL_AD_PROTOCOL_VERSION:
        return "no TLS version in common (this client offers TLS 1.0 to 1.3)";
    case SSL_AD_INSUFFICIENT_SECURITY:
        return "the server wants stronger ciphers than those offered";
    case SSL_AD_UNRECOGNIZED_NAME:
        return "the server does not know the name sent in SNI (a virtual host is missing)";
    case 120: /* no_application_protocol */
        return "the server supports none of the application protocols offered (ALPN)";
    case SSL_AD_ILLEGAL_PARAMETER:
    case SSL_AD_DECODE_ERROR:
        return "the server could not read this client's handshake (an old or broken TLS stack, "
               "or a middlebox)";
    case SSL_AD_INTERNAL_ERROR:
        return "the server failed internally (its certificate or key may be misconfigured)";
    case SSL_AD_ACCESS_DENIED:
        return "the server refuses this client";
    default:
        return "the server ended the handshake";
    }
}

enum pp_tls_step
pp_tls_step(SSL *ssl, short *events, struct pp_verdict *v, char *msg,
            size_t msglen)
{
    int rc, e;
    unsigned long ev;
    int lib, reason;

    ERR_clear_error();
    errno = 0;
    rc = SSL_do_handshake(ssl);
    if (rc == 1)
        return PP_TLS_DONE;
    e = SSL_get_error(ssl, rc);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *events = POLLIN;
        return PP_TLS_AGAIN;
    case SSL_ERROR_WANT_WRITE:
        *events = POLLOUT;
        return PP_TLS_AGAIN;
    case SSL_ERROR_ZERO_RETURN:
        *v = verdict(PP_ST_TLS_FAILED, PP_RS_TLS_EOF);
        snprintf(msg, msglen, "the server closed the connection during the TLS handshake");
        return PP_TLS_FAILED;
    case SSL_ERROR_SYSCALL:
        if (errno == ECONNRESET) {
            *v = verdict(PP_ST_TLS_FAILED, PP_RS_CONN_RESET);
            snprintf(msg, msglen, "the connection was reset during the TLS handshake "
                     "(a filter that blocks by server name does this)");
        } else {
            *v = verdict(PP_ST_TLS_FAILED, PP_RS_TLS_EOF);
            snprintf(msg, msglen, "the server closed the connection during the TLS handshake%s%s",
                     errno ? ": " : "", errno ? strerror(errno) : "");
        }
        return PP_TLS_FAILED;
    default:
        break;
    }
    ev = ERR_peek_last_error();
    lib = ERR_GET_LIB(ev);
    reason = ERR_GET_REASON(ev);
    if (lib == ERR_LIB_SSL && reason >= SSL_AD_REASON_OFFSET &&
        reason < SSL_AD_REASON_OFFSET + 256) {
        struct pp_tls_info *info = SSL_get_ex_data(ssl, ex_info_idx);
        int alert = reason - SSL_AD_REASON_OFFSET;
        bool asked = info != NULL && info->client_cert_requested;

        if (info != NULL)
            info->alert = alert;
        *v = verdict(PP_ST_TLS_FAILED, PP_RS_TLS_ALERT);
        if (pp_tls_alert_client_cert(alert, asked))
            v->reason = PP_RS_CLIENT_CERT_REQUIRED;
        snprintf(msg, msglen, "the server sent the TLS alert '%s': %s",
                 pp_tls_alert_desc(alert), pp_tls_alert_meaning(alert, asked));
    } else if (lib == ERR_LIB_SSL && reason == SSL_R_DH_KEY_TOO_SMALL) {
        *v = verdict(PP_ST_TLS_FAILED, PP_RS_WEAK_KEY);
        snprintf(msg, msglen, "the server's Diffie-Hellman group is too small to use "
                 "(Logjam-era parameters): the server must offer ECDHE or a DH group of "
                 "2048 bits or more");
    } else if (lib == ERR_LIB_SSL &&
               (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
                reason == SSL_R_UNKNOWN_PROTOCOL || reason == SSL_R_HTTP_REQUEST ||
                reason == SSL_R_RECORD_LENGTH_MISMATCH)) {
        *v = verdict(PP_ST_UNEXPECTED, PP_RS_NOT_TLS);
        snprintf(msg, msglen,
                 "the server does not speak TLS on this port (%s): something else answers",
                 ERR_reason_error_string(ev));
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING   /* OpenSSL 3; 1.1.1 gives SSL_ERROR_SYSCALL */
    } else if (lib == ERR_LIB_SSL && reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        *v = verdict(PP_ST_TLS_FAILED, PP_RS_TLS_EOF);
        snprintf(msg, msglen, "the server closed the connection during the TLS handshake");
#endif
    } else {
        const char *s = ev ? ERR_reason_error_string(ev) : NULL;
        *v = verdict(PP_ST_TLS_FAILED, PP_RS_TLS_HANDSHAKE);
        snprintf(msg, msglen, "the TLS handshake failed: %s", s ? s : "unknown error");
    }
    ERR_clear_error();
    return PP_TLS_FAILED;
}

/* Printable ASCII copy of an X509 name, RFC 2253 order. */
