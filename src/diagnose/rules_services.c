/* SPDX-License-Identifier: ISC */
/*
 * The rules of the services: MDM, enrollment, software update, content
 * caching, file sharing, certificates and TLS warnings, other checks, and
 * the conclusion when all is well.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/url.h"
#include "diagnose/diagnose.h"
#include "diagnose/rules.h"
#include "core/util.h"
#include "probes/details.h"
#include "core/applenet.h"

static bool pick_mdm(const struct pp_result *r) { return is_service(r, PP_SV_MDM); }

/* Certificate causes: what each is called and how it is fixed.  One row
 * per reason; DP_CERT_* codes are the rows' dp codes. */
static const struct cert_cause {
    enum pp_reason reason;
    const char *dp_code;
    const char *what;      /* "The ... certificate is <what>" */
    const char *fix;
} cert_causes[] = {
    {PP_RS_CERT_EXPIRED, "DP_CERT_EXPIRED", "expired",
     "Renew the certificate (and check that this machine's clock is right)."},
    {PP_RS_CERT_NOT_YET_VALID, "DP_CERT_NOT_YET_VALID", "not valid yet",
     "Check this machine's clock, or the certificate's start date."},
    {PP_RS_NAME_MISMATCH, "DP_CERT_NAME", "for another name",
     "Reissue the certificate with the server's name in its subjectAltName."},
    {PP_RS_SAN_MISSING, "DP_CERT_SAN_MISSING", "without a subjectAltName",
     "Reissue the certificate with the server's DNS name in the subjectAltName extension: "
     "Apple devices do not read the name in the common name."},
    {PP_RS_EKU_MISSING, "DP_CERT_EKU", "without an extended key usage",
     "Reissue the certificate with extendedKeyUsage serverAuth."},
    {PP_RS_EKU_WRONG, "DP_CERT_EKU", "not for a TLS server (no serverAuth)",
     "Reissue the certificate with extendedKeyUsage serverAuth (a server certificate "
     "template, not a client one); an intermediate limited to other purposes must be "
     "replaced too."},
    {PP_RS_VALIDITY_TOO_LONG, "DP_CERT_VALIDITY", "valid for too long",
     "Reissue the certificate valid for at most 825 days (at most 398 days from a publicly "
     "trusted CA)."},
    {PP_RS_WEAK_KEY, "DP_CERT_WEAK_KEY", "on a weak key",
     "Reissue the certificate (and any intermediate) with an RSA key of 2048 bits or more, "
     "or an EC P-256 key."},
    {PP_RS_WEAK_SIGNATURE, "DP_CERT_WEAK_SIGNATURE", "signed with SHA-1 or MD5",
     "Reissue the certificate (and any intermediate) signed with SHA-256."},
    {PP_RS_LEAF_IS_CA, "DP_CERT_LEAF_IS_CA", "a CA certificate",
     "Serve an end-entity certificate (basicConstraints CA:FALSE) issued by the CA, not a "
     "CA's own certificate."},
    {PP_RS_CHAIN_INCOMPLETE, "DP_CERT_CHAIN_INCOMPLETE", "sent without its intermediate",
     "Configure the server to send the intermediate certificate with its own (the full "
     "chain file, e.g. nginx ssl_certificate)."},
    {PP_RS_CERT_REVOKED, "DP_CERT_REVOKED", "revoked",
     "Replace the certificate: its CA revoked it."},
    {PP_RS_CERT_UNTRUSTED, "DP_CERT_UNTRUSTED", "not trusted",
     "Use a publicly trusted certificate, or install the issuing root CA on every device (by "
     "MDM profile) and pass it here with --ca-file."},
};

static const struct cert_cause *
cert_cause(enum pp_reason rs)
{
    size_t i;

    for (i = 0; i < sizeof(cert_causes) / sizeof(cert_causes[0]); i++)
        if (cert_causes[i].reason == rs)
            return &cert_causes[i];
    return NULL;
}

