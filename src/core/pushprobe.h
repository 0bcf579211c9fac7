/* SPDX-License-Identifier: ISC */
/*
 * pushprobe: the result model shared by the engine, the probes and ui/.
 *
 * A check is one (target, address) pair: IPv4 and IPv6 addresses of one
 * name are separate checks.  A target whose name did not resolve yields one
 * check with no address.  Reports read struct pp_result and nothing else.
 */
#ifndef PP_PUSHPROBE_H
#define PP_PUSHPROBE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_JSON_SCHEMA 1
#define PP_JSON_SCHEMA_MINOR 7   /* 1: verdicts, findings, context; 2: capture, flows;
                                  * 3: retry_of; 4: summary.expected, checks' expected,
                                  * summary.push_checked; 5: path; 6: tls chains,
                                  * apple_policy, protocol, capture interfaces,
                                  * processes, tunnels, complete, late_packets;
                                  * 7: nat64, ipv4-unavailable, nat64_ipv4,
                                  * rounds (-c N), the JSON Lines records and
                                  * --list --json in the schema; via, proxy,
                                  * the proxy reasons, context.pac */

/* Exit statuses (documented in pushprobe.1).  A run's status maps to
 * PP_EXIT_OK, PP_EXIT_DEGRADED or PP_EXIT_FAILED (pp_status_exit). */
#define PP_EXIT_OK 0
#define PP_EXIT_FAILED 1
#define PP_EXIT_USAGE 2
#define PP_EXIT_INTERNAL 3
#define PP_EXIT_DEGRADED 4

enum pp_state {
    PP_ST_PENDING = 0,
    PP_ST_OK,
    PP_ST_CLOSED,
    PP_ST_FILTERED,
    PP_ST_BLOCKED,
    PP_ST_UNREACHABLE,
    PP_ST_DNS_FAILED,
    PP_ST_TLS_FAILED,
    PP_ST_INTERCEPTED,
    PP_ST_UNEXPECTED,
    PP_ST_ERROR,
    PP_ST__COUNT
};

/* Short reason codes: one enum, one string table (result.c). */
enum pp_reason {
    PP_RS_NONE = 0,
    PP_RS_SYN_ACK,
    PP_RS_CONN_REFUSED,
    PP_RS_CONN_RESET,
    PP_RS_NO_RESPONSE,
    PP_RS_ADMIN_PROHIBITED,
    PP_RS_PORT_UNREACH,
    PP_RS_PROTO_UNREACH,
    PP_RS_HOST_UNREACH,
    PP_RS_NET_UNREACH,
    PP_RS_TTL_EXCEEDED,
    PP_RS_NO_ROUTE,
    PP_RS_LOCAL_POLICY,
    PP_RS_LOCAL_ROUTE,
    PP_RS_NXDOMAIN,
    PP_RS_SERVFAIL,
    PP_RS_DNS_REFUSED,
    PP_RS_DNS_TIMEOUT,
    PP_RS_DNS_UNREACHABLE,
    PP_RS_NO_ADDRESS,
    PP_RS_BAD_NAME,
    PP_RS_TLS_OK,
    PP_RS_TLS_ALERT,
    PP_RS_TLS_EOF,
    PP_RS_TLS_TIMEOUT,
    PP_RS_NOT_TLS,
    PP_RS_TLS_HANDSHAKE,
    PP_RS_CERT_UNTRUSTED,
    PP_RS_CERT_EXPIRED,
    PP_RS_CERT_NOT_YET_VALID,
    PP_RS_NAME_MISMATCH,
    PP_RS_ISSUER_UNEXPECTED,
    PP_RS_ALPN_MISMATCH,
    PP_RS_SAN_MISSING,       /* Apple's certificate rules (engine/certpolicy.h) */
    PP_RS_EKU_MISSING,
    PP_RS_EKU_WRONG,
    PP_RS_VALIDITY_TOO_LONG,
    PP_RS_WEAK_KEY,
    PP_RS_WEAK_SIGNATURE,
    PP_RS_LEAF_IS_CA,
    PP_RS_CHAIN_INCOMPLETE,
    PP_RS_CERT_REVOKED,
    PP_RS_CLIENT_CERT_REQUIRED,
    PP_RS_SERVICE_OK,
    PP_RS_AUTH_REQUIRED,
    PP_RS_REDIRECT,
    PP_RS_HTTP_STATUS,
    PP_RS_BAD_RESPONSE,
    PP_RS_TOO_LARGE,
    PP_RS_CAPTIVE_PORTAL,
    PP_RS_MDM_UNHEALTHY,
    PP_RS_NOT_PLIST,
    PP_RS_DNS_OUTSIDE_APPLE,
    PP_RS_SMB1_ONLY,
    PP_RS_SERVER_ERROR,
    PP_RS_CLOCK_SKEW,
    PP_RS_CONN_LOST,
    PP_RS_LOCAL_RESOURCE,
    PP_RS_RUN_DEADLINE,
    PP_RS_FAMILY_EXCLUDED,   /* a literal of the family -4/-6 leaves out */
    PP_RS_IPV4_UNAVAILABLE,  /* IPv4 on a network without it (no IPv4 route) */
    PP_RS_PROXY_DENIED,      /* the proxy refused CONNECT (403): its port policy */
    PP_RS_PROXY_AUTH_REQUIRED, /* 407: the proxy wants credentials */
    PP_RS_PROXY_UNREACHABLE, /* the connect to the proxy failed */
    PP_RS_PROXY_UPSTREAM_FAILED, /* 502/504: the proxy could not reach the server */
    PP_RS_PROXY_STATUS,      /* another answer of the proxy's, named */
    PP_RS_INTERNAL,
    PP_RS__COUNT
};

