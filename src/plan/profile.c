/* SPDX-License-Identifier: ISC */
/*
 * The built-in Apple profile.  Sources: ../shared/docs/apple-network.md
 * (sections 1 to 3).  Each row is one fact: when Apple changes a host, a
 * port or an issuer, or an unconfirmed entry is settled, change its row.
 *
 * No addresses here: every host is a name, and where DNS does not answer
 * (a closed lab, a broken resolver) that is the diagnosis.
 */
#include "config.h"

#include <string.h>

#include "core/applenet.h"
#include "plan/plan.h"
#include "core/util.h"

struct row {
    enum pp_service service;
    const char *host;
    uint16_t port;
    const char *probe;
    bool tls;
    bool required;
    const char *sni;          /* NULL: the host */
    const char *verify_name;  /* NULL: the host */
    const char *alpn;
    enum pp_trust trust;
    const char *path;
    bool apple_space;
    const char *note;
};

/* The courier: clients connect to N-courier.push.apple.com but send the
 * SNI courier.push.apple.com (apple-network.md 1.3); the certificate names
 * courier.push.apple.com.  N ranges over 1..50 (0..50 per Intune,
 * unconfirmed): three sample values keep the run short. */
#define COURIER(h, p, why) \
    {.service = PP_SV_APNS_DEVICE, .host = h, .port = p, .probe = "courier", .tls = true, \
     .required = true, .sni = "courier.push.apple.com", \
     .verify_name = "courier.push.apple.com", .alpn = "apns-security-v3", \
     .trust = PP_TRUST_APPLE_COURIER, .apple_space = true, .note = why}
#define PUSH5223 "devices keep their push connection here"
#define PUSH443 "fallback when 5223 is blocked"

/* An Apple service over HTTPS, held to Apple's public roots. */
#define APPLE_TLS(sv, h, req, why) \
    {.service = sv, .host = h, .port = 443, .probe = "tls", .tls = true, .required = req, \
     .alpn = "http/1.1", .trust = PP_TRUST_APPLE_PUBLIC, .note = why}
/* A CDN-fronted host: not in Apple's address space, certificate issuer
 * unconfirmed, so only the TCP path is checked. */
#define APPLE_TCP(sv, h, p, why) \
    {.service = sv, .host = h, .port = p, .probe = "tcp", .note = why}

static const struct row apple[] = {
    COURIER("courier.push.apple.com", 5223, PUSH5223),
    COURIER("1-courier.push.apple.com", 5223, PUSH5223),
    COURIER("20-courier.push.apple.com", 5223, PUSH5223),
    COURIER("40-courier.push.apple.com", 5223, PUSH5223),
    COURIER("courier.push.apple.com", 443, PUSH443),
    COURIER("1-courier.push.apple.com", 443, PUSH443),
    {.service = PP_SV_APNS_PROVIDER, .host = "api.push.apple.com", .port = 443,
     .probe = "apns", .tls = true, .alpn = "h2", .trust = PP_TRUST_APPLE_PUBLIC,
     .apple_space = true, .note = "MDM servers send pushes here (HTTP/2)"},
    {.service = PP_SV_APNS_PROVIDER, .host = "api.push.apple.com", .port = 2197,
     .probe = "apns", .tls = true, .alpn = "h2", .trust = PP_TRUST_APPLE_PUBLIC,
     .apple_space = true, .note = "alternate provider port"},
    /* Retired on 2021-03-31: a TLS handshake, informational, never a
     * failure. */
    {.service = PP_SV_APNS_LEGACY, .host = "gateway.push.apple.com", .port = 2195,
     .probe = "tls", .tls = true, .trust = PP_TRUST_APPLE_PUBLIC, .apple_space = true,
     .note = "legacy binary provider API, retired 2021-03-31"},
    {.service = PP_SV_APNS_LEGACY, .host = "feedback.push.apple.com", .port = 2196,
     .probe = "tls", .tls = true, .trust = PP_TRUST_APPLE_PUBLIC, .apple_space = true,
     .note = "legacy feedback service, retired 2021-03-31"},
    /* Activation and enrollment (101555 "Device setup", "Device management"). */
    APPLE_TLS(PP_SV_ENROLLMENT, "albert.apple.com", true, "device activation"),
    APPLE_TLS(PP_SV_ENROLLMENT, "deviceenrollment.apple.com", true,
              "Automated Device Enrollment"),
    APPLE_TLS(PP_SV_ENROLLMENT, "iprofiles.apple.com", true, "enrollment profiles"),
    APPLE_TLS(PP_SV_ENROLLMENT, "mdmenrollment.apple.com", false,
              "MDM servers upload enrollment profiles"),
    APPLE_TLS(PP_SV_ENROLLMENT, "identity.apple.com", false, "APNs certificate portal"),
    APPLE_TLS(PP_SV_ENROLLMENT, "vpp.itunes.apple.com", false,
              "Apps and Books licences (MDM server)"),
    /* Software update. */
    APPLE_TLS(PP_SV_SOFTWARE_UPDATE, "gdmf.apple.com", false, "managed software update catalog"),
    APPLE_TCP(PP_SV_SOFTWARE_UPDATE, "mesu.apple.com", 443, "software update catalogs (CDN)"),
    APPLE_TCP(PP_SV_SOFTWARE_UPDATE, "swscan.apple.com", 443, "macOS updates"),
    APPLE_TCP(PP_SV_SOFTWARE_UPDATE, "swcdn.apple.com", 443, "macOS update downloads (CDN)"),
    APPLE_TCP(PP_SV_SOFTWARE_UPDATE, "updates.cdn-apple.com", 443,
              "software update downloads (CDN)"),
    /* Certificate validation. */
    APPLE_TCP(PP_SV_CERT_VALIDATION, "ocsp.apple.com", 80, "certificate revocation (OCSP)"),
    APPLE_TCP(PP_SV_CERT_VALIDATION, "crl.apple.com", 80, "certificate revocation lists"),
    APPLE_TLS(PP_SV_CERT_VALIDATION, "valid.apple.com", false, "certificate validation"),
    /* Date and time: a clock far off breaks every certificate check. */
    {.service = PP_SV_TIME, .host = "time.apple.com", .port = 123, .probe = "time",
     .note = "devices set their clock here (UDP 123)"},
    /* Captive portal detection. */
    {.service = PP_SV_CAPTIVE, .host = "captive.apple.com", .port = 80, .probe = "captive",
     .path = "/hotspot-detect.html", .note = "captive portal detection"},
};

static void
add_rows(struct pp_plan *p, const struct row *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        struct pp_target *t = pp_target_new(r->service, r->host, r->port,
                                            r->probe, r->required);
        if (r->sni)
            t->sni = pp_xstrdup(r->sni);
        if (r->verify_name)
            t->verify_name = pp_xstrdup(r->verify_name);
        if (r->alpn)
            t->alpn = pp_xstrdup(r->alpn);
        t->trust = r->trust;
        if (r->note)
            t->note = pp_xstrdup(r->note);
        t->tls = r->tls;
        if (r->apple_space)
            t->space = &pp_apple_space;
        if (r->path)
            t->path = pp_xstrdup(r->path);
        pp_plan_add(p, t);
    }
}

int
pp_plan_add_profile(struct pp_plan *p, const char *name)
{
    if (strcmp(name, "apple") == 0) {
        add_rows(p, apple, sizeof(apple) / sizeof(apple[0]));
        return 0;
    }
    return -1;
}
