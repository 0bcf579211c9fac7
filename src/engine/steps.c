/* SPDX-License-Identifier: ISC */
/*
 * -v: a check's steps (step.h), made by the engine's phases and by the
 * probes (check.h).  The callers test STEPPING() first (engine_int.h), so
 * a run without -v formats nothing; everything here runs only when a
 * step callback is set.  The line a step is written as: pp_step_line.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "core/url.h"
#include "core/util.h"
#include "engine/check.h"
#include "engine/dns.h"
#include "engine/engine.h"
#include "engine/step.h"
#include "engine/tlscore.h"
#include "probes/probe.h"
#include "engine/engine_int.h"

/* --------------------------------------------------------- the lines */

static const char *const phase_names[] = {
    [PP_STEP_RESOLVE] = "resolve", [PP_STEP_CONNECT] = "connect", [PP_STEP_TLS] = "tls",
    [PP_STEP_HTTP] = "http",       [PP_STEP_PROBE] = "probe",     [PP_STEP_BYTES] = "bytes",
    [PP_STEP_END] = "end",
};

const char *
pp_step_phase_name(enum pp_step_phase ph)
{
    if ((unsigned)ph >= sizeof(phase_names) / sizeof(phase_names[0]))
        return "?";
    return phase_names[ph];
}

