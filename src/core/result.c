/* SPDX-License-Identifier: ISC */
/* Names of states, reasons and services: one table each. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pushprobe.h"
#include "core/util.h"

static const char *const state_names[PP_ST__COUNT] = {
    [PP_ST_PENDING] = "pending",
    [PP_ST_OK] = "ok",
    [PP_ST_CLOSED] = "closed",
    [PP_ST_FILTERED] = "filtered",
    [PP_ST_BLOCKED] = "blocked",
    [PP_ST_UNREACHABLE] = "unreachable",
    [PP_ST_DNS_FAILED] = "dns-failed",
    [PP_ST_TLS_FAILED] = "tls-failed",
    [PP_ST_INTERCEPTED] = "intercepted",
    [PP_ST_UNEXPECTED] = "unexpected",
    [PP_ST_ERROR] = "error",
};

static const char *const reason_names[PP_RS__COUNT] = {
    [PP_RS_NONE] = "none",
    [PP_RS_SYN_ACK] = "syn-ack",
    [PP_RS_CONN_REFUSED] = "conn-refused",
    [PP_RS_CONN_RESET] = "conn-reset",
    [PP_RS_NO_RESPONSE] = "no-response",
    [PP_RS_ADMIN_PROHIBITED] = "admin-prohibited",
    [PP_RS_PORT_UNREACH] = "port-unreach",
    [PP_RS_PROTO_UNREACH] = "proto-unreach",
    [PP_RS_HOST_UNREACH] = "host-unreach",
    [PP_RS_NET_UNREACH] = "net-unreach",
    [PP_RS_TTL_EXCEEDED] = "ttl-exceeded",
    [PP_RS_NO_ROUTE] = "no-route",
    [PP_RS_LOCAL_POLICY] = "local-policy",
    [PP_RS_LOCAL_ROUTE] = "local-route",
    [PP_RS_NXDOMAIN] = "nxdomain",
    [PP_RS_SERVFAIL] = "servfail",
    [PP_RS_DNS_REFUSED] = "dns-refused",
    [PP_RS_DNS_TIMEOUT] = "dns-timeout",
    [PP_RS_DNS_UNREACHABLE] = "dns-unreachable",
    [PP_RS_NO_ADDRESS] = "no-address",
    [PP_RS_BAD_NAME] = "bad-name",
    [PP_RS_TLS_OK] = "tls-ok",
    [PP_RS_TLS_ALERT] = "tls-alert",
    [PP_RS_TLS_EOF] = "tls-eof",
    [PP_RS_TLS_TIMEOUT] = "tls-timeout",
    [PP_RS_NOT_TLS] = "not-tls",
    [PP_RS_TLS_HANDSHAKE] = "tls-handshake",
    [PP_RS_CERT_UNTRUSTED] = "cert-untrusted",
    [PP_RS_CERT_EXPIRED] = "cert-expired",
    [PP_RS_CERT_NOT_YET_VALID] = "cert-not-yet-valid",
    [PP_RS_NAME_MISMATCH] = "name-mismatch",
    [PP_RS_ISSUER_UNEXPECTED] = "issuer-unexpected",
    [PP_RS_ALPN_MISMATCH] = "alpn-mismatch",
    [PP_RS_SAN_MISSING] = "san-missing",
    [PP_RS_EKU_MISSING] = "eku-missing",
    [PP_RS_EKU_WRONG] = "eku-wrong",
    [PP_RS_VALIDITY_TOO_LONG] = "validity-too-long",
    [PP_RS_WEAK_KEY] = "weak-key",
    [PP_RS_WEAK_SIGNATURE] = "weak-signature",
    [PP_RS_LEAF_IS_CA] = "leaf-is-ca",
    [PP_RS_CHAIN_INCOMPLETE] = "chain-incomplete",
    [PP_RS_CERT_REVOKED] = "cert-revoked",
    [PP_RS_CLIENT_CERT_REQUIRED] = "client-cert-required",
    [PP_RS_SERVICE_OK] = "service-ok",
    [PP_RS_AUTH_REQUIRED] = "auth-required",
    [PP_RS_REDIRECT] = "redirect",
    [PP_RS_HTTP_STATUS] = "http-status",
    [PP_RS_BAD_RESPONSE] = "bad-response",
    [PP_RS_TOO_LARGE] = "too-large",
    [PP_RS_CAPTIVE_PORTAL] = "captive-portal",
    [PP_RS_MDM_UNHEALTHY] = "mdm-unhealthy",
    [PP_RS_NOT_PLIST] = "not-plist",
    [PP_RS_DNS_OUTSIDE_APPLE] = "dns-outside-apple",
    [PP_RS_SMB1_ONLY] = "smb1-only",
    [PP_RS_SERVER_ERROR] = "server-error",
    [PP_RS_CLOCK_SKEW] = "clock-skew",
    [PP_RS_CONN_LOST] = "conn-lost",
    [PP_RS_LOCAL_RESOURCE] = "local-resource",
    [PP_RS_RUN_DEADLINE] = "run-deadline",
    [PP_RS_FAMILY_EXCLUDED] = "family-excluded",
    [PP_RS_IPV4_UNAVAILABLE] = "ipv4-unavailable",
    [PP_RS_PROXY_DENIED] = "proxy-denied",
    [PP_RS_PROXY_AUTH_REQUIRED] = "proxy-auth-required",
    [PP_RS_PROXY_UNREACHABLE] = "proxy-unreachable",
    [PP_RS_PROXY_UPSTREAM_FAILED] = "proxy-upstream-failed",
    [PP_RS_PROXY_STATUS] = "proxy-status",
    [PP_RS_INTERNAL] = "internal",
};

static const struct {
    const char *name;
    const char *title;
} services[PP_SV__COUNT] = {
    [PP_SV_APNS_DEVICE] = {"apns-device", "Apple push, device side (courier)"},
    [PP_SV_APNS_PROVIDER] = {"apns-provider", "Apple push, MDM server side"},
    [PP_SV_APNS_LEGACY] = {"apns-legacy", "Apple push, legacy (retired 2021)"},
    [PP_SV_MDM] = {"mdm", "MDM server"},
    [PP_SV_ENROLLMENT] = {"enrollment", "Activation and enrollment"},
    [PP_SV_SOFTWARE_UPDATE] = {"software-update", "Software update"},
    [PP_SV_CERT_VALIDATION] = {"cert-validation", "Certificate validation"},
    [PP_SV_CAPTIVE] = {"captive", "Captive portal detection"},
    [PP_SV_TIME] = {"time", "Date and time (NTP)"},
    [PP_SV_SUS] = {"sus", "Software Update Server"},
    [PP_SV_DP] = {"dp", "Distribution points"},
    [PP_SV_SMB] = {"smb", "SMB file share"},
    [PP_SV_AFP] = {"afp", "AFP file share"},
    [PP_SV_CUSTOM] = {"custom", "Other targets"},
};

static const char *const trust_names[PP_TRUST__COUNT] = {
    [PP_TRUST_SYSTEM] = "system",
    [PP_TRUST_APPLE_COURIER] = "apple-courier",
    [PP_TRUST_APPLE_PUBLIC] = "apple-public",
};

static const char *const ocsp_names[] = {
    [PP_OCSP_NONE] = "none",
    [PP_OCSP_GOOD] = "good",
    [PP_OCSP_REVOKED] = "revoked",
    [PP_OCSP_UNKNOWN] = "unknown",
    [PP_OCSP_INVALID] = "invalid",
};

static const char *const anchor_names[] = {
    [PP_ANCHOR_NONE] = "none",
    [PP_ANCHOR_SYSTEM] = "system",
    [PP_ANCHOR_ADDED] = "added",
    [PP_ANCHOR_APPLE] = "apple",
};

const char *
pp_ocsp_name(enum pp_ocsp o)
{
    return (unsigned)o < sizeof(ocsp_names) / sizeof(ocsp_names[0]) ? ocsp_names[o] : "?";
}

const char *
pp_anchor_name(enum pp_anchor a)
{
    return (unsigned)a < sizeof(anchor_names) / sizeof(anchor_names[0]) ? anchor_names[a]
                                                                        : "?";
}

void
pp_cert_info_free(struct pp_cert_info *c, size_t n)
{
    size_t i, k;

    for (i = 0; c != NULL && i < n; i++) {
        free(c[i].subject);
        free(c[i].issuer);
        for (k = 0; k < c[i].nsan; k++)
            free(c[i].san[k]);
        free(c[i].san);
        for (k = 0; k < c[i].neku; k++)
            free(c[i].eku[k]);
        free(c[i].eku);
    }
    free(c);
}

void
pp_tls_info_clear(struct pp_tls_info *t)
{
    size_t k;

    free(t->subject);
    free(t->issuer);
    free(t->issuer_cn);
    free(t->verify_error);
    free(t->policy_msg);
    free(t->warn_msg);
    pp_cert_info_free(t->served, t->nserved);
    pp_cert_info_free(t->built, t->nbuilt);
    for (k = 0; k < t->nwarnings; k++)
        free(t->warnings[k]);
    free(t->warnings);
    t->subject = t->issuer = t->issuer_cn = t->verify_error = NULL;
    t->policy_msg = t->warn_msg = NULL;
    t->served = t->built = NULL;
    t->nserved = t->nbuilt = t->nwarnings = 0;
    t->warnings = NULL;
}

const char *
pp_state_name(enum pp_state s)
{
    return (unsigned)s < PP_ST__COUNT ? state_names[s] : "?";
}

const char *
pp_reason_name(enum pp_reason r)
{
    return (unsigned)r < PP_RS__COUNT ? reason_names[r] : "?";
}

const char *
pp_service_name(enum pp_service s)
{
    return (unsigned)s < PP_SV__COUNT ? services[s].name : "?";
}

const char *
pp_service_title(enum pp_service s)
{
    return (unsigned)s < PP_SV__COUNT ? services[s].title : "?";
}

const char *
pp_trust_name(enum pp_trust t)
{
    return (unsigned)t < PP_TRUST__COUNT ? trust_names[t] : "?";
}

bool
pp_state_is_ok(enum pp_state s)
{
    return s == PP_ST_OK;
}

bool
pp_result_counted(const struct pp_result *r)
{
    return r->retry_of == NULL;
}

const char *
pp_hop_reply_name(enum pp_hop_reply v)
{
    static const char *const names[PP_HR__COUNT] = {
        [PP_HR_NONE] = "none",
        [PP_HR_TIME_EXCEEDED] = "time-exceeded",
        [PP_HR_UNREACHABLE] = "unreachable",
        [PP_HR_ADMIN_PROHIBITED] = "admin-prohibited",
        [PP_HR_SYN_ACK] = "syn-ack",
        [PP_HR_RST] = "rst",
    };
    return (unsigned)v < PP_HR__COUNT ? names[v] : "none";
}

const char *
pp_hop_network_name(enum pp_hop_network v)
{
    static const char *const names[PP_NW__COUNT] = {
        [PP_NW_LOCAL] = "local",
        [PP_NW_CGNAT] = "cgnat",
        [PP_NW_APPLE] = "apple",
        [PP_NW_PUBLIC] = "public",
    };
    return (unsigned)v < PP_NW__COUNT ? names[v] : "public";
}

const char *
pp_path_end_name(enum pp_path_end v)
{
    static const char *const names[PP_PE__COUNT] = {
        [PP_PE_DROPPED] = "dropped",
        [PP_PE_REACHED] = "reached",
        [PP_PE_REJECTED] = "rejected",
        [PP_PE_RESET] = "reset",
        [PP_PE_ANSWERED] = "answered",
    };
    return (unsigned)v < PP_PE__COUNT ? names[v] : "dropped";
}

struct pp_path *
pp_path_dup(const struct pp_path *p)
{
    struct pp_path *d;
    size_t i;

    if (p == NULL)
        return NULL;
    d = pp_xmalloc(sizeof(*d));
    *d = *p;
    d->hops = p->nhops > 0 ? pp_xcalloc(p->nhops, sizeof(*d->hops)) : NULL;
    for (i = 0; i < p->nhops; i++) {
        d->hops[i] = p->hops[i];
        d->hops[i].name = p->hops[i].name != NULL ? pp_xstrdup(p->hops[i].name) : NULL;
    }
    d->end_name = p->end_name != NULL ? pp_xstrdup(p->end_name) : NULL;
    return d;
}

void
pp_path_free(struct pp_path *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->nhops; i++)
        free(p->hops[i].name);
    free(p->hops);
    free(p->end_name);
    free(p);
}

void
pp_result_free(struct pp_result *r)
{
    if (r == NULL)
        return;
    free(r->id);
    free(r->message);
    free(r->retry_of);
    pp_path_free(r->path);
    pp_tls_info_clear(&r->tls);
    free(r->summary);
    for (size_t i = 0; i < r->ndetails; i++)
        free(r->details[i].s);
    free(r->details);
    free(r);
}

static struct pp_kv *
detail_slot(struct pp_result *r, const char *key)
{
    size_t i;

    for (i = 0; i < r->ndetails; i++) {
        if (strcmp(r->details[i].key, key) == 0) {
            free(r->details[i].s);
            r->details[i].s = NULL;
            return &r->details[i];
        }
    }
    if (r->ndetails == PP_MAX_DETAILS)
        return NULL;
    if (r->details == NULL)
        r->details = pp_xcalloc(PP_MAX_DETAILS, sizeof(*r->details));
    r->details[r->ndetails].key = key;
    r->details[r->ndetails].s = NULL;
    return &r->details[r->ndetails++];
}

/* Bytes from servers end up in details, messages and summaries: a copy
 * with every control character (line ends, escapes, DEL) made '?', so no
 * answer can start a line of its own or steer a terminal. */
