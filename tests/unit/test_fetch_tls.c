/* SPDX-License-Identifier: ISC */
/* One HTTPS GET on the loop (src/engine/fetch.h), against an OpenSSL
 * server on loopback driven from the same loop.  The certificates are made
 * here: an EC root, a leaf for 127.0.0.1 and a leaf for another name, both
 * signed by the root; the root goes to a temporary PEM file for
 * pp_tls_ctx_new().  Cases: a trusted chain, no --ca-file, the wrong name,
 * a server that closes at once or speaks plain HTTP, a server that never
 * answers, the end without close_notify, a body over the cap.  A watchdog
 * alarm turns a hang into a failure. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/loop.h"
#include "core/util.h"
#include "engine/fetch.h"
#include "engine/tlsctx.h"

/* ---------------------------------------------------------------- certificates */

static EVP_PKEY *
ec_key(void)
{
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    EVP_PKEY *k = NULL;

    assert_non_null(kc);
    assert_int_equal(EVP_PKEY_keygen_init(kc), 1);
    assert_int_equal(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1), 1);
    assert_int_equal(EVP_PKEY_keygen(kc, &k), 1);
    EVP_PKEY_CTX_free(kc);
    return k;
}

static void
add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, v3, nid, value);

    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/* A certificate for key named cn, signed by issuer (NULL: self-signed, a
 * CA); san: the leaf's subjectAltName. */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *san)
{
    static long serial = 1;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX v3;
    bool ca = issuer == NULL;

    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL) % 100000 * 100 + serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), (ca ? 365L : 90L) * 86400);
    X509_set_pubkey(x, key);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, ca ? name : X509_get_subject_name(issuer));
    X509_NAME_free(name);
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, ca ? x : issuer, x, NULL, NULL, 0);
    add_ext(x, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_ext(x, &v3, NID_key_usage, ca ? "critical,keyCertSign,cRLSign"
                                      : "critical,digitalSignature");
    add_ext(x, &v3, NID_subject_key_identifier, "hash");
    add_ext(x, &v3, NID_authority_key_identifier, "keyid:always");
    if (!ca) {
        add_ext(x, &v3, NID_ext_key_usage, "serverAuth");
        add_ext(x, &v3, NID_subject_alt_name, san);
    }
    assert_true(X509_sign(x, ca ? key : issuer_key, EVP_sha256()) > 0);
    return x;
}

/* A server context presenting a leaf signed by the root. */
static SSL_CTX *
server_ctx(X509 *root, EVP_PKEY *root_key, const char *cn, const char *san)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EVP_PKEY *k = ec_key();
    X509 *leaf = make_cert(cn, k, root, root_key, san);

    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_use_certificate(ctx, leaf), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, k), 1);
    X509_free(leaf);
    EVP_PKEY_free(k);
    return ctx;
}

struct fixture {
    char dir[64], root_pem[96];
    SSL_CTX *good;     /* a leaf for IP 127.0.0.1 */
    SSL_CTX *other;    /* a leaf for other.example */
};

static int
setup(void **state)
{
    static struct fixture fx;
    EVP_PKEY *rk = ec_key();
    X509 *root = make_cert("pushprobe test root", rk, NULL, NULL, NULL);
    FILE *fp;

    snprintf(fx.dir, sizeof(fx.dir), "/tmp/pp_fetch_tls.XXXXXX");
    assert_non_null(mkdtemp(fx.dir));
    snprintf(fx.root_pem, sizeof(fx.root_pem), "%s/root.pem", fx.dir);
    fp = fopen(fx.root_pem, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_X509(fp, root), 1);
    assert_int_equal(fclose(fp), 0);
    fx.good = server_ctx(root, rk, "127.0.0.1", "IP:127.0.0.1");
    fx.other = server_ctx(root, rk, "other.example", "DNS:other.example");
    X509_free(root);
    EVP_PKEY_free(rk);
    *state = &fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    SSL_CTX_free(fx->good);
    SSL_CTX_free(fx->other);
    unlink(fx->root_pem);
    rmdir(fx->dir);
    return 0;
}

/* ---------------------------------------------------------------- the server */

enum mode {
    M_CLOSE,     /* close right after accept */
    M_PLAIN,     /* answer the ClientHello with plain HTTP */
    M_TLS,       /* the handshake, then reply (NULL: say nothing) */
};

struct server {
    struct pp_loop *loop;
    SSL_CTX *ctx;
    enum mode mode;
    const char *reply;
    bool notify;           /* SSL_shutdown() before closing */
    int lfd, cfd;
    SSL *ssl;
    char req[4096];
    size_t reqlen;
    bool done;
    struct pp_fetch_result res;
};

static void
drop(struct server *s)
{
    if (s->ssl != NULL) {
        SSL_free(s->ssl);
        s->ssl = NULL;
    }
    if (s->cfd >= 0) {
        pp_loop_unwatch(s->loop, s->cfd);
        close(s->cfd);
        s->cfd = -1;
    }
}

