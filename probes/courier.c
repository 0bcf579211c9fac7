/*
 * courier: the device side of Apple push.  A TLS handshake to
 * N-courier.push.apple.com on 5223 or 443 with ALPN apns-security-v3 and
 * SNI courier.push.apple.com, judged against Apple's root (interception is
 * named).  With --hold SECONDS the connection is then kept idle, as a
 * device keeps it, to catch routers and firewalls that drop idle
 * connections: how long it survived is reported.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "engine/check.h"
#include "engine/engine.h"
#include "probes/probe.h"

static enum pp_probe_rc
courier_ready(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);
    double hold = pp_check_opts(c)->hold_s;

    if (!pp_tls_judge_check(c) || hold <= 0)
        return PP_PROBE_DONE;
    pp_detail_num(r, "hold_asked_s", hold);
    pp_check_extend(c, hold * 1000.0);
    return PP_PROBE_MORE;
}

static enum pp_probe_rc
courier_io(struct pp_check *c, short revents)
{
    struct pp_result *r = pp_check_result(c);
    char buf[4096];
    ssize_t n;
    double held = pp_check_elapsed(c) / 1000.0;

    (void)revents;
    /* The courier may send data (session tickets, its own protocol);
     * only an end of the connection matters. */
    for (;;) {
        n = pp_check_recv(c, buf, sizeof(buf));
        if (n == PP_RECV_AGAIN)
            return PP_PROBE_MORE;
        if (n > 0)
            continue;
        pp_detail_num(r, "held_s", held);
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_CONN_LOST,
                     "the idle push connection was %s after %.1f s (a router or firewall that "
                     "drops idle connections breaks pushes)",
                     n == 0 ? "closed" : errno == ECONNRESET ? "reset" : "broken", held);
        return PP_PROBE_DONE;
    }
}

static void
courier_timeout(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);
    double held = pp_check_elapsed(c) / 1000.0;

    pp_detail_num(r, "held_s", held);
    pp_result_summary(r, "held idle %.0f s", held);
    pp_check_set(c, PP_ST_OK, PP_RS_TLS_OK,
                 "TLS to the courier works and the idle connection stayed up for %.0f s", held);
}

const struct pp_probe pp_probe_courier = {
    .name = "courier",
    .help = "APNs courier: TLS, ALPN apns-security-v3, Apple root; --hold keeps it idle",
    .ready = courier_ready,
    .io = courier_io,
    .timeout = courier_timeout,
};