/* Service groups, in report order. */
enum pp_service {
    PP_SV_APNS_DEVICE = 0,
    PP_SV_APNS_PROVIDER,
    PP_SV_APNS_LEGACY,
    PP_SV_MDM,
    PP_SV_ENROLLMENT,
    PP_SV_SOFTWARE_UPDATE,
    PP_SV_CERT_VALIDATION,
    PP_SV_CAPTIVE,
    PP_SV_TIME,
    PP_SV_SUS,
    PP_SV_DP,
    PP_SV_SMB,
    PP_SV_AFP,
    PP_SV_CUSTOM,
    PP_SV__COUNT
};

/* Which roots a TLS chain must lead to (see data/ and tlscore.c). */
enum pp_trust {
    PP_TRUST_SYSTEM = 0, /* system store plus --ca-file */
    PP_TRUST_APPLE_COURIER,
    PP_TRUST_APPLE_PUBLIC,
    PP_TRUST__COUNT
};

struct pp_probe;
struct pp_addr_space;

/* An HTTP proxy a check goes through (plan/proxy.h makes and frees it). */
struct pp_via {
    char *url;         /* as reports show it: "http://user:***@host:port" */
    char *host;        /* name or literal, without brackets */
    uint16_t port;
    char *auth;        /* base64 of "user:password" (Proxy-Authorization:
                        * Basic), or NULL */
};

/* One entry of the plan: what to check, before DNS. */
struct pp_target {
    enum pp_service service;
    char *host;        /* name or literal address */
    uint16_t port;
    const struct pp_probe *probe;
    bool tls;          /* TLS handshake after the TCP connect */
    bool required;
    char *sni;         /* TLS server name; NULL: host (if a name) */
    char *verify_name; /* name the certificate must carry; NULL: host */
    char *alpn;        /* comma-separated ALPN offer, or NULL */
    enum pp_trust trust;
    char *path;        /* URL path for HTTP-based probes, or NULL */
    const struct pp_addr_space *space; /* the name must resolve into these
                                        * addresses (core/applenet.h), or NULL */
    int hops;          /* redirects followed to get here (0: from the plan) */
    bool by_address;   /* a block of addresses: checks are named by address */
    char *note;        /* why this target is in the plan */
    bool tunnel;       /* via: HTTP CONNECT (else absolute-URI requests) */
    struct pp_via *via; /* through this proxy (HTTP CONNECT, or absolute-URI
                         * requests for plain HTTP), or NULL: direct */
};

