/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the bytes a server sends as they come off a real
 * socket: the engine runs one check against a server of this process's
 * own on 127.0.0.1 (a thread), and the input is what that server does.
 * This reaches what the pure-parser harnesses cannot: pp_check_recv over
 * plain TCP and over TLS (src/engine/check.c), the CONNECT answer as
 * tunnel.c's read_answer peeks and reads it, the TLS probe's read after
 * the handshake (probes/tls.c), the courier's reads during --hold
 * (probes/courier.c), the reply loop of SMB and AFP (probes/reply.c), the
 * APNs HTTP/2 read loop (probes/apns.c), the HTTP probes' read loop and
 * judgement (probes/httpx.c: http, https, mdm, sus), the time probe's
 * NTP answer over UDP (probes/time.c), the PAC file's fetch over http and
 * https (src/engine/fetch.c), and the negotiated ALPN as pp_tls_summarize
 * copies it (src/engine/tlsinfo.c).  Every check ends within its deadline
 * with a state, a reason and a sentence; a fetch ends with a body or an
 * error.
 *
 * Input: byte 0 the kind (tls, courier, tls through an HTTP proxy, smb,
 * afp, apns, http, https, mdm, sus, time, fetch, fetch over https); byte 1
 * how the server behaves (bits 0-1: its end: TLS close_notify and close,
 * close, reset, or wait for the client; bit 2: TLS 1.2 only; bit 3: ask
 * for a client certificate; bit 4: insist on it; bit 5: write in small
 * pieces, for time one datagram each; bit 6: through the proxy, a TLS
 * server after the answer, for time the request's transmit time echoed
 * as the answer's originate time); byte 2 the length of the ALPN the TLS
 * server picks, those bytes; the rest is what the server sends (after
 * the handshake, or as the proxy's answer, the SMB/AFP reply, the HTTP
 * response, the NTP answer).
 *
 * Only 127.0.0.1 is ever connected to: an input that holds "location" in
 * any case is not run (an HTTP redirect would be followed to wherever it
 * points), and the resolver is 127.0.0.1's discard port. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/pushprobe.h"
#include "core/loop.h"
#include "engine/engine.h"
#include "engine/fetch.h"
#include "engine/tlsctx.h"
#include "plan/plan.h"
#include "plan/proxy.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum kind { K_TLS, K_COURIER, K_TUNNEL, K_SMB, K_AFP, K_APNS, K_HTTP, K_HTTPS, K_MDM, K_SUS,
            K_TIME, K_FETCH, K_FETCHS, K__COUNT };

/* The kinds whose server speaks TLS first, and whose speaks HTTP. */
#define TLS_FIRST(k) ((k) == K_TLS || (k) == K_COURIER || (k) == K_APNS || (k) == K_HTTPS || \
                      (k) == K_MDM || (k) == K_FETCHS)
#define HTTP(k) ((k) == K_HTTP || (k) == K_HTTPS || (k) == K_MDM || (k) == K_SUS || \
                 (k) == K_FETCH || (k) == K_FETCHS)
#define FETCH(k) ((k) == K_FETCH || (k) == K_FETCHS)

#define F_END       0x03
#define F_TLS12     0x04
#define F_ASK_CERT  0x08
#define F_NEED_CERT 0x10
#define F_PIECES    0x20
#define F_TLS_AFTER 0x40
#define F_ECHO      0x40   /* time */

enum { END_NOTIFY, END_CLOSE, END_RESET, END_WAIT };

/* What the server thread serves: the current input, copied under lock. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *cur;
static size_t curlen;
static int listen_fd = -1, udp_fd = -1;
static uint16_t port, udp_port;
static SSL_CTX *sctx;
static struct pp_tls_ctx *cctx;

struct job {
    uint8_t kind, flags;
    const uint8_t *alpn;
    size_t alpnlen;
    const uint8_t *payload;
    size_t paylen;
};

static void
parse(const uint8_t *d, size_t n, struct job *j)
{
    memset(j, 0, sizeof(*j));
    j->kind = n > 0 ? d[0] % K__COUNT : K_TLS;
    j->flags = n > 1 ? d[1] : 0;
    if (n > 2) {
        j->alpnlen = d[2];
        if (j->alpnlen > n - 3)
            j->alpnlen = n - 3;
        j->alpn = d + 3;
        j->payload = d + 3 + j->alpnlen;
        j->paylen = n - 3 - j->alpnlen;
    }
}

/* ---------------------------------------------------------- the server */