/* An OpenSSL call's result: true to go on; false when waiting (the
 * events are set) or when the connection is dropped. */
static bool
ssl_ok(struct server *s, int rc)
{
    int e;

    if (rc > 0)
        return true;
    e = SSL_get_error(s->ssl, rc);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        pp_loop_events(s->loop, s->cfd, e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN);
        return false;
    }
    drop(s);
    return false;
}

static void
on_tls_client(int fd, short revents, void *arg)
{
    struct server *s = arg;
    int n;

    (void)fd;
    (void)revents;
    if (!SSL_is_init_finished(s->ssl) && !ssl_ok(s, SSL_do_handshake(s->ssl)))
        return;
    while (memmem(s->req, s->reqlen, "\r\n\r\n", 4) == NULL) {
        if (s->reqlen >= sizeof(s->req)) {
            drop(s);
            return;
        }
        n = SSL_read(s->ssl, s->req + s->reqlen, (int)(sizeof(s->req) - s->reqlen));
        if (!ssl_ok(s, n))
            return;
        s->reqlen += (size_t)n;
    }
    if (s->reply == NULL) {
        /* Silent: the request is read; keep the connection open. */
        pp_loop_events(s->loop, s->cfd, 0);
        return;
    }
    assert_int_equal(SSL_write(s->ssl, s->reply, (int)strlen(s->reply)), (int)strlen(s->reply));
    if (s->notify)
        SSL_shutdown(s->ssl);
    drop(s);
}

static void
on_plain_client(int fd, short revents, void *arg)
{
    struct server *s = arg;
    static const char plain[] = "HTTP/1.0 200 OK\r\n\r\n";
    char buf[2048];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);

    (void)revents;
    if (n > 0)
        assert_int_equal(send(fd, plain, strlen(plain), MSG_NOSIGNAL), (ssize_t)strlen(plain));
    drop(s);
}

static void
on_accept(int fd, short revents, void *arg)
{
    struct server *s = arg;

    (void)revents;
    drop(s);
    s->cfd = accept(fd, NULL, NULL);
    if (s->cfd < 0)
        return;
    if (s->mode == M_CLOSE) {
        close(s->cfd);
        s->cfd = -1;
        return;
    }
    assert_int_equal(fcntl(s->cfd, F_SETFL, fcntl(s->cfd, F_GETFL) | O_NONBLOCK), 0);
    if (s->mode == M_PLAIN) {
        pp_loop_watch(s->loop, s->cfd, POLLIN, on_plain_client, s);
        return;
    }
    s->ssl = SSL_new(s->ctx);
    assert_non_null(s->ssl);
    assert_int_equal(SSL_set_fd(s->ssl, s->cfd), 1);
    SSL_set_accept_state(s->ssl);
    s->reqlen = 0;
    pp_loop_watch(s->loop, s->cfd, POLLIN, on_tls_client, s);
}

static void
on_fetched(struct pp_fetch_result *r, void *arg)
{
    struct server *s = arg;

    s->res = *r;
    r->body = r->error = NULL;
    s->done = true;
}

struct tcase {
    enum mode mode;
    bool other;            /* present the leaf for other.example */
    bool ca_file;          /* trust the test root (--ca-file) */
    bool notify;           /* close_notify before closing */
    const char *reply;
    size_t max;
    int status;
    const char *body;      /* NULL: none */
    const char *error;     /* NULL: none; else in the error, with error2 */
    const char *error2;
    bool too_large;
    int min_ms;            /* the fetch lasts at least this long */
};

/* Fetch https://127.0.0.1:PORT/proxy.pac from a fresh server. */
static struct pp_fetch_result
fetch(const struct fixture *fx, const struct tcase *c, int timeout_ms)
{
    struct server s;
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    struct pp_tls_ctx *tls;
    struct pp_fetch *f;
    char url[64], err[300];

    memset(&s, 0, sizeof(s));
    s.loop = pp_loop_new();
    s.ctx = c->other ? fx->other : fx->good;
    s.mode = c->mode;
    s.reply = c->reply;
    s.notify = c->notify;
    s.cfd = -1;
    tls = pp_tls_ctx_new(c->ca_file ? fx->root_pem : NULL, NULL, err, sizeof(err));
    if (tls == NULL)
        fail_msg("%s", err);
    s.lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s.lfd, (struct sockaddr *)&a, &al), 0);
    assert_int_equal(listen(s.lfd, 4), 0);
    pp_loop_watch(s.loop, s.lfd, POLLIN, on_accept, &s);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/proxy.pac", (unsigned)ntohs(a.sin_port));
    f = pp_fetch_start(s.loop, NULL, tls, url, c->max, timeout_ms, on_fetched, &s, err,
                       sizeof(err));
    if (f == NULL)
        fail_msg("%s", err);
    while (!s.done)
        assert_true(pp_loop_run_once(s.loop, -1) >= 0);
    pp_fetch_free(f);
    drop(&s);
    pp_loop_unwatch(s.loop, s.lfd);
    close(s.lfd);
    pp_loop_free(s.loop);
    pp_tls_ctx_free(tls);
    return s.res;
}