static bool
cert_reason(enum pp_reason rs)
{
    return cert_cause(rs) != NULL;
}

/* A chain whose missing intermediate the devices may fetch (AIA): not
 * certain to fail. */
static bool
aia_uncertain(const struct pp_result *r)
{
    size_t k;

    for (k = 0; k < r->tls.nwarnings; k++)
        if (strcmp(r->tls.warnings[k], "intermediate-via-aia") == 0)
            return true;
    return false;
}

/* Unexplained, counted TLS failures of a service: with reason rs, or (rs
 * PP_RS_NONE) every TLS failure that is no certificate cause. */
static size_t
select_tls(struct ctx *c, enum pp_service sv, enum pp_reason rs, size_t *idx, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < c->rep->n && n < max; i++) {
        const struct pp_result *r = c->rep->results[i];

        if (c->explained[i] || !pp_result_counted(r) || r->target->service != sv ||
            r->state != PP_ST_TLS_FAILED)
            continue;
        if (rs == PP_RS_NONE ? !cert_reason(r->reason) : r->reason == rs)
            idx[n++] = i;
    }
    return n;
}

/* The MDM answers but says it is not healthy. */
static bool
mdm_unhealthy(struct ctx *c, const size_t *idx, size_t n)
{
    struct pp_finding *f;
    const struct pp_result *r;
    size_t i;
    const struct pp_kv *health;

    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->reason == PP_RS_MDM_UNHEALTHY) {
            health = pp_detail_get(r, PP_DETAIL_HEALTH);
            f = emit(c, "MDM_UNHEALTHY", PP_SEV_CRITICAL);
            f->title = pp_xasprintf("The MDM server answers but is not healthy (%s)",
                                    health ? health->s : "unknown");
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup("Nothing to fix on the device: the MDM server has "
                                        "a problem; tell its administrator.");
            f->advice_admin = pp_xstrdup("Check the Jamf Pro server: its database connection "
                                         "and web app logs (the health code says which).");
            claim(c, f, idx, n);
            return true;
        }
    }
    return false;
}

/* A certificate Apple devices refuse. */
static bool
mdm_cert(struct ctx *c, const size_t *idx, size_t n)
{
    struct pp_finding *f;
    const struct pp_result *r;
    size_t i;

    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->state == PP_ST_TLS_FAILED && cert_reason(r->reason)) {
            const struct cert_cause *cc = cert_cause(r->reason);
            bool unsure = aia_uncertain(r);

            f = emit(c, "MDM_CERT", unsure ? PP_SEV_WARNING : PP_SEV_CRITICAL);
            f->title = pp_xasprintf("The MDM server's certificate is %s (%s)", cc->what,
                                    pp_reason_name(r->reason));
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup(unsure ?
                "Devices may fail to talk to the MDM server until its certificate chain is "
                "fixed." :
                "Devices will refuse to talk to the MDM server until its certificate is "
                "fixed.");
            f->advice_admin = pp_xasprintf("On the MDM server: %s", cc->fix);
            claim(c, f, idx, n);
            return true;
        }
    }
    return false;
}

/* A client certificate asked for. */
static bool
mdm_client_cert(struct ctx *c, const size_t *idx, size_t n)
{
    struct pp_finding *f;
    const struct pp_result *r;
    size_t i;

    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->state == PP_ST_TLS_FAILED && r->reason == PP_RS_CLIENT_CERT_REQUIRED) {
            f = emit(c, "MDM_CLIENT_CERT", PP_SEV_CRITICAL);
            f->title = pp_xstrdup("The MDM server requires a client certificate");
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup("Nothing to fix on this network: the server refuses "
                                        "connections without a client certificate.");
            f->advice_admin = pp_xstrdup("Make client certificates optional on the MDM "
                                         "server's enrollment and check-in URLs (devices "
                                         "present their identity inside MDM, not in TLS), or "
                                         "put this check on a URL that does not need one.");
            claim(c, f, idx, n);
            return true;
        }
    }
    return false;
}

