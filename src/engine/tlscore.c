/* TLS handshake state machine and chain judgement; see tlscore.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/bundles.h"
#include "engine/tlscore.h"
#include "core/url.h"
#include "core/util.h"

struct pp_tls_ctx {
    SSL_CTX *ssl;
    X509_STORE *store[PP_TRUST__COUNT];
    bool system_loaded;   /* the system's roots join store[SYSTEM] on first use */
};

/* Add every PEM certificate from bio to store; returns how many. */
static int
load_pem(X509_STORE *store, BIO *bio)
{
    X509 *x;
    int n = 0;

    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            n++;
        X509_free(x);
    }
    ERR_clear_error();
    return n;
}

static int
load_file(X509_STORE *store, const char *path, char *err, size_t errlen)
{
    BIO *bio;
    int n;

    if ((bio = BIO_new_file(path, "r")) == NULL) {
        snprintf(err, errlen, "cannot read CA file '%s': %s", path, strerror(errno));
        ERR_clear_error();
        return -1;
    }
    n = load_pem(store, bio);
    BIO_free(bio);
    if (n == 0) {
        snprintf(err, errlen, "CA file '%s' holds no PEM certificate", path);
        return -1;
    }
    return n;
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
static void
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
load_keychain_roots(X509_STORE *store)
{
    FILE *f = popen("/usr/bin/security find-certificate -a -p "
                    "/Library/Keychains/System.keychain "
                    "/System/Library/Keychains/SystemRootCertificates.keychain 2>/dev/null",
                    "r");
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
        buf[len] = '\0';
        (void)load_string(store, buf);
        free(buf);
    }
    ERR_clear_error();
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
    if (ca_file != NULL && load_file(c->store[PP_TRUST_SYSTEM], ca_file, err, errlen) < 0)
        goto fail;
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
    SSL_CTX_set_security_level(c->ssl, 0);
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
pp_tls_ctx_free(struct pp_tls_ctx *c)
{
    int i;

    if (c == NULL)
        return;
    for (i = 0; i < PP_TRUST__COUNT; i++)
        X509_STORE_free(c->store[i]);
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

static struct pp_verdict
verdict(enum pp_state s, enum pp_reason r)
{
    struct pp_verdict v = {s, r};
    return v;
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
        *v = verdict(PP_ST_TLS_FAILED, PP_RS_TLS_ALERT);
        snprintf(msg, msglen, "the server sent the TLS alert '%s'",
                 SSL_alert_desc_string_long(reason - SSL_AD_REASON_OFFSET));
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

static char *
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
}

/* The system store, with the system's roots loaded on first use: a run
 * whose chains all lead to Apple's roots never pays for parsing them. */
static X509_STORE *
system_store(struct pp_tls_ctx *c)
{
    if (!c->system_loaded) {
        load_system_roots(c->store[PP_TRUST_SYSTEM]);
#ifdef __APPLE__
        load_keychain_roots(c->store[PP_TRUST_SYSTEM]);
#endif
        c->system_loaded = true;
    }
    return c->store[PP_TRUST_SYSTEM];
}

/* Verify chain[0] with chain[1..] as untrusted intermediates. */
static int
verify(X509_STORE *store, STACK_OF(X509) *chain, const char *name, time_t now)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_VERIFY_PARAM *param;
    int rc, err;

    if (ctx == NULL)
        return X509_V_ERR_OUT_OF_MEM;
    if (X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain) != 1) {
        X509_STORE_CTX_free(ctx);
        return X509_V_ERR_UNSPECIFIED;
    }
    param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_time(param, now);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    if (name != NULL && *name != '\0') {
        if (pp_host_literal(name) != 0) {
            X509_VERIFY_PARAM_set1_ip_asc(param, name);
        } else {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            X509_VERIFY_PARAM_set1_host(param, name, 0);
        }
    }
    rc = X509_verify_cert(ctx);
    err = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    if (rc != 1 && err == X509_V_OK)
        err = X509_V_ERR_UNSPECIFIED;
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return err;
}

