/* TLS handshake state machine and chain judgement; see tlscore.h. */
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

struct pp_tls_ctx {
    SSL_CTX *ssl;
    X509_STORE *store[PP_TRUST__COUNT];
    bool system_loaded;   /* the system's roots join store[SYSTEM] on first use */
    STACK_OF(X509) *added; /* roots a user or an MDM added (--ca-file, System keychain) */
    bool apple_added;      /* --apple-ca replaced the compiled-in Apple roots */
    int warn_days;
    bool keep_chains;      /* describe the chains into each result */
    bool warm;            /* pp_tls_ctx_warm() ran */
};

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
static void
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

static X509_STORE *system_store(struct pp_tls_ctx *c);

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

static struct pp_verdict
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
                 SSL_alert_desc_string_long(alert), pp_tls_alert_meaning(alert, asked));
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

/* The system store, with the system's roots loaded on first use: a run
 * whose chains all lead to Apple's roots never pays for parsing them. */
static X509_STORE *
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
    char *cn = cn_text(at, false), *iss = cn_text(last, true), *aia;
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
        if (pr->rule == PP_RS_LEAF_IS_CA) {
            v.reason = PP_RS_LEAF_IS_CA;
            snprintf(msg, msglen, "Apple devices refuse this certificate: %s", pr->msg);
        } else if (issuer_unfound(vr->err) && n == 1 &&
                   ((aia = aia_ca_issuers(last)) != NULL || sk_X509_num(c->added) > 0)) {
            /* The leaf's issuer is neither sent nor held here.  Its AIA
             * pointer or the roots given with --ca-file say it is an
             * intermediate, not the company's root. */
            v.reason = PP_RS_CHAIN_INCOMPLETE;
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

struct pp_verdict
pp_tls_judge(struct pp_tls_ctx *c, STACK_OF(X509) *chain, enum pp_trust trust,
             const char *name, time_t now, const unsigned char *ocsp, size_t ocsp_len,
             struct pp_tls_info *info, char *msg, size_t msglen)
{
    struct vres vr, vs;
    struct pp_cp_input in;
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
    memset(&in, 0, sizeof(in));
    in.chain = vr.built != NULL && sk_X509_num(vr.built) > 0 ? vr.built : chain;
    in.anchor = info->anchor;
    in.name = name;
    in.now = now;
    in.warn_days = c->warn_days;
    pp_certpolicy_check(&in, &pr);
    info->policy_ran = true;
    info->policy_rule = pr.rule;
    info->policy_depth = pr.depth;
    info->policy_msg = pr.rule != PP_RS_NONE ? pp_xstrdup(pr.msg) : NULL;
    info->min_days_left = pr.min_days_left;
    if (pr.expiring_depth >= 0)
        pp_tls_warn(info, "expires-soon", "%s", pr.expiring_msg);
    info->ocsp = ocsp_status(ocsp, ocsp_len, chain, vr.built, store);
    if (vr.err == X509_V_OK) {
        info->verified = true;
        if (pr.rule != PP_RS_NONE) {
            snprintf(msg, msglen, "Apple devices refuse this certificate: %s", pr.msg);
            v = verdict(PP_ST_TLS_FAILED, pr.rule);
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
        sk_X509_pop_free(vr.built, X509_free);
        return v;
    }
    info->verify_error = pp_xstrdup(X509_verify_cert_error_string(vr.err));
    if (trust == PP_TRUST_SYSTEM) {
        v = system_failure(c, chain, &vr, &pr, name, info, msg, msglen);
        sk_X509_pop_free(vr.built, X509_free);
        return v;
    }
    sk_X509_pop_free(vr.built, X509_free);
    if (vr.err == X509_V_ERR_CERT_HAS_EXPIRED || vr.err == X509_V_ERR_CERT_NOT_YET_VALID) {
        snprintf(msg, msglen,
                 "the certificate chain leads to Apple's root but is outside its validity "
                 "(not after %s): check this machine's clock",
                 info->not_after);
        return verdict(PP_ST_TLS_FAILED, vr.err == X509_V_ERR_CERT_HAS_EXPIRED
                                             ? PP_RS_CERT_EXPIRED : PP_RS_CERT_NOT_YET_VALID);
    }
    if (vr.err == X509_V_ERR_HOSTNAME_MISMATCH || vr.err == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        if (pr.rule == PP_RS_SAN_MISSING) {
            snprintf(msg, msglen, "the certificate leads to Apple's root but %s", pr.msg);
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
