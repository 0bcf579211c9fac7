/* tls: a TLS handshake, then the chain judged for the target's trust. */
#include "config.h"

#include <time.h>

#include "engine/check.h"
#include "probes/probe.h"
#include "engine/tlscore.h"

bool
pp_tls_judge_check(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);
    const struct pp_target *t = r->target;
    SSL *ssl = pp_check_ssl(c);
    char msg[512];
    struct pp_verdict v;
    const char *name = t->verify_name ? t->verify_name : t->host;

    v = pp_tls_judge(pp_check_tls_ctx(c), SSL_get_peer_cert_chain(ssl),
                     t->trust, name, time(NULL), &r->tls, msg, sizeof(msg));
    pp_check_set(c, v.state, v.reason, "%s", msg);
    return v.state == PP_ST_OK;
}

static enum pp_probe_rc
tls_ready(struct pp_check *c)
{
    pp_tls_judge_check(c);
    return PP_PROBE_DONE;
}

const struct pp_probe pp_probe_tls = {
    .name = "tls",
    .help = "TLS handshake with SNI and ALPN; chain, name, dates and expected issuer judged",
    .ready = tls_ready,
};
