/* SPDX-License-Identifier: ISC */
/*
 * courier: the device side of Apple push.  A TLS handshake to
 * N-courier.push.apple.com on 5223 or 443 with ALPN apns-security-v3 and
 * SNI courier.push.apple.com, judged against Apple's root (interception is
 * named).  With --hold SECONDS the connection is then kept idle, as a
 * device keeps it, to catch routers and firewalls that drop idle
 * connections: how long it survived is reported.
 *
 * An idle connection that is still open on this side proves nothing: a NAT
 * or firewall that forgot the flow drops its packets without a word.  So
 * after the hold the connection must carry traffic again: a TLS 1.3
 * KeyUpdate record, which the server's TCP must acknowledge (the send
 * queue drains: Linux SIOCOUTQ, macOS SO_NWRITE), or, with TLS 1.2, TCP
 * keepalive probes whose ACK the kernel notes (Linux).  Bytes from the
 * server count as well.  No answer within --timeout: the flow was
 * forgotten (conn-lost).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/netx.h"
#include "engine/check.h"
#include "engine/engine.h"
#include "probes/probe.h"

enum stage { ST_HOLD, ST_PROBE };

struct courier {
    enum stage stage;
    const char *method;      /* how liveness is proven: "tls-key-update", ... */
    double held;             /* seconds idle when the hold ended */
    double probe_at;         /* pp_check_elapsed() when the proof started */
    unsigned long read_before;
    double until;            /* pp_check_elapsed() when the proof gives up */
    bool flush;              /* the KeyUpdate still has to be written */
};

#define TICK_MS 20.0         /* how often the send queue is looked at */

static enum pp_probe_rc
courier_ready(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);
    double hold = pp_check_opts(c)->hold_s;
    struct courier *d;

    if (!pp_tls_judge_check(c) || hold <= 0)
        return PP_PROBE_DONE;
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        pp_check_set(c, PP_ST_ERROR, PP_RS_LOCAL_RESOURCE, "out of memory");
        return PP_PROBE_DONE;
    }
    pp_check_set_data(c, d);
    pp_detail_num(r, "hold_asked_s", hold);
    pp_check_stepf(c, PP_STEP_PROBE, PP_STEP_V, "holding the connection idle for %.0f s "
                   "(--hold)", hold);
    pp_check_extend(c, hold * 1000.0);
    return PP_PROBE_MORE;
}

static void
alive(struct pp_check *c, struct courier *d)
{
    struct pp_result *r = pp_check_result(c);
    double ms = pp_check_elapsed(c) - d->probe_at;

    pp_detail_str(r, "liveness", d->method);
    pp_detail_num(r, "liveness_ms", ms);
    pp_result_summary(r, "held idle %.0f s, still carries traffic", d->held);
    pp_check_set(c, PP_ST_OK, PP_RS_TLS_OK,
                 "TLS to the courier works, and after %.0f s idle the connection still "
                 "carries traffic (%s in %.0f ms)", d->held,
                 strcmp(d->method, "tls-key-update") == 0 ? "a TLS key update was acknowledged"
                                                          : "TCP keepalive probes were answered",
                 ms);
}

static void
forgotten(struct pp_check *c, struct courier *d)
{
    struct pp_result *r = pp_check_result(c);

    pp_detail_str(r, "liveness", d->method);
    pp_detail_num(r, "held_s", d->held);
    pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_CONN_LOST,
                 "after %.0f s idle the push connection no longer carries traffic: %s no "
                 "answer (a NAT or firewall forgot the idle connection; its idle timeout is "
                 "shorter than push's keepalive)", d->held,
                 strcmp(d->method, "tls-key-update") == 0 ? "a TLS key update got"
                                                          : "TCP keepalive probes got");
}

/* Write the KeyUpdate; false when the connection failed. */
static bool
flush_key_update(struct pp_check *c, struct courier *d)
{
    SSL *ssl = pp_check_ssl(c);
    int rc;

    ERR_clear_error();
    rc = SSL_do_handshake(ssl);
    if (rc == 1) {
        d->flush = false;
        pp_check_want(c, POLLIN);
        return true;
    }
    rc = SSL_get_error(ssl, rc);
    ERR_clear_error();
    if (rc == SSL_ERROR_WANT_WRITE || rc == SSL_ERROR_WANT_READ) {
        d->flush = rc == SSL_ERROR_WANT_WRITE;
        pp_check_want(c, d->flush ? POLLIN | POLLOUT : POLLIN);
        return true;
    }
    return false;
}