static char *
printable_dup(const char *s)
{
    char *copy = pp_xstrdup(s ? s : ""), *p;

    for (p = copy; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return copy;
}

void
pp_detail_str(struct pp_result *r, const char *key, const char *val)
{
    struct pp_kv *kv = detail_slot(r, key);

    if (kv == NULL)
        return;
    kv->type = PP_KV_STR;
    kv->s = printable_dup(val);
}

void
pp_detail_int(struct pp_result *r, const char *key, long long val)
{
    struct pp_kv *kv = detail_slot(r, key);

    if (kv != NULL) {
        kv->type = PP_KV_INT;
        kv->i = val;
    }
}

void
pp_detail_bool(struct pp_result *r, const char *key, bool val)
{
    struct pp_kv *kv = detail_slot(r, key);

    if (kv != NULL) {
        kv->type = PP_KV_BOOL;
        kv->i = val;
    }
}

void
pp_detail_num(struct pp_result *r, const char *key, double val)
{
    struct pp_kv *kv = detail_slot(r, key);

    if (kv != NULL) {
        kv->type = PP_KV_NUM;
        kv->d = val;
    }
}

const struct pp_kv *
pp_detail_get(const struct pp_result *r, const char *key)
{
    size_t i;

    for (i = 0; i < r->ndetails; i++)
        if (strcmp(r->details[i].key, key) == 0)
            return &r->details[i];
    return NULL;
}

enum pp_reason
pp_problem_reason(const char *problem)
{
    static const struct {
        const char *problem;
        enum pp_reason reason;
    } map[] = {
        {"smb1-only", PP_RS_SMB1_ONLY},
        {"status", PP_RS_SERVER_ERROR},
        {"dsi-error", PP_RS_SERVER_ERROR},
        {"too-long", PP_RS_TOO_LARGE},
        {"closed", PP_RS_CONN_LOST},
        {"truncated", PP_RS_CONN_LOST},
        {"reset", PP_RS_CONN_RESET},
        {"timeout", PP_RS_NO_RESPONSE},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].problem, problem) == 0)
            return map[i].reason;
    return PP_RS_BAD_RESPONSE;   /* not-smb, not-dsi, malformed, dialect, ... */
}

void
pp_result_summary(struct pp_result *r, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    free(r->summary);
    r->summary = printable_dup(buf);
}

struct pp_result *
pp_result_new(const struct pp_target *t, uint64_t order)
{
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));

    r->target = t;
    r->order = order;
    r->t_dns = r->t_connect = r->t_tls = r->t_total = -1;
    r->t_app = r->t_first_byte = -1;
    r->state = PP_ST_PENDING;
    return r;
}

void
pp_result_vset(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt,
               va_list ap)
{
    char buf[1024];

    r->state = s;
    r->reason = rs;
    free(r->message);
    if (strcmp(fmt, "%s") == 0) {
        /* The common case (a reason's sentence): no formatting. */
        r->message = printable_dup(va_arg(ap, const char *));
        return;
    }
    vsnprintf(buf, sizeof(buf), fmt, ap);
    r->message = printable_dup(buf);
}

void
pp_result_set(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pp_result_vset(r, s, rs, fmt, ap);
    va_end(ap);
}

void
pp_report_free_results(struct pp_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++)
        pp_result_free(rep->results[i]);
    free(rep->results);
    rep->results = NULL;
    rep->n = 0;
}