/* A root (ca NULL) or a leaf it signs, as a public server has: the leaf
 * names courier.push.apple.com and 127.0.0.1, for serverAuth, 300 days. */
static X509 *
make_cert(EVP_PKEY *key, X509 *ca, EVP_PKEY *cakey)
{
    static const char *const root_ext[][2] = {
        {"basicConstraints", "critical,CA:TRUE"},
        {"keyUsage", "critical,keyCertSign,cRLSign"},
    };
    static const char *const leaf_ext[][2] = {
        {"basicConstraints", "critical,CA:FALSE"},
        {"keyUsage", "critical,digitalSignature"},
        {"extendedKeyUsage", "serverAuth"},
        {"subjectAltName", "DNS:courier.push.apple.com,IP:127.0.0.1"},
    };
    const char *const (*ext)[2] = ca == NULL ? root_ext : leaf_ext;
    X509 *x = X509_new();
    X509_NAME *nm;
    X509V3_CTX v3;
    size_t i;

    if (x == NULL)
        abort();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), ca == NULL ? 1 : 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 300L * 86400);
    nm = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)
                               (ca == NULL ? "pushprobe fuzz root" : "courier.push.apple.com"),
                               -1, -1, 0);
    X509_set_issuer_name(x, ca == NULL ? nm : X509_get_subject_name(ca));
    X509_set_pubkey(x, key);
    X509V3_set_ctx(&v3, ca == NULL ? x : ca, x, NULL, NULL, 0);
    for (i = 0; i < (ca == NULL ? 2u : 4u); i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &v3, ext[i][0], ext[i][1]);
        if (e == NULL || !X509_add_ext(x, e, -1))
            abort();
        X509_EXTENSION_free(e);
    }
    if (!X509_sign(x, ca == NULL ? key : cakey, EVP_sha256()))
        abort();
    return x;
}

/* The server's ALPN: whatever the input says, offered or not. */
static int
pick_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
          unsigned inlen, void *arg)
{
    const struct job *j = SSL_get_app_data(ssl);

    (void)in;
    (void)inlen;
    (void)arg;
    if (j == NULL || j->alpnlen == 0)
        return SSL_TLSEXT_ERR_NOACK;
    *out = j->alpn;
    *outlen = (unsigned char)j->alpnlen;
    return SSL_TLSEXT_ERR_OK;
}

static void
put(int fd, SSL *ssl, const struct job *j)
{
    size_t off = 0;

    while (off < j->paylen) {
        size_t n = j->paylen - off;

        if ((j->flags & F_PIECES) && n > 1 + (size_t)(j->payload[off] & 7))
            n = 1 + (size_t)(j->payload[off] & 7);
        if (ssl != NULL ? SSL_write(ssl, j->payload + off, (int)n) <= 0
                        : send(fd, j->payload + off, n, MSG_NOSIGNAL) <= 0)
            return;
        off += n;
    }
}

/* Read what the client sent: up to a blank line for the proxy and HTTP,
 * once (what there is) for SMB and AFP. */