/* Append s, one line of printable ASCII, within len. */
static size_t
put_clean(char *buf, size_t len, size_t at, const char *s)
{
    for (; s != NULL && *s != '\0'; s++, at++)
        if (at + 1 < len)
            buf[at] = (unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f ? '?' : *s;
    if (len > 0)
        buf[at + 1 < len ? at : len - 1] = '\0';
    return at;
}

size_t
pp_step_line(const struct pp_step *s, char *buf, size_t len)
{
    const char *word = pp_step_phase_name(s->phase);
    char head[48];
    size_t at;

    if (s->phase == PP_STEP_PROBE && s->result != NULL && s->result->target != NULL &&
        s->result->target->probe != NULL)
        word = s->result->target->probe->name;
    if (len > 0)
        buf[0] = '\0';
    at = put_clean(buf, len, 0, "* [");
    at = put_clean(buf, len, at, s->check);
    snprintf(head, sizeof(head), "] %.1f ms ", s->t_ms >= 0 ? s->t_ms : 0.0);
    at = put_clean(buf, len, at, head);
    at = put_clean(buf, len, at, word);
    at = put_clean(buf, len, at, " ");
    return put_clean(buf, len, at, s->text);
}

/* ------------------------------------------------------------ emitting */

void
step_emit(struct pp_engine *e, const char *id, const struct pp_result *r, double t_ms,
          enum pp_step_phase ph, int level, const char *fmt, ...)
{
    struct pp_step s;
    char text[1024];
    va_list ap;

    if (!STEPPING(e, level))
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    s.check = id;
    s.result = r;
    s.phase = ph;
    s.level = level;
    s.t_ms = t_ms;
    s.at_ms = pp_now_msf();
    s.text = text;
    e->o->step(e->o->step_arg, &s);
}

/* Since the check began: its name lookup, then its first connect. */
static double
step_time(const struct pp_check *c)
{
    double dns = c->r->t_dns > 0 ? c->r->t_dns : 0;

    return c->t_start > 0 ? dns + pp_now_msf() - c->t_start : dns;
}

static void
vstep(struct pp_check *c, enum pp_step_phase ph, int level, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
vstep(struct pp_check *c, enum pp_step_phase ph, int level, const char *fmt, va_list ap)
{
    char text[1024];

    vsnprintf(text, sizeof(text), fmt, ap);
    step_emit(c->e, c->r->id, c->r, step_time(c), ph, level, "%s", text);
}

static void
cstep(struct pp_check *c, enum pp_step_phase ph, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
cstep(struct pp_check *c, enum pp_step_phase ph, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vstep(c, ph, level, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------ what a probe calls */

bool
pp_check_stepping(const struct pp_check *c, int level)
{
    return STEPPING(c->e, level);
}

void
pp_check_step(struct pp_check *c, enum pp_step_phase ph, int level, const char *text)
{
    if (STEPPING(c->e, level))
        cstep(c, ph, level, "%s", text);
}

void
pp_check_stepf(struct pp_check *c, enum pp_step_phase ph, int level, const char *fmt, ...)
{
    va_list ap;

    if (!STEPPING(c->e, level))
        return;
    va_start(ap, fmt);
    vstep(c, ph, level, fmt, ap);
    va_end(ap);
}

void
pp_check_bytes(const struct pp_check *c, unsigned long long *sent,
               unsigned long long *received)
{
    *sent = c->sent;
    *received = c->received;
}

/* ----------------------------------------------------------- resolving */

static void
sa_text(const struct sockaddr *sa, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;

    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
        port = ntohs(s6->sin6_port);
        snprintf(buf, len, "[%s]:%u", a, port);
        return;
    }
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
        port = ntohs(s4->sin_port);
    }
    snprintf(buf, len, "%s:%u", a, port);
}

void
step_start(struct pp_engine *e)
{
    if (STEPPING(e, PP_STEP_V))
        pp_dns_server(e->dns, e->dns_server, sizeof(e->dns_server));
}

static const char *
rr_word(int family)
{
    return family == AF_INET6 ? "AAAA" : "A";
}

/* A result made without a check (a lookup that failed, an address
 * outside the owner's space): its end, as check_finish's. */
static void
result_end(struct pp_engine *e, const char *id, const struct pp_result *r, double t_ms)
{
    step_emit(e, id, r, t_ms, PP_STEP_END, PP_STEP_V, "%s (%s) in %.1f ms: %s",
              pp_state_name(r->state), pp_reason_name(r->reason),
              r->t_total >= 0 ? r->t_total : 0.0, r->message != NULL ? r->message : "");
}

/* A check made: where its address came from (a result that ends there,
 * outside the owner's address space, ends with it). */
void
step_resolved(struct tstate *ts, const struct pp_result *r)
{
    struct pp_engine *e = ts->e;
    const struct pp_dns_answer *a = ts->answer;
    const struct pp_kv *nat64 = pp_detail_get(r, "nat64_ipv4");
    char list[512] = "", one[INET6_ADDRSTRLEN];
    size_t k, at = 0;

    if (a == NULL) {
        step_emit(e, r->id, r, 0, PP_STEP_RESOLVE, PP_STEP_V, "%s",
                  pp_host_literal(r->target->host) != 0 ? "an address: no lookup"
                                                        : "an address of the audit: no lookup");
        if (r->state != PP_ST_PENDING)
            result_end(e, r->id, r, 0);
        return;
    }
    for (k = 0; k < a->naddr && at < sizeof(list) - 64; k++) {
        const struct sockaddr *sa = (const struct sockaddr *)&a->addr[k];
        const void *p = sa->sa_family == AF_INET6
                            ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                            : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
        if (inet_ntop(sa->sa_family, p, one, sizeof(one)) != NULL)
            at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", k ? ", " : "", one);
    }
    step_emit(e, r->id, r, a->elapsed_ms, PP_STEP_RESOLVE, PP_STEP_V,
              "%s %s%s%s: %zu answer%s (%s) in %.1f ms%s%s%s%s", r->target->host,
              rr_word(a->family), e->dns_server[0] ? ", resolver " : "", e->dns_server, a->naddr,
              a->naddr == 1 ? "" : "s", list, a->elapsed_ms,
              nat64 != NULL ? "; " : "", nat64 != NULL ? r->address : "",
              nat64 != NULL ? " is NAT64 for " : "", nat64 != NULL ? nat64->s : "");
    if (r->state != PP_ST_PENDING)
        result_end(e, r->id, r, a->elapsed_ms);
}

/* Lookups that gave no address: for the target's result when nothing
 * resolved (r), else under the id the family's check would have had. */
void
step_unresolved(struct tstate *ts, const struct pp_result *r)
{
    const struct pp_target *t = ts->t;
    int i;

    for (i = 0; i < ts->nfail; i++) {
        const struct pp_dns_answer *a = &ts->fail[i];
        char id[300];

        if (r == NULL)
            snprintf(id, sizeof(id), "%s:%u/%s", t->host, t->port,
                     a->family == AF_INET6 ? "ipv6" : "ipv4");
        else
            snprintf(id, sizeof(id), "%s", r->id);
        if (a->reason == PP_RS_FAMILY_EXCLUDED)
            step_emit(ts->e, id, r, 0, PP_STEP_RESOLVE, PP_STEP_V, "%s: %s", t->host,
                      r != NULL ? r->message : pp_reason_name(a->reason));
        else
            step_emit(ts->e, id, r, a->elapsed_ms, PP_STEP_RESOLVE, PP_STEP_V,
                      "%s %s%s%s: %s in %.1f ms", t->host, rr_word(a->family),
                      ts->e->dns_server[0] ? ", resolver " : "", ts->e->dns_server,
                      pp_reason_name(a->reason), a->elapsed_ms);
    }
    if (r != NULL)
        result_end(ts->e, r->id, r, r->t_total >= 0 ? r->t_total : 0);
}

/* ---------------------------------------------------------- connecting */

void
step_connected(struct pp_check *c)
{
    struct sockaddr_storage local;
    socklen_t len = sizeof(local);
    char to[INET6_ADDRSTRLEN + 8], from[INET6_ADDRSTRLEN + 8] = "?";

    sa_text((const struct sockaddr *)&c->sa, to, sizeof(to));
    if (getsockname(c->fd, (struct sockaddr *)&local, &len) == 0)
        sa_text((const struct sockaddr *)&local, from, sizeof(from));
    if (c->r->target->probe->udp)
        cstep(c, PP_STEP_CONNECT, PP_STEP_V, "%s UDP, no handshake (local %s)", to, from);
    else
        cstep(c, PP_STEP_CONNECT, PP_STEP_V, "%s open (local %s) in %.1f ms%s", to, from,
              c->r->t_connect, c->attempts > 1 ? ", on the second attempt" : "");
}

void
step_tunnel(struct pp_check *c, int status, const char *reason)
{
    const struct pp_target *t = c->r->target;

    if (status == 0)
        cstep(c, PP_STEP_HTTP, PP_STEP_V, "CONNECT %s%s%s:%u through the proxy %s%s",
              pp_host_literal(t->host) == 6 ? "[" : "", t->host,
              pp_host_literal(t->host) == 6 ? "]" : "", t->port, t->via->url,
              t->via->auth != NULL ? " (Proxy-Authorization: Basic)" : "");
    else
        cstep(c, PP_STEP_HTTP, PP_STEP_V, "the proxy answers HTTP %d%s%s%s", status,
              reason[0] ? " " : "", reason, status >= 200 && status < 300
              ? ": the tunnel is open" : "");
}

void
step_retry(struct pp_check *c)
{
    char to[INET6_ADDRSTRLEN + 8];

    sa_text((const struct sockaddr *)&c->sa, to, sizeof(to));
    cstep(c, PP_STEP_CONNECT, PP_STEP_V, "%s no answer in %.1f ms (the adaptive deadline): "
          "trying again on a new socket after a wait, with a longer deadline", to,
          pp_now_msf() - c->t_phase);
}

void
step_redirect(struct pp_check *c, const struct pp_target *to)
{
    bool v6 = strchr(to->host, ':') != NULL;

    cstep(c, PP_STEP_HTTP, PP_STEP_V, "redirect to %s://%s%s%s:%u%s (hop %d), checked next",
          to->tls ? "https" : "http", v6 ? "[" : "", to->host, v6 ? "]" : "", to->port,
          to->path != NULL ? to->path : "/", to->hops);
}

/* ------------------------------------------------------------------ TLS */

static const char *
version_name(int v)
{
    switch (v) {
    case TLS1_VERSION: return "TLSv1";
    case TLS1_1_VERSION: return "TLSv1.1";
    case TLS1_2_VERSION: return "TLSv1.2";
#ifdef TLS1_3_VERSION
    case TLS1_3_VERSION: return "TLSv1.3";
#endif
    default: return NULL;
    }
}

void
step_tls_start(struct pp_check *c)
{
    const struct pp_target *t = c->r->target;
    const char *sni = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
    const char *lo = version_name((int)SSL_get_min_proto_version(c->ssl));
    int max = (int)SSL_get_max_proto_version(c->ssl);
    const char *hi;

#ifdef TLS1_3_VERSION
    if (max == 0)
        max = TLS1_3_VERSION;   /* no ceiling: the highest this OpenSSL speaks */
#endif
    hi = version_name(max);
    cstep(c, PP_STEP_TLS, PP_STEP_V, "ClientHello: SNI %s, ALPN %s, versions %s to %s",
          sni != NULL ? sni : "none (an address)", t->alpn != NULL ? t->alpn : "none",
          lo != NULL ? lo : "the lowest", hi != NULL ? hi : "the highest");
}

void
step_tls_done(struct pp_check *c)
{
    const struct pp_tls_info *i = &c->r->tls;
    char group[48] = "";

    if (i->kex_group[0] != '\0')
        snprintf(group, sizeof(group), ", group %s", i->kex_group);
    cstep(c, PP_STEP_TLS, PP_STEP_V, "%s, cipher %s%s, ALPN %s in %.1f ms%s",
          i->version[0] ? i->version : "?", i->cipher[0] ? i->cipher : "?", group,
          i->alpn[0] ? i->alpn : "none", c->r->t_tls,
          i->client_cert_requested ? "; the server asks for a client certificate" : "");
}

/* ------------------------------------------------------------- the end */

static void
step_bytes(struct pp_check *c)
{
    if (c->ssl != NULL)
        cstep(c, PP_STEP_BYTES, PP_STEP_VV, "%llu sent, %llu received; on the wire with TLS "
              "%lu sent, %lu received", c->sent, c->received,
              BIO_number_written(SSL_get_wbio(c->ssl)), BIO_number_read(SSL_get_rbio(c->ssl)));
    else if (c->sent > 0 || c->received > 0)
        cstep(c, PP_STEP_BYTES, PP_STEP_VV, "%llu sent, %llu received", c->sent, c->received);
}

/* Before the check is freed: how the phase it was in ended (a connect or
 * a handshake that failed says so in its own words), the bytes (-vv) and
 * the result. */
void
step_end(struct pp_check *c)
{
    const struct pp_result *r = c->r;
    char to[INET6_ADDRSTRLEN + 8], wait[64] = "";
    bool said = false;

    if (c->phase == PH_CONNECT) {
        sa_text((const struct sockaddr *)&c->sa, to, sizeof(to));
        cstep(c, PP_STEP_CONNECT, PP_STEP_V, "%s %s after %.1f ms%s%s", to,
              pp_reason_name(r->reason), r->t_connect >= 0 ? r->t_connect : 0.0,
              r->icmp_from[0] ? ", ICMP from " : "", r->icmp_from);
    } else if (c->phase == PH_TLS) {
        cstep(c, PP_STEP_TLS, PP_STEP_V, "failed after %.1f ms: %s%s%s%s",
              r->t_tls >= 0 ? r->t_tls : 0.0, r->message ? r->message : "?",
              r->tls.alert >= 0 ? " (alert " : "",
              r->tls.alert >= 0 ? pp_tls_alert_desc(r->tls.alert) : "",
              r->tls.alert >= 0 ? ")" : "");
        said = true;
    }
    if (c->phase != PH_QUEUED && c->phase != PH_CONNECT)
        step_bytes(c);
    /* The loop's own delays are not the check's (t_total leaves them out):
     * said, when they are why the steps' clock ran further. */
    if (c->queued >= 1.0)
        snprintf(wait, sizeof(wait), " (+%.1f ms waiting on the loop)", c->queued);
    cstep(c, PP_STEP_END, PP_STEP_V, "%s (%s) in %.1f ms%s%s%s", pp_state_name(r->state),
          pp_reason_name(r->reason), r->t_total >= 0 ? r->t_total : 0.0, wait,
          said || r->message == NULL ? "" : ": ", said || r->message == NULL ? "" : r->message);
}
