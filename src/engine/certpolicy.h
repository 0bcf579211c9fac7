/* SPDX-License-Identifier: ISC */
/*
 * Apple's rules for TLS server certificates, as a pure function over a
 * chain: no store, no socket, no clock of its own, so unit tests and the
 * fuzzer call it directly.  The rules and their sources (support.apple.com
 * 103769 and 102028, App Transport Security) are in apple-network.md
 * section 10 and the man page's fact sheet; each rule is one row of
 * rules[] in certpolicy.c with its own reason code.
 */
#ifndef PP_CERTPOLICY_H
#define PP_CERTPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "core/pushprobe.h"

/* The dates the rules start from (NotBefore on or after), seconds since 1970. */
#define PP_CP_EKU_825_FROM 1561939200LL   /* 2019-07-01T00:00:00Z */
#define PP_CP_398_FROM 1598918400LL       /* 2020-09-01T00:00:00Z */
#define PP_CP_MAX_DAYS 825
#define PP_CP_MAX_DAYS_PUBLIC 398
#define PP_CP_MIN_RSA_BITS 2048
#define PP_CP_MIN_EC_BITS 256

struct pp_cp_input {
    STACK_OF(X509) *chain;   /* leaf first: the built chain, or the served one */
    enum pp_anchor anchor;   /* where the chain's last certificate comes from;
                              * NONE: the chain was not built to a trusted root */
    const char *name;        /* DNS name or IP literal the leaf must carry (in
                              * its subjectAltName); NULL or "": not checked */
    time_t now;
    int warn_days;           /* warn when a certificate expires within this
                              * many days; negative: never */
};

struct pp_cp_result {
    enum pp_reason rule;     /* the first rule broken; PP_RS_NONE: all kept */
    int depth;               /* the certificate it is about (0: the leaf) */
    char msg[384];           /* one sentence for the first rule broken */
    unsigned broken;         /* one bit per rule broken: 1u << pp_cp_rule_bit() */
    int expiring_depth;      /* the first certificate expiring within warn_days, or -1 */
    int min_days_left;       /* the chain's nearest expiry in whole days (INT_MAX: none) */
    char expiring_msg[256];
};

/* Judge the chain.  Returns res->rule. */
enum pp_reason pp_certpolicy_check(const struct pp_cp_input *, struct pp_cp_result *res);

/* The bit of a rule's reason in res->broken, or -1 for a reason that is no rule. */
int pp_cp_rule_bit(enum pp_reason);
/* The rules' reasons in the order they are tried (n set to their count). */
const enum pp_reason *pp_cp_rules(size_t *n);

/* Describe certificates for the report (subject, SANs, EKUs, key, dates,
 * fingerprint); pp_cert_info_free() frees. */
void pp_cert_describe(X509 *, struct pp_cert_info *);
struct pp_cert_info *pp_cert_describe_chain(STACK_OF(X509) *, size_t *n);

/* Seconds since 1970 of an ASN.1 time; false when it cannot be read. */
bool pp_asn1_unix(const ASN1_TIME *, int64_t *out);

/* Load every certificate from PEM text or DER bytes (one certificate, or
 * several back to back).  NULL when none can be read.  For the fuzzer and
 * tests. */
STACK_OF(X509) *pp_cert_parse_chain(const unsigned char *buf, size_t len);

#endif
