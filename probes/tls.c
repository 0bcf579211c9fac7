/* SPDX-License-Identifier: ISC */
/* tls: a TLS handshake, then the chain judged for the target's trust. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

#include "engine/check.h"
#include "probes/probe.h"
#include "engine/tlscore.h"

/* How long a TLS 1.3 server that asked for a client certificate has to
 * refuse its absence (certificate_required comes after the handshake). */
#define TLS13_CLIENT_CERT_WAIT_MS 500

/* -v: the chain as served, one step per certificate, and the verdict. */
static void
show_chain(struct pp_check *c, const struct pp_tls_info *i, const char *msg)
{
    size_t k;

    for (k = 0; k < i->nserved; k++) {
        const struct pp_cert_info *ci = &i->served[k];
        pp_check_stepf(c, PP_STEP_TLS, PP_STEP_V, "certificate %zu: subject %s, issuer %s, "
                       "notAfter %s", k, ci->subject ? ci->subject : "?",
                       ci->issuer ? ci->issuer : "?", ci->not_after[0] ? ci->not_after : "?");
    }
    if (i->nserved == 0)
        pp_check_step(c, PP_STEP_TLS, PP_STEP_V, "no certificate served");
    pp_check_stepf(c, PP_STEP_TLS, PP_STEP_V, "verify %s%s%s; %s", i->verified ? "ok" : "failed",
                   i->verify_error ? ", " : "", i->verify_error ? i->verify_error : "", msg);
}

bool
pp_tls_judge_check(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);
    const struct pp_target *t = r->target;
    SSL *ssl = pp_check_ssl(c);
    char msg[768];
    struct pp_verdict v;
    const char *name = t->verify_name ? t->verify_name : t->host;
    const unsigned char *ocsp = NULL;
    long n = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp);

    v = pp_tls_judge(pp_check_tls_ctx(c), SSL_get_peer_cert_chain(ssl), t->trust, name,
                     time(NULL), n > 0 ? ocsp : NULL, n > 0 ? (size_t)n : 0, &r->tls, msg,
                     sizeof(msg));
    pp_check_set(c, v.state, v.reason, "%s", msg);
    if (pp_check_stepping(c, PP_STEP_V))
        show_chain(c, &r->tls, msg);
    return v.state == PP_ST_OK;
}

static enum pp_probe_rc
tls_ready(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);

    if (!pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    if (r->tls.client_cert_requested && SSL_version(pp_check_ssl(c)) >= TLS1_3_VERSION) {
        pp_check_extend(c, TLS13_CLIENT_CERT_WAIT_MS);
        pp_check_want(c, POLLIN);
        return PP_PROBE_MORE;
    }
    return PP_PROBE_DONE;
}

/* After the handshake: anything but an alert keeps the verdict. */
static enum pp_probe_rc
tls_io(struct pp_check *c, short revents)
{
    struct pp_result *r = pp_check_result(c);
    char buf[512];
    ssize_t n = pp_check_recv(c, buf, sizeof(buf));

    (void)revents;
    if (n == PP_RECV_AGAIN)
        return PP_PROBE_MORE;
    if (n == PP_RECV_ERROR && r->tls.alert >= 0 && pp_tls_alert_client_cert(r->tls.alert, true))
        pp_check_set(c, PP_ST_TLS_FAILED, PP_RS_CLIENT_CERT_REQUIRED,
                     "the server requires a client certificate: it asked for one and ended "
                     "the connection with the TLS alert '%s' without it",
                     pp_tls_alert_desc(r->tls.alert));
    return PP_PROBE_DONE;
}

/* The server asked for a certificate and did not insist: the judgement
 * stands. */
static void
tls_timeout(struct pp_check *c)
{
    (void)c;
}

const struct pp_probe pp_probe_tls = {
    .name = "tls",
    .help = "TLS handshake with SNI and ALPN; chain, name, dates and expected issuer judged",
    .ready = tls_ready,
    .io = tls_io,
    .timeout = tls_timeout,
};