/* TCP connected but TLS fails: not "cannot be reached". */
static bool
mdm_tls(struct ctx *c, const size_t *idx, size_t n)
{
    struct pp_finding *f;
    const struct pp_result *r;
    size_t i;

    for (i = 0; i < n; i++) {
        r = c->rep->results[idx[i]];
        if (r->state == PP_ST_TLS_FAILED) {
            /* TCP connected: this is not "cannot be reached". */
            f = emit(c, "MDM_TLS", PP_SEV_CRITICAL);
            f->title = pp_xasprintf("The MDM server's port answers but TLS fails (%s)",
                                    pp_reason_name(r->reason));
            f->detail = pp_xasprintf("%s: %s.", r->target->host, r->message);
            f->advice_user = pp_xstrdup("Devices will not reach the MDM service until its TLS "
                                        "setup is fixed.");
            f->advice_admin = pp_xstrdup("Check the MDM server's TLS configuration (protocols "
                                         "TLS 1.2 and 1.3, ECDHE suites, its certificate and "
                                         "key); if only this network fails, look for a "
                                         "filter that ends TLS connections.");
            claim(c, f, idx, n);
            return true;
        }
    }
    return false;
}

void
rule_mdm(struct ctx *c)
{
    size_t idx[MAXSEL], n = select_failed(c, pick_mdm, idx, MAXSEL);
    struct pp_finding *f;
    char *h, *mode;

    if (n == 0 || mdm_unhealthy(c, idx, n) || mdm_cert(c, idx, n) ||
        mdm_client_cert(c, idx, n) || mdm_tls(c, idx, n))
        return;
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f = emit(c, "MDM_UNREACHABLE", PP_SEV_CRITICAL);
    f->title = pp_xstrdup("The MDM server cannot be reached");
    f->detail = pp_xasprintf("%s is %s.  Devices get no commands, profiles or apps.", h, mode);
    free(h);
    free(mode);
    f->advice_user = pp_xstrdup("Try another network; if the MDM server is internal, "
                                "connect to the company VPN.");
    f->advice_admin = pp_xstrdup("Allow devices to reach the MDM server's port (8443 for "
                                 "Jamf Pro on premises, 443 otherwise).");
    claim(c, f, idx, n);
}

/* One finding for the unexplained failures of one service. */
static void
service_rule(struct ctx *c, pick_fn pick, const char *code, const char *title,
             const char *user, const char *admin)
{
    size_t idx[MAXSEL], n = select_failed(c, pick, idx, MAXSEL);
    struct pp_finding *f;
    char *h, *mode;

    if (n == 0)
        return;
    f = emit(c, code, any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING);
    f->title = pp_xstrdup(title);
    h = hosts(c, idx, n, true);
    mode = how(c, idx, n);
    f->detail = pp_xasprintf("%s: %s.", h, mode);
    free(h);
    free(mode);
    f->advice_user = pp_xstrdup(user);
    f->advice_admin = pp_xstrdup(admin);
    claim(c, f, idx, n);
}

static bool pick_enroll(const struct pp_result *r) { return is_service(r, PP_SV_ENROLLMENT); }

void
rule_enrollment(struct ctx *c)
{
    service_rule(c, pick_enroll, "ENROLLMENT_BLOCKED",
                 "Activation or enrollment hosts cannot be reached",
                 "New or erased devices may fail to activate or enroll on this network.",
                 "Allow TCP 443 to albert.apple.com, deviceenrollment.apple.com, "
                 "iprofiles.apple.com (and mdmenrollment.apple.com from the MDM server).");
}

static bool
pick_swu(const struct pp_result *r)
{
    return is_service(r, PP_SV_SOFTWARE_UPDATE) || is_service(r, PP_SV_CERT_VALIDATION);
}