static enum pp_probe_rc
courier_io(struct pp_check *c, short revents)
{
    struct pp_result *r = pp_check_result(c);
    struct courier *d = pp_check_data(c);
    char buf[4096];
    ssize_t n;
    double held = pp_check_elapsed(c) / 1000.0;

    if (d != NULL && d->stage == ST_PROBE && d->flush && (revents & POLLOUT) &&
        !flush_key_update(c, d)) {
        forgotten(c, d);
        return PP_PROBE_DONE;
    }
    /* The courier may send data (session tickets, its own protocol);
     * during the hold only an end of the connection matters. */
    for (;;) {
        n = pp_check_recv(c, buf, sizeof(buf));
        if (n == PP_RECV_AGAIN) {
            /* A KeyUpdate is read inside OpenSSL: bytes came all the same. */
            if (d != NULL && d->stage == ST_PROBE &&
                BIO_number_read(SSL_get_rbio(pp_check_ssl(c))) > d->read_before) {
                alive(c, d);
                return PP_PROBE_DONE;
            }
            if (d != NULL && d->stage == ST_PROBE)
                pp_check_want(c, d->flush ? POLLIN | POLLOUT : POLLIN);
            return PP_PROBE_MORE;
        }
        if (n > 0) {
            if (d != NULL && d->stage == ST_PROBE) {
                alive(c, d);
                return PP_PROBE_DONE;
            }
            continue;
        }
        if (d != NULL && d->stage == ST_PROBE) {
            pp_detail_str(r, "liveness", d->method);
            held = d->held;
        }
        pp_detail_num(r, "held_s", held);
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_CONN_LOST,
                     "the idle push connection was %s after %.1f s (a router or firewall that "
                     "drops idle connections breaks pushes)",
                     n == 0 ? "closed" : errno == ECONNRESET ? "reset"
                                       : errno == ETIMEDOUT ? "timed out" : "broken", held);
        return PP_PROBE_DONE;
    }
}

/* The hold is over: make the connection carry traffic again. */
static void
start_proof(struct pp_check *c, struct courier *d)
{
    struct pp_result *r = pp_check_result(c);
    SSL *ssl = pp_check_ssl(c);
    double wait_ms = pp_check_opts(c)->timeout_s * 1000.0;

    d->held = pp_check_elapsed(c) / 1000.0;
    d->probe_at = pp_check_elapsed(c);
    pp_detail_num(r, "held_s", d->held);
#ifdef TLS1_3_VERSION
    if (SSL_version(ssl) == TLS1_3_VERSION &&
        pp_netx_unacked(pp_check_fd(c)) >= 0 &&
        SSL_key_update(ssl, SSL_KEY_UPDATE_NOT_REQUESTED) == 1) {
        d->stage = ST_PROBE;
        d->method = "tls-key-update";
        pp_check_stepf(c, PP_STEP_PROBE, PP_STEP_V, "held %.0f s idle; a TLS key update "
                       "must be acknowledged", d->held);
        d->read_before = BIO_number_read(SSL_get_rbio(ssl));
        if (!flush_key_update(c, d)) {
            forgotten(c, d);
            return;
        }
        d->until = d->probe_at + wait_ms;
        pp_check_extend(c, TICK_MS);
        return;
    }
    ERR_clear_error();
#endif
    if (pp_netx_keepalive_now(pp_check_fd(c))) {
        d->stage = ST_PROBE;
        d->method = "tcp-keepalive";
        pp_check_stepf(c, PP_STEP_PROBE, PP_STEP_V, "held %.0f s idle; TCP keepalive probes "
                       "must be answered", d->held);
        d->until = d->probe_at + wait_ms;
        pp_check_extend(c, TICK_MS);
        return;
    }
    /* Nothing here can prove the path: say so, do not claim it. */
    pp_detail_str(r, "liveness", "not-proven");
    pp_result_summary(r, "held idle %.0f s (liveness not proven)", d->held);
    pp_check_set(c, PP_ST_OK, PP_RS_TLS_OK,
                 "TLS to the courier works and the idle connection stayed open on this side "
                 "for %.0f s (TLS 1.2 without TCP keepalive control here: whether the path "
                 "still carries it is not proven)", d->held);
}

static void
courier_timeout(struct pp_check *c)
{
    struct courier *d = pp_check_data(c);
    double ago;

    if (d == NULL) {
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_NO_RESPONSE, "the courier did not answer in time");
        return;
    }
    if (d->stage == ST_HOLD) {
        start_proof(c, d);
        return;
    }
    if (strcmp(d->method, "tls-key-update") == 0) {
        /* Written and acknowledged: the path carries the connection. */
        if (!d->flush && pp_netx_unacked(pp_check_fd(c)) == 0) {
            alive(c, d);
            return;
        }
    } else if (pp_netx_last_ack_ms(pp_check_fd(c), &ago) &&
               ago < pp_check_elapsed(c) - d->probe_at) {
        /* Keepalive: an ACK since the probes started is the answer. */
        alive(c, d);
        return;
    }
    if (pp_check_elapsed(c) < d->until) {
        pp_check_extend(c, TICK_MS);
        return;
    }
    forgotten(c, d);
}

const struct pp_probe pp_probe_courier = {
    .name = "courier",
    .help = "APNs courier: TLS, ALPN apns-security-v3, Apple root; --hold keeps it idle, "
            "then proves it still carries traffic",
    .ready = courier_ready,
    .io = courier_io,
    .timeout = courier_timeout,
    .cleanup = pp_check_free_data,
};
