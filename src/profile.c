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

#include "plan.h"
#include "util.h"

struct row {
    enum pp_service service;
    const char *host;
    uint16_t port;
    const char *probe;
    bool required;
    const char *sni;          /* NULL: the host */
    const char *verify_name;  /* NULL: the host */
    const char *alpn;
    enum pp_trust trust;
    const char *note;
};

/* The courier: clients connect to N-courier.push.apple.com but send the
 * SNI courier.push.apple.com (apple-network.md 1.3); the certificate names
 * courier.push.apple.com.  N ranges over 1..50 (0..50 per Intune,
 * unconfirmed): three sample values keep the run short. */
#define COURIER(h, port, req) \
    {PP_SV_APNS_DEVICE, h, port, "tls", req, "courier.push.apple.com", \
     "courier.push.apple.com", "apns-security-v3", PP_TRUST_APPLE_COURIER, \
     port == 5223 ? "devices keep their push connection here" \
                  : "fallback when 5223 is blocked"}

static const struct row apple[] = {
    COURIER("courier.push.apple.com", 5223, true),
    COURIER("1-courier.push.apple.com", 5223, true),
    COURIER("20-courier.push.apple.com", 5223, true),
    COURIER("40-courier.push.apple.com", 5223, true),
    COURIER("courier.push.apple.com", 443, true),
    COURIER("1-courier.push.apple.com", 443, true),
    {PP_SV_APNS_PROVIDER, "api.push.apple.com", 443, "tls", false, NULL, NULL,
     "h2", PP_TRUST_APPLE_PUBLIC, "MDM servers send pushes here (HTTP/2)"},
    {PP_SV_APNS_PROVIDER, "api.push.apple.com", 2197, "tls", false, NULL, NULL,
     "h2", PP_TRUST_APPLE_PUBLIC, "alternate provider port"},
    /* Retired on 2021-03-31: informational, never a failure. */
    {PP_SV_APNS_LEGACY, "gateway.push.apple.com", 2195, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "legacy binary provider API, retired 2021-03-31"},
    {PP_SV_APNS_LEGACY, "feedback.push.apple.com", 2196, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "legacy feedback service, retired 2021-03-31"},
    /* Activation and enrollment (101555 "Device setup" and "Device
     * management"). */
    {PP_SV_ENROLLMENT, "albert.apple.com", 443, "tls", true, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "device activation"},
    {PP_SV_ENROLLMENT, "deviceenrollment.apple.com", 443, "tls", true, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "Automated Device Enrollment"},
    {PP_SV_ENROLLMENT, "iprofiles.apple.com", 443, "tls", true, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "enrollment profiles"},
    {PP_SV_ENROLLMENT, "mdmenrollment.apple.com", 443, "tls", false, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "MDM servers upload enrollment profiles"},
    {PP_SV_ENROLLMENT, "identity.apple.com", 443, "tls", false, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "APNs certificate portal"},
    {PP_SV_ENROLLMENT, "vpp.itunes.apple.com", 443, "tls", false, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "Apps and Books licences (MDM server)"},
    /* Software update. */
    {PP_SV_SOFTWARE_UPDATE, "gdmf.apple.com", 443, "tls", false, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "managed software update catalog"},
    {PP_SV_SOFTWARE_UPDATE, "mesu.apple.com", 443, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "software update catalogs (CDN)"},
    {PP_SV_SOFTWARE_UPDATE, "swscan.apple.com", 443, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "macOS updates"},
    {PP_SV_SOFTWARE_UPDATE, "swcdn.apple.com", 443, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "macOS update downloads (CDN)"},
    {PP_SV_SOFTWARE_UPDATE, "updates.cdn-apple.com", 443, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "software update downloads (CDN)"},
    /* Certificate validation. */
    {PP_SV_CERT_VALIDATION, "ocsp.apple.com", 80, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "certificate revocation (OCSP)"},
    {PP_SV_CERT_VALIDATION, "crl.apple.com", 80, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "certificate revocation lists"},
    {PP_SV_CERT_VALIDATION, "valid.apple.com", 443, "tls", false, NULL, NULL,
     "http/1.1", PP_TRUST_APPLE_PUBLIC, "certificate validation"},
    /* Captive portal detection. */
    {PP_SV_CAPTIVE, "captive.apple.com", 80, "tcp", false, NULL, NULL,
     NULL, PP_TRUST_SYSTEM, "captive portal detection"},
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