/* One certificate as the judgement saw it (engine/certpolicy.c). */
struct pp_cert_info {
    char *subject;       /* RFC 2253 */
    char *issuer;
    char **san;          /* "DNS:name", "IP:address" */
    size_t nsan;
    char **eku;          /* "serverAuth", "clientAuth", ... or the OID */
    size_t neku;
    bool has_eku;        /* the extension is there (it may list no serverAuth) */
    char key_type[16];   /* "RSA", "EC", "DSA", "ED25519", ... */
    int key_bits;
    char sig_alg[48];    /* "sha256WithRSAEncryption", ... */
    char not_before[32]; /* RFC 3339, UTC */
    char not_after[32];
    int64_t not_before_unix;
    int64_t not_after_unix;
    char sha256[65];     /* hex */
    bool ca;             /* basicConstraints CA:TRUE */
    bool self_signed;
};

/* The stapled OCSP response (the client always asks for one). */
enum pp_ocsp {
    PP_OCSP_NONE = 0,    /* no handshake, or nothing stapled */
    PP_OCSP_GOOD,
    PP_OCSP_REVOKED,
    PP_OCSP_UNKNOWN,     /* the responder does not know the certificate */
    PP_OCSP_INVALID      /* unreadable, for another certificate, or not signed by the issuer */
};

/* Where the root the chain was built to comes from.  Apple's 398-day limit
 * applies to roots that come with the system, not to ones a user or an MDM
 * profile added (--ca-file, --apple-ca stand for those). */
enum pp_anchor {
    PP_ANCHOR_NONE = 0,  /* no chain to a trusted root */
    PP_ANCHOR_SYSTEM,    /* the system's store (preinstalled roots) */
    PP_ANCHOR_ADDED,     /* --ca-file, the System keychain, --apple-ca */
    PP_ANCHOR_APPLE      /* the compiled-in Apple roots */
};

struct pp_tls_info {
    bool ran;            /* a handshake was attempted */
    bool handshake_done;
    char version[16];
    char cipher[64];
    char alpn[32];
    char *subject;
    char *issuer;
    char *issuer_cn;
    char not_after[32];  /* RFC 3339, UTC */
    int64_t not_after_unix; /* the same, in seconds since 1970 */
    int days_left;
    bool have_cert;
    bool verified;
    char *verify_error;
    bool client_cert_requested;
    enum pp_trust trust;
    /* Protocol: key exchange ("ECDHE", "DHE", "RSA", "TLS1.3") and the
     * server's ephemeral key ("X25519", "DH"...) with its size. */
    char kex[16];
    char kex_group[24];
    int kex_bits;
    int alert;           /* the server's TLS alert number, or -1 */
    enum pp_ocsp ocsp;
    /* The served chain (as sent, leaf first) and the chain built to a root. */
    struct pp_cert_info *served;
    size_t nserved;
    struct pp_cert_info *built;
    size_t nbuilt;
    enum pp_anchor anchor;
    /* Apple's rules: the first one broken (PP_RS_NONE: all kept), the
     * certificate it is about (0: leaf), and warnings (expiry, protocol). */
    bool policy_ran;
    enum pp_reason policy_rule;
    int policy_depth;
    char *policy_msg;
    char **warnings;     /* machine words: "expires-soon", "tls-legacy", ... */
    size_t nwarnings;
    char *warn_msg;      /* the warnings in one sentence, or NULL */
    int min_days_left;   /* the chain's first expiry, in days; INT_MAX when none */
};

/* Probe-specific findings, typed, in the order the probe set them: the
 * JSON report writes them as the check's "details" object. */
#define PP_MAX_DETAILS 24
enum pp_kv_type { PP_KV_STR, PP_KV_INT, PP_KV_BOOL, PP_KV_NUM };
struct pp_kv {
    const char *key;   /* a string constant */
    enum pp_kv_type type;
    char *s;
    long long i;
    double d;
};