static void
run_cases(void **state, const struct tcase *v, size_t n, int timeout_ms)
{
    size_t i;

    alarm(30);
    for (i = 0; i < n; i++) {
        int64_t t0 = pp_now_ms();
        struct pp_fetch_result r = fetch(*state, &v[i], timeout_ms);
        int64_t took = pp_now_ms() - t0;

        if (took > 2000 || took < v[i].min_ms || r.status != v[i].status ||
            r.too_large != v[i].too_large || (v[i].body == NULL) != (r.body == NULL) ||
            (v[i].body != NULL && (r.len != strlen(v[i].body) || strcmp(r.body, v[i].body))) ||
            (v[i].error == NULL) != (r.error == NULL) ||
            (v[i].error != NULL && strstr(r.error, v[i].error) == NULL) ||
            (v[i].error2 != NULL && (r.error == NULL || strstr(r.error, v[i].error2) == NULL)))
            fail_msg("case %zu: %lld ms, status %d body '%s' error '%s'", i, (long long)took,
                     r.status, r.body ? r.body : "(none)", r.error ? r.error : "(none)");
        pp_fetch_result_free(&r);
    }
    alarm(0);
}

#define OK_REPLY "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define LONG_BODY "01234567890123456789"

/* The chain: trusted through the CA file, untrusted without it, the
 * wrong name. */
static void
test_chains(void **state)
{
    static const struct tcase v[] = {
        {.mode = M_TLS, .ca_file = true, .notify = true, .reply = OK_REPLY, .max = 100,
         .status = 200, .body = "hello"},
        {.mode = M_TLS, .notify = true, .reply = OK_REPLY, .max = 100,
         .error = "the certificate of 127.0.0.1 is refused (cert-untrusted)"},
        {.mode = M_TLS, .other = true, .ca_file = true, .notify = true, .reply = OK_REPLY,
         .max = 100, .error = "the certificate of 127.0.0.1 is refused (name-mismatch)"},
    };

    run_cases(state, v, sizeof(v) / sizeof(v[0]), 2000);
}

/* Servers that are not TLS, or never answer: an error, soon, or at the
 * deadline. */
static void
test_broken_servers(void **state)
{
    static const struct tcase v[] = {
        {.mode = M_CLOSE, .ca_file = true, .max = 100, .error = "cannot connect to 127.0.0.1",
         .error2 = "TLS: "},
        {.mode = M_PLAIN, .ca_file = true, .max = 100, .error = "cannot connect to 127.0.0.1",
         .error2 = "does not speak TLS"},
        {.mode = M_TLS, .ca_file = true, .max = 100,
         .error = "no answer from 127.0.0.1 in time", .min_ms = 300},
    };

    run_cases(state, v, sizeof(v) / sizeof(v[0]), 300);
}

/* The end of the body without close_notify, with and without a length
 * (and with close_notify); a body over the cap; a body cut short. */
static void
test_bodies(void **state)
{
    static const struct tcase v[] = {
        {.mode = M_TLS, .ca_file = true, .reply = OK_REPLY, .max = 100, .status = 200,
         .body = "hello"},
        {.mode = M_TLS, .ca_file = true, .reply = "HTTP/1.0 200 OK\r\n\r\nuntil close",
         .max = 100, .status = 200, .body = "until close"},
        {.mode = M_TLS, .ca_file = true, .notify = true,
         .reply = "HTTP/1.0 200 OK\r\n\r\nuntil close_notify", .max = 100, .status = 200,
         .body = "until close_notify"},
        {.mode = M_TLS, .ca_file = true, .notify = true,
         .reply = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" LONG_BODY, .max = 10,
         .status = 200, .error = "over 10 bytes", .too_large = true},
        {.mode = M_TLS, .ca_file = true, .reply = "HTTP/1.0 200 OK\r\n\r\n" LONG_BODY,
         .max = 10, .status = 200, .error = "over 10 bytes", .too_large = true},
        /* Cut short without close_notify: the length, or the chunks, say
         * the body is not whole. */
        {.mode = M_TLS, .ca_file = true,
         .reply = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nhello", .max = 100,
         .status = 200, .error = "closed in the middle of the response body"},
        {.mode = M_TLS, .ca_file = true,
         .reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
         .max = 100, .status = 200, .error = "closed in the middle of the response body"},
    };

    run_cases(state, v, sizeof(v) / sizeof(v[0]), 2000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_broken_servers),
        cmocka_unit_test(test_bodies),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