static void
take(int fd, SSL *ssl, bool to_blank)
{
    char buf[4096];
    size_t n = 0;
    ssize_t got;

    while (n < sizeof(buf) - 1 &&
           (got = ssl != NULL ? SSL_read(ssl, buf + n, (int)(sizeof(buf) - 1 - n))
                              : recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0) {
        n += (size_t)got;
        buf[n] = '\0';
        if (!to_blank || strstr(buf, "\r\n\r\n") != NULL)
            break;
    }
}

static void
finish(int fd, SSL *ssl, const struct job *j)
{
    struct linger lg = {1, 0};
    char buf[512];

    switch (j->flags & F_END) {
    case END_NOTIFY:
        if (ssl != NULL)
            SSL_shutdown(ssl);
        break;
    case END_RESET:
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        break;
    case END_WAIT:
        while (ssl != NULL ? SSL_read(ssl, buf, sizeof(buf)) > 0
                           : recv(fd, buf, sizeof(buf), 0) > 0)
            ;
        break;
    default:
        break;
    }
}

static SSL *
tls_accept(int fd, struct job *j)
{
    SSL *ssl = SSL_new(sctx);

    if (ssl == NULL)
        return NULL;
    SSL_set_app_data(ssl, j);
    SSL_set_fd(ssl, fd);
    if (j->flags & F_TLS12)
        SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
    if (j->flags & (F_ASK_CERT | F_NEED_CERT))
        SSL_set_verify(ssl, SSL_VERIFY_PEER |
                       ((j->flags & F_NEED_CERT) ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
    if (SSL_accept(ssl) != 1) {
        SSL_free(ssl);
        ERR_clear_error();
        return NULL;
    }
    return ssl;
}

static void
serve(int fd, struct job *j)
{
    SSL *ssl = NULL;

    switch (j->kind) {
    case K_TUNNEL:
        take(fd, NULL, true);
        put(fd, NULL, j);
        if ((j->flags & F_TLS_AFTER) && (ssl = tls_accept(fd, j)) != NULL)
            finish(fd, ssl, j);
        else
            finish(fd, NULL, j);
        break;
    default:
        if (TLS_FIRST(j->kind) && (ssl = tls_accept(fd, j)) == NULL)
            break;
        if (!TLS_FIRST(j->kind) || HTTP(j->kind))
            take(fd, ssl, HTTP(j->kind));
        put(fd, ssl, j);
        finish(fd, ssl, j);
        break;
    }
    SSL_free(ssl);
    ERR_clear_error();
}

/* The time server: the answer to a request, in one datagram or several;
 * with F_ECHO the request's transmit time becomes the answer's originate
 * time, as a real server does. */
static void
serve_udp(const struct job *j)
{
    uint8_t req[512], *ans;
    struct sockaddr_storage from;
    socklen_t flen = sizeof(from);
    ssize_t got = recvfrom(udp_fd, req, sizeof(req), 0, (struct sockaddr *)&from, &flen);
    size_t off = 0;

    if (got < 0 || (ans = malloc(j->paylen + 1)) == NULL)
        return;
    if (j->paylen > 0)
        memcpy(ans, j->payload, j->paylen);
    if ((j->flags & F_ECHO) && got >= 48 && j->paylen >= 32)
        memcpy(ans + 24, req + 40, 8);
    do {
        size_t n = j->paylen - off;

        if ((j->flags & F_PIECES) && n > 1 + (size_t)(ans[off] & 63))
            n = 1 + (size_t)(ans[off] & 63);
        sendto(udp_fd, ans + off, n, 0, (struct sockaddr *)&from, flen);
        off += n;
    } while (off < j->paylen);
    free(ans);
}

static void *
server(void *arg)
{
    struct timeval tv = {0, 50000};   /* no client keeps the server waiting */

    (void)arg;
    for (;;) {
        struct pollfd p[2] = {{listen_fd, POLLIN, 0}, {udp_fd, POLLIN, 0}};
        int fd = -1;
        uint8_t *copy;
        size_t n;
        struct job j;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            abort();
        }
        if ((p[0].revents & POLLIN) && (fd = accept(listen_fd, NULL, NULL)) < 0 &&
            errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
            abort();
        if (fd < 0 && !(p[1].revents & POLLIN))
            continue;
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        }
        pthread_mutex_lock(&mu);
        n = curlen;
        copy = malloc(n > 0 ? n : 1);
        if (copy != NULL && n > 0)
            memcpy(copy, cur, n);
        pthread_mutex_unlock(&mu);
        if (copy != NULL) {
            parse(copy, n, &j);
            if (fd >= 0)
                serve(fd, &j);
            else
                serve_udp(&j);
            free(copy);
        }
        if (fd >= 0)
            close(fd);
    }
    return NULL;
}

static void
setup(void)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    EVP_PKEY *rootkey = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
    X509 *root, *cert;
    BIO *bio;
    pthread_t th;
    char err[256];
    const char *path;
    char *pem;
    long pemlen;

    /* As main() does: a peer gone while OpenSSL writes is an error, not
     * the end of the process. */
    signal(SIGPIPE, SIG_IGN);
    if (rootkey == NULL || key == NULL)
        abort();
    root = make_cert(rootkey, NULL, NULL);
    cert = make_cert(key, root, rootkey);
    if ((sctx = SSL_CTX_new(TLS_server_method())) == NULL ||
        SSL_CTX_use_certificate(sctx, cert) != 1 || SSL_CTX_use_PrivateKey(sctx, key) != 1 ||
        SSL_CTX_add1_chain_cert(sctx, root) != 1)
        abort();
    SSL_CTX_set_alpn_select_cb(sctx, pick_alpn, NULL);
    SSL_CTX_set_security_level(sctx, 0);
    /* The client's roots: the root, as --ca-file and --apple-ca. */
    if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(bio, root) != 1)
        abort();
    pemlen = BIO_get_mem_data(bio, &pem);
    if ((path = pp_fuzz_file("wire", (const uint8_t *)pem, (size_t)pemlen)) == NULL ||
        (cctx = pp_tls_ctx_new(path, path, err, sizeof(err))) == NULL)
        abort();
    BIO_free(bio);
    X509_free(cert);
    X509_free(root);
    EVP_PKEY_free(key);
    EVP_PKEY_free(rootkey);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((listen_fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        listen(listen_fd, 16) < 0 ||
        getsockname(listen_fd, (struct sockaddr *)&sin, &len) < 0)
        abort();
    port = ntohs(sin.sin_port);
    sin.sin_port = 0;
    len = sizeof(sin);
    if ((udp_fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
        bind(udp_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        getsockname(udp_fd, (struct sockaddr *)&sin, &len) < 0)
        abort();
    udp_port = ntohs(sin.sin_port);
    /* The UDP socket is read only when poll says so; the listener too. */
    if (pthread_create(&th, NULL, server, NULL) != 0)
        abort();
    pthread_detach(th);
}

/* ---------------------------------------------------------- the client */

static bool
memmem_nocase(const uint8_t *d, size_t n, const char *word)
{
    size_t w = strlen(word), i, k;

    for (i = 0; i + w <= n; i++) {
        for (k = 0; k < w && tolower(d[i + k]) == word[k]; k++)
            ;
        if (k == w)
            return true;
    }
    return false;
}

struct fetched {
    bool done;
    int status;
    bool body, error;
    char why[160];
};

static void
fetched(struct pp_fetch_result *res, void *arg)
{
    struct fetched *f = arg;

    f->done = true;
    f->status = res->status;
    f->body = res->body != NULL;
    f->error = res->error != NULL && res->error[0] != '\0';
    snprintf(f->why, sizeof(f->why), "%s", f->error ? res->error : "");
}

/* The PAC file's fetch, as --pac URL runs it: a body with 200, else a
 * sentence. */
static void
fetch(const struct job *j)
{
    struct pp_loop *loop = pp_loop_new();
    struct pp_fetch *f;
    struct fetched got = {false, 0, false, false, ""};
    char url[80], err[256];

    snprintf(url, sizeof(url), "%s://127.0.0.1:%u/wpad.dat",
             j->kind == K_FETCHS ? "https" : "http", port);
    f = pp_fetch_start(loop, "127.0.0.1:9", cctx, url, 1 << 20, 300, fetched, &got, err,
                       sizeof(err));
    if (f == NULL)
        abort();
    while (!got.done)
        if (pp_loop_run_once(loop, 100) < 0)
            abort();
    if (got.body == got.error || (got.body && got.status != 200))
        abort();
    if (getenv("PP_FUZZ_WIRE_SHOW") != NULL)
        fprintf(stderr, "kind %u flags 0x%02x: fetch status %d%s%s\n", j->kind, j->flags,
                got.status, got.error ? ": " : "", got.why);
    pp_fetch_free(f);
    pp_loop_free(loop);
}

/* The HTTP kinds, as --mdm, --sus and a URL target make them. */
static void
add_web(struct pp_plan *plan, const struct job *j)
{
    char url[80], err[256];
    int rc;

    snprintf(url, sizeof(url), "%s://127.0.0.1:%u/%s", j->kind == K_HTTP || j->kind == K_SUS
             ? "http" : "https", port, j->kind == K_SUS ? "index.sucatalog" : "");
    if (j->kind == K_MDM)
        rc = pp_plan_add_mdm(plan, url, err, sizeof(err));
    else if (j->kind == K_SUS)
        rc = pp_plan_add_sus(plan, url, err, sizeof(err));
    else
        rc = pp_plan_add_free(plan, url, err, sizeof(err));
    if (rc < 0)
        abort();
}

static struct pp_target *
target(const struct job *j)
{
    static const char *const probe[K__COUNT] = {
        [K_TLS] = "tls", [K_COURIER] = "courier", [K_TUNNEL] = "tls", [K_SMB] = "smb",
        [K_AFP] = "afp", [K_APNS] = "apns", [K_TIME] = "time",
    };
    static const enum pp_service sv[K__COUNT] = {
        [K_TLS] = PP_SV_CUSTOM, [K_COURIER] = PP_SV_APNS_DEVICE, [K_TUNNEL] = PP_SV_CUSTOM,
        [K_SMB] = PP_SV_SMB, [K_AFP] = PP_SV_AFP, [K_APNS] = PP_SV_APNS_PROVIDER,
        [K_TIME] = PP_SV_TIME,
    };
    struct pp_target *t = pp_target_new(sv[j->kind], "127.0.0.1",
                                        j->kind == K_TIME ? udp_port : port, probe[j->kind], true);
    char url[64], err[256];

    t->tls = TLS_FIRST(j->kind) || j->kind == K_TUNNEL;
    if (t->tls)
        t->verify_name = strdup("courier.push.apple.com");
    if (j->kind == K_COURIER) {
        t->trust = PP_TRUST_APPLE_COURIER;
        t->alpn = strdup("apns-security-v3");
    } else if (j->kind == K_APNS) {
        t->trust = PP_TRUST_APPLE_PUBLIC;
        t->alpn = strdup("h2");
    } else if (j->kind == K_TUNNEL) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
        if (pp_via_parse(url, false, &t->via, err, sizeof(err)) < 0)
            abort();
        t->tunnel = true;
    }
    return t;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_engine_opts o;
    struct pp_report rep;
    struct pp_plan plan;
    struct job j;
    char err[256];
    size_t i;

    if (size > 65536 || memmem_nocase(data, size, "location"))
        return 0;
    if (listen_fd < 0)
        setup();
    pthread_mutex_lock(&mu);
    free(cur);
    cur = malloc(size > 0 ? size : 1);
    if (cur == NULL)
        abort();
    memcpy(cur, data, size);
    curlen = size;
    pthread_mutex_unlock(&mu);

    parse(data, size, &j);
    if (FETCH(j.kind)) {
        fetch(&j);
        return 0;
    }
    memset(&o, 0, sizeof(o));
    o.timeout_s = 0.3;   /* a silent end is a timeout soon: more inputs a second */
    o.parallel = 4;
    o.want_v4 = true;
    o.tls = cctx;
    o.hold_s = j.kind == K_COURIER ? 0.05 : 0;
    o.resolver = "127.0.0.1:9";
    pp_plan_init(&plan);
    if (HTTP(j.kind))
        add_web(&plan, &j);
    else
        pp_plan_add(&plan, target(&j));
    memset(&rep, 0, sizeof(rep));
    if (pp_engine_run(&plan, &o, &rep, err, sizeof(err)) < 0)
        abort();
    if (rep.n == 0)
        abort();
    for (i = 0; i < rep.n; i++) {
        const struct pp_result *r = rep.results[i];

        if (r->state == PP_ST_PENDING || r->message == NULL || r->message[0] == '\0')
            abort();
        if (strlen(r->tls.alpn) >= sizeof(r->tls.alpn))
            abort();
        if (getenv("PP_FUZZ_WIRE_SHOW") != NULL)   /* what each seed does */
            fprintf(stderr, "kind %u flags 0x%02x: %s/%s alpn '%s': %s\n", j.kind, j.flags,
                    pp_state_name(r->state), pp_reason_name(r->reason), r->tls.alpn,
                    r->message);
    }
    pp_report_free(&rep);
    pp_plan_free(&plan);
    return 0;
}