/* A path trace (engine/trace.h): what came back for each TTL. */
enum pp_hop_reply {
    PP_HR_NONE = 0,          /* silence */
    PP_HR_TIME_EXCEEDED,
    PP_HR_UNREACHABLE,
    PP_HR_ADMIN_PROHIBITED,
    PP_HR_SYN_ACK,
    PP_HR_RST,
    PP_HR__COUNT
};

/* Whose network a hop's address is in. */
enum pp_hop_network {
    PP_NW_LOCAL = 0,   /* private ranges: this network */
    PP_NW_CGNAT,       /* 100.64.0.0/10: the provider's carrier-grade NAT */
    PP_NW_APPLE,       /* Apple's address space */
    PP_NW_PUBLIC,      /* anything else: the provider or transit */
    PP_NW__COUNT
};

/* How the path ends. */
enum pp_path_end {
    PP_PE_DROPPED = 0, /* silence after end_hop (the last hop that answered) */
    PP_PE_REACHED,     /* the destination's SYN-ACK or RST, at its distance */
    PP_PE_REJECTED,    /* an ICMP unreachable or admin-prohibited from end_hop */
    PP_PE_RESET,       /* a RST for a TTL too small to reach the server */
    PP_PE_ANSWERED,    /* a SYN-ACK for a TTL too small: a transparent proxy */
    PP_PE__COUNT
};

struct pp_hop {
    int ttl;
    char address[48];  /* "" when silent */
    double rtt_ms;     /* the fastest probe's; negative when silent */
    enum pp_hop_reply reply;
    enum pp_hop_network network;
    char *name;        /* reverse DNS, or NULL */
};

struct pp_path {
    struct pp_hop *hops;
    size_t nhops;
    enum pp_path_end end;
    int end_hop;         /* TTL of the box that ends the path (dropped: the
                          * last that answered; 0: none did) */
    char end_address[48]; /* that box's address, "" when unknown */
    enum pp_hop_network end_network;
    char *end_name;      /* reset/answered: that box's name from the other
                          * trace, or NULL */
    int reach_ttl;       /* the TTL of the destination's answer, 0: none */
    int distance;        /* the server's distance from another trace of the
                          * same address, 0: unknown */
    char beyond_address[48]; /* dropped: the hop after end_hop in that other
                              * trace (where the silence begins), or "" */
    enum pp_hop_network beyond_network;
    const char *method;  /* "errqueue" or "raw" */
};

struct pp_result {
    char *id;
    const struct pp_target *target;
    bool has_address;
    int family;          /* AF_INET, AF_INET6, or 0 when no address */
    char address[48];
    enum pp_state state;
    enum pp_reason reason;
    char icmp_from[48];  /* router that sent an ICMP error, or "" */
    /* Phase timings in milliseconds; negative when the phase did not run. */
    double t_dns;
    double t_connect;
    double t_tls;
    double t_total;
    double t_app;        /* the probe's own exchange, after TCP/TLS */
    double t_first_byte; /* from the request to the first byte back */
    struct pp_tls_info tls;
    char *message;       /* one human sentence */
    char *summary;       /* a few words for the report, e.g. "HTTP 200" */
    struct pp_kv *details;   /* allocated when a probe sets one */
    size_t ndetails;
    uint64_t order;      /* sort key: plan index, redirect hop, family, DNS order */
    char *retry_of;      /* the id of the check this one repeats with small TCP
                          * segments, or NULL */
    int attempts;        /* adaptive timeouts: connects tried (1 or 2); 0: fixed */
    double timeout_ms;   /* adaptive timeouts: the last attempt's deadline */
    struct pp_path *path; /* its path trace (--trace), or NULL */
};

/* The segment size of the path-MTU retry: IPv4's minimum datagram (576)
 * less the IP and TCP headers. */
#define PP_SMALL_MSS 536

struct pp_diagnosis;
struct pp_context;
struct pp_audit;
struct pp_audit_result;
struct pp_capture;
struct pp_hists;