void
rule_software_update(struct ctx *c)
{
    service_rule(c, pick_swu, "SOFTWARE_UPDATE_BLOCKED",
                 "Software update or certificate validation hosts cannot be reached",
                 "Updates may not download on this network.",
                 "Allow TCP 443 and 80 to Apple's software update hosts (gdmf, mesu, swscan, "
                 "swcdn, updates.cdn-apple.com) and certificate validation (ocsp, crl).");
}

static bool pick_sus(const struct pp_result *r) { return is_service(r, PP_SV_SUS); }

void
rule_sus(struct ctx *c)
{
    service_rule(c, pick_sus, "SUS_PROBLEM", "The Software Update Server does not serve its "
                 "catalog",
                 "Updates from the company's server will not appear.",
                 "Check the Software Update Server (port 8088) and its catalog URL.");
}

/* One finding per certificate cause (DP_CERT_*), one for a required
 * client certificate and one for other TLS failures: a distribution point
 * that connects is never "not serving" for want of TLS. */
void
rule_dp_cert(struct ctx *c)
{
    size_t idx[MAXSEL], n, k;
    struct pp_finding *f;
    char *h, *mode;

    for (k = 0; k <= sizeof(cert_causes) / sizeof(cert_causes[0]) + 1; k++) {
        const struct cert_cause *cc = k < sizeof(cert_causes) / sizeof(cert_causes[0])
                                          ? &cert_causes[k] : NULL;
        bool client = k == sizeof(cert_causes) / sizeof(cert_causes[0]);
        enum pp_reason rs = cc ? cc->reason : client ? PP_RS_CLIENT_CERT_REQUIRED : PP_RS_NONE;
        enum pp_severity sev;

        if ((n = select_tls(c, PP_SV_DP, rs, idx, MAXSEL)) == 0)
            continue;
        sev = any_required(c, idx, n) ? PP_SEV_CRITICAL : PP_SEV_WARNING;
        if (rs == PP_RS_CHAIN_INCOMPLETE && aia_uncertain(c->rep->results[idx[0]]))
            sev = PP_SEV_WARNING;
        f = emit(c, cc ? cc->dp_code : client ? "DP_CLIENT_CERT" : "DP_TLS", sev);
        if (cc != NULL)
            f->title = pp_xasprintf("A distribution point's certificate is %s (%s)", cc->what,
                                    pp_reason_name(rs));
        else if (client)
            f->title = pp_xstrdup("A distribution point requires a client certificate");
        else
            f->title = pp_xstrdup("A distribution point's port answers but TLS fails");
        h = hosts(c, idx, n, true);
        mode = how(c, idx, n);
        f->detail = pp_xasprintf("%s: %s; %s.", h, mode, c->rep->results[idx[0]]->message);
        free(h);
        free(mode);
        f->advice_user = pp_xstrdup(client ? "Downloads need a client certificate this device "
                                             "may not have."
                                           : "Packages from this distribution point will fail "
                                             "to download.");
        f->advice_admin = pp_xasprintf("On the distribution point: %s",
                                       cc ? cc->fix : client ?
                                       "make client certificates optional, or give the "
                                       "devices an identity certificate by profile." :
                                       "check its TLS configuration (TLS 1.2 or 1.3, ECDHE "
                                       "suites, certificate and key).");
        claim(c, f, idx, n);
    }
}