static enum pp_reason
reason_of(int err)
{
    switch (err) {
    case X509_V_OK: return PP_RS_TLS_OK;
    case X509_V_ERR_CERT_HAS_EXPIRED: return PP_RS_CERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID: return PP_RS_CERT_NOT_YET_VALID;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return PP_RS_NAME_MISMATCH;
    default: return PP_RS_CERT_UNTRUSTED;
    }
}

struct pp_verdict
pp_tls_judge(struct pp_tls_ctx *c, STACK_OF(X509) *chain, enum pp_trust trust,
             const char *name, time_t now, struct pp_tls_info *info,
             char *msg, size_t msglen)
{
    int e_sys, e_exp;
    enum pp_reason r;
    const char *issuer;

    info->trust = trust;
    free(info->verify_error);
    info->verify_error = NULL;
    info->verified = false;
    if (chain == NULL || sk_X509_num(chain) < 1) {
        snprintf(msg, msglen, "the server presented no certificate");
        return verdict(PP_ST_TLS_FAILED, PP_RS_CERT_UNTRUSTED);
    }
    if (!info->have_cert)
        pp_tls_describe_cert(sk_X509_value(chain, 0), now, info);
    issuer = info->issuer_cn ? info->issuer_cn : "?";
    if (trust == PP_TRUST_SYSTEM) {
        e_sys = verify(system_store(c), chain, name, now);
        r = reason_of(e_sys);
        if (r == PP_RS_TLS_OK) {
            info->verified = true;
            snprintf(msg, msglen, "TLS works and the certificate is trusted (issued by '%s')",
                     issuer);
            return verdict(PP_ST_OK, r);
        }
        info->verify_error = pp_xstrdup(X509_verify_cert_error_string(e_sys));
        switch (r) {
        case PP_RS_CERT_EXPIRED:
            snprintf(msg, msglen,
                     "the certificate expired on %s (or this machine's clock is wrong)",
                     info->not_after);
            break;
        case PP_RS_CERT_NOT_YET_VALID:
            snprintf(msg, msglen, "the certificate is not valid yet (check this machine's clock)");
            break;
        case PP_RS_NAME_MISMATCH:
            snprintf(msg, msglen, "the certificate is not issued for '%s'", name ? name : "?");
            break;
        default:
            snprintf(msg, msglen,
                     "the certificate is not trusted (%s; issued by '%s'): install the "
                     "issuing root CA on the clients, or pass it with --ca-file",
                     info->verify_error, issuer);
            break;
        }
        return verdict(PP_ST_TLS_FAILED, r);
    }
    e_exp = verify(c->store[trust], chain, name, now);
    r = reason_of(e_exp);
    if (r == PP_RS_TLS_OK) {
        info->verified = true;
        snprintf(msg, msglen,
                 "TLS works and the certificate leads to an Apple-trusted root (issued by '%s')",
                 issuer);
        return verdict(PP_ST_OK, r);
    }
    info->verify_error = pp_xstrdup(X509_verify_cert_error_string(e_exp));
    if (r == PP_RS_CERT_EXPIRED || r == PP_RS_CERT_NOT_YET_VALID) {
        snprintf(msg, msglen,
                 "the certificate chain leads to Apple's root but is outside its validity "
                 "(not after %s): check this machine's clock",
                 info->not_after);
        return verdict(PP_ST_TLS_FAILED, r);
    }
    if (r == PP_RS_NAME_MISMATCH) {
        snprintf(msg, msglen, "the certificate leads to Apple's root but is not issued for '%s'",
                 name ? name : "?");
        return verdict(PP_ST_TLS_FAILED, r);
    }
    /* The chain does not lead to a root Apple's clients accept: someone
     * between this machine and Apple presents their own certificate.
     * Whether this machine trusts that issuer tells a company's inspection
     * proxy from an unknown one. */
    e_sys = verify(system_store(c), chain, name, now);
    if (e_sys == X509_V_OK) {
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