/* NAT64 as the run saw it (the engine; a CLAT is the context's). */
struct pp_nat64_info {
    bool ipv6_only;      /* IPv6 default route, no native IPv4 one: the run
                          * asked ipv4only.arpa (RFC 7050) */
    bool no_ipv4_route;  /* no IPv4 default route at all */
    bool looked;         /* the ipv4only.arpa lookup ran */
    char prefix[64];     /* the NAT64 prefix: the first discovered, else
                          * 64:ff9b::/96 when a check's address was inside it;
                          * "" when none */
    bool discovered;     /* prefix came from ipv4only.arpa */
    size_t nprefix;      /* prefixes discovered */
};

struct pp_redact;

struct pp_report {
    char started_at[40]; /* RFC 3339 */
    int64_t ended_at;    /* seconds since 1970 */
    double duration_ms;
    struct pp_result **results;
    size_t n;
    struct pp_target **extra;   /* targets the run added (redirects) */
    size_t nextra;
    uint64_t not_run;           /* checks the run's deadline left unstarted (audit) */
    const struct pp_diagnosis *diag;     /* findings and verdicts, or NULL */
    const struct pp_context *context;    /* this machine, or NULL */
    const struct pp_audit *audit;        /* the audit and its result, or NULL */
    const struct pp_audit_result *audit_result;
    const struct pp_capture *capture;   /* what the network showed, or NULL */
    struct pp_nat64_info nat64;
    const struct pp_hists *rounds;      /* -c N: each check's history, or NULL */
    /* --redact: what the text report masks in each value before it lays
     * out its columns (core/redact.h), or NULL. */
    const struct pp_redact *redact;
};

const char *pp_state_name(enum pp_state);
const char *pp_reason_name(enum pp_reason);
const char *pp_service_name(enum pp_service);
const char *pp_service_title(enum pp_service);
const char *pp_trust_name(enum pp_trust);
const char *pp_hop_reply_name(enum pp_hop_reply);     /* "time-exceeded" */
const char *pp_hop_network_name(enum pp_hop_network); /* "cgnat" */
const char *pp_path_end_name(enum pp_path_end);       /* "dropped" */
struct pp_path *pp_path_dup(const struct pp_path *);
void pp_path_free(struct pp_path *);
bool pp_state_is_ok(enum pp_state);

void pp_result_free(struct pp_result *);
/* Free what a TLS description holds (certificates, warnings). */
void pp_tls_info_clear(struct pp_tls_info *);
void pp_cert_info_free(struct pp_cert_info *, size_t n);
const char *pp_ocsp_name(enum pp_ocsp);
const char *pp_anchor_name(enum pp_anchor);
/* False for a small-segment retry (retry_of set): evidence for the check it
 * repeats (PATH_MTU_BLACKHOLE), not a check of its own in counts, verdicts,
 * series or rows. */
bool pp_result_counted(const struct pp_result *);
/* Set a detail (replacing one with the same key); strings are copied and
 * made printable.  Silently ignored past PP_MAX_DETAILS. */
void pp_detail_str(struct pp_result *, const char *key, const char *val);
void pp_detail_int(struct pp_result *, const char *key, long long val);
void pp_detail_bool(struct pp_result *, const char *key, bool val);
void pp_detail_num(struct pp_result *, const char *key, double val);
const struct pp_kv *pp_detail_get(const struct pp_result *, const char *key);
/* The reason code for a probe's "problem" word (smb1-only, truncated, ...). */
enum pp_reason pp_problem_reason(const char *problem);
void pp_result_summary(struct pp_result *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A pending result of target t (times unset). */
struct pp_result *pp_result_new(const struct pp_target *t, uint64_t order);
/* Set the state, reason and message.  The message, like the summary and
 * string details, is made printable here: text from a server (a JSON
 * reason, a header, a page title) cannot add a line or a control
 * character to a report. */
void pp_result_set(struct pp_result *, enum pp_state, enum pp_reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pp_result_vset(struct pp_result *, enum pp_state, enum pp_reason, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

/* Free the results of a report (pp_report_free also frees its extra
 * targets). */
void pp_report_free_results(struct pp_report *);

#endif