/* Other targets (tls://, https://) whose certificate Apple devices refuse. */
void
rule_target_cert(struct ctx *c)
{
    size_t idx[MAXSEL], n, k;
    struct pp_finding *f;
    char *h;

    for (k = 0; k < sizeof(cert_causes) / sizeof(cert_causes[0]); k++) {
        const struct cert_cause *cc = &cert_causes[k];

        if ((n = select_tls(c, PP_SV_CUSTOM, cc->reason, idx, MAXSEL)) == 0)
            continue;
        f = emit(c, "TARGET_CERT", any_required(c, idx, n) ? PP_SEV_CRITICAL
                                                           : PP_SEV_WARNING);
        f->title = pp_xasprintf("A target's certificate is %s (%s)", cc->what,
                                pp_reason_name(cc->reason));
        h = hosts(c, idx, n, true);
        f->detail = pp_xasprintf("%s: %s.", h, c->rep->results[idx[0]]->message);
        free(h);
        f->advice_user = pp_xstrdup("Apple devices will refuse this server's certificate.");
        f->advice_admin = pp_xasprintf("On that server: %s", cc->fix);
        claim(c, f, idx, n);
    }
}

/* Warnings on checks that may well pass: a certificate about to expire,
 * legacy TLS.  They explain nothing, they add. */
void
rule_tls_warnings(struct ctx *c)
{
    static const struct {
        const char *code;
        const char *words[4];
        const char *title;
        const char *admin;
    } kinds[] = {
        {"CERT_EXPIRING", {"expires-soon"}, "A certificate in use expires soon",
         "Renew the certificate before it expires (--cert-warn-days sets how early this "
         "warns)."},
        {"TLS_WEAK_PROTOCOL", {"tls-legacy", "no-forward-secrecy", "dhe-only", "weak-dh"},
         "A server negotiates legacy TLS",
         "Enable TLS 1.2 and 1.3 with ECDHE suites (forward secrecy) on the server; Apple "
         "deprecated TLS 1.0 and 1.1, and App Transport Security asks for TLS 1.2 with ECDHE."},
    };
    size_t i, k, w, q;

    for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        struct pp_finding *f = NULL;
        struct sbuf b = {0};

        for (i = 0; i < c->rep->n; i++) {
            const struct pp_result *r = c->rep->results[i];
            bool hit = false;

            if (!pp_result_counted(r) || !r->tls.handshake_done)
                continue;
            for (w = 0; w < r->tls.nwarnings; w++)
                for (q = 0; q < 4 && kinds[k].words[q] != NULL; q++)
                    hit = hit || strcmp(r->tls.warnings[w], kinds[k].words[q]) == 0;
            if (!hit)
                continue;
            if (f == NULL) {
                f = emit(c, kinds[k].code, PP_SEV_WARNING);
                f->title = pp_xstrdup(kinds[k].title);
                f->advice_user = pp_xstrdup("Nothing to do on the device.");
                f->advice_admin = pp_xstrdup(kinds[k].admin);
            }
            if (f->nchecks < MAXSEL && b.len < 2000)
                sb_add(&b, "%s%s:%u: %s", b.len ? "; " : "", r->target->host,
                       r->target->port, r->tls.warn_msg ? r->tls.warn_msg : "?");
            add_check(f, r);
        }
        if (f != NULL) {
            sb_add(&b, ".");
            f->detail = sb_take(&b);
        }
    }
}

static bool pick_dp(const struct pp_result *r) { return is_service(r, PP_SV_DP); }

void
rule_dp(struct ctx *c)
{
    service_rule(c, pick_dp, "DP_PROBLEM", "A distribution point does not serve packages",
                 "Packages from this distribution point will fail to install.",
                 "Check the distribution point's web server, its URL and its certificate.");
}

static bool
pick_share(const struct pp_result *r)
{
    return is_service(r, PP_SV_SMB);
}

void
rule_fileshare(struct ctx *c)
{
    service_rule(c, pick_share, "FILESHARE_BLOCKED", "The file share cannot be used",
                 "Packages from the file share will fail to install.",
                 "Allow TCP 445 to the file server and check that SMB 2 or 3 is enabled.");
}

void
rule_afp(struct ctx *c)
{
    size_t i;
    struct pp_finding *f = NULL;

    for (i = 0; i < c->rep->n; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!is_service(r, PP_SV_AFP))
            continue;
        if (f == NULL) {
            /* A share that does not answer is a problem, deprecated or not. */
            f = emit(c, "AFP_DEPRECATED", r->state == PP_ST_OK ? PP_SEV_INFO : PP_SEV_WARNING);
            f->title = pp_xstrdup(r->state == PP_ST_OK ? "AFP file sharing is deprecated by "
                                  "Apple" : "The AFP share does not answer, and AFP is "
                                  "deprecated by Apple");
            char *hp = pp_hostport_fmt(r->target->host, r->target->port);
            f->detail = pp_xasprintf("%s %s.  Current macOS versions are dropping AFP.", hp,
                                     r->state == PP_ST_OK ? "answers over AFP"
                                                          : "does not answer over AFP");
            free(hp);
            f->advice_user = pp_xstrdup("Nothing to do.");
            f->advice_admin = pp_xstrdup("Move distribution points to SMB or HTTPS.");
        }
        add_check(f, r);
        c->explained[i] = true;
    }
}

static bool pick_custom(const struct pp_result *r)
{
    return is_service(r, PP_SV_CUSTOM) || is_service(r, PP_SV_TIME) ||
           is_service(r, PP_SV_CAPTIVE);
}

void
rule_other(struct ctx *c)
{
    service_rule(c, pick_custom, "TARGET_FAILED", "Other checks failed",
                 "See the checks listed.", "See the checks listed.");
}

/* The last word when the status is ok: NETWORK_OK when push was checked
 * and works; otherwise what was checked, and that push was not. */
void
rule_conclusion(struct ctx *c)
{
    struct pp_finding *f;
    struct sbuf b = {0};
    size_t i, k, shown = 0;

    if (c->rep->n == 0 || c->out->status != PP_STATUS_OK)
        return;   /* a capture alone says nothing of "every check" */
    if (c->out->verdict[PP_AREA_PUSH] == PP_V_OK) {
        f = emit(c, "NETWORK_OK", PP_SEV_INFO);
        f->title = pp_xstrdup("The network is fine: every required check passed");
        f->detail = pp_xstrdup("If pushes still do not arrive, the cause is not this network.");
        f->advice_user = pp_xstrdup("Restart the device; if pushes still fail, the MDM "
                                    "administrator should look at the device's enrollment.");
        f->advice_admin = pp_xstrdup("Look elsewhere: an expired or replaced APNs certificate "
                                     "or a wrong push topic on the MDM server, a device that "
                                     "lost its enrollment (failed check-out, wipe), a stale "
                                     "push token, or a push sent right after enrollment.");
        return;
    }
    if (c->out->targets == 0)
        return;   /* nothing checked but what does not apply */
    f = emit(c, "CHECKED_OK", PP_SEV_INFO);
    f->title = pp_xasprintf("%zu target%s checked, all working; Apple push not checked",
                            c->out->targets, c->out->targets == 1 ? "" : "s");
    for (i = 0; i < c->rep->n && shown < 6; i++) {
        const struct pp_result *r = c->rep->results[i];
        if (!pp_result_counted(r) || c->expected[i])
            continue;
        for (k = 0; k < i; k++)
            if (c->rep->results[k]->target == r->target)
                break;
        if (k < i)
            continue;
        if (shown++ == 5) {
            sb_add(&b, ", ...");
            break;
        }
        {
            char *hp = pp_hostport_fmt(r->target->host, r->target->port);
            sb_add(&b, "%s%s", b.len ? ", " : "", hp);
            free(hp);
        }
    }
    {
        char *list = sb_take(&b);
        f->detail = pp_xasprintf("Checked: %s.  No connection to Apple's push service was "
                                 "part of this run, so it says nothing about push "
                                 "notifications.", list);
        free(list);
    }
    f->advice_user = pp_xstrdup("Nothing to do for what was checked.");
    f->advice_admin = pp_xstrdup("To check push as well, run with the apple profile (the "
                                 "default) instead of --profile none.");
}
