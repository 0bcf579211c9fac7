/* SPDX-License-Identifier: ISC */
/*
 * DNS through c-ares, inside our poll loop (ARES_OPT_SOCK_STATE_CB and
 * ares_process_fd, as curl does).  One lookup per (name, family), shared by
 * every target that needs it; each answer carries its own timing and a
 * distinct failure reason.
 */
#ifndef PP_DNS_H
#define PP_DNS_H

#include <sys/socket.h>
#include <stddef.h>

#include "core/loop.h"
#include "core/pushprobe.h"

#define PP_DNS_MAX_ADDRS 16

struct pp_dns_answer {
    int status;              /* ARES_SUCCESS or an ARES_E* code */
    enum pp_reason reason;   /* PP_RS_NONE on success */
    int family;
    size_t naddr;
    struct sockaddr_storage addr[PP_DNS_MAX_ADDRS];
    double elapsed_ms;
};

typedef void (*pp_dns_cb)(const struct pp_dns_answer *, void *arg);

/* What a lookup's callback reads of c-ares' answer, without a resolver:
 * status and reason, then (on success) res's addresses of family, in
 * order, duplicates dropped, at most PP_DNS_MAX_ADDRS; none is ENODATA,
 * no-address.  ans->naddr starts at 0.  tests/fuzz/fuzz_dns.c. */
struct ares_addrinfo;
struct hostent;
void pp_dns_take_answer(struct pp_dns_answer *ans, int family, int status,
                        const struct ares_addrinfo *res);
/* The name of a reverse lookup's answer, or NULL (failed, none, empty). */
const char *pp_dns_ptr_name(int status, const struct hostent *h);

struct pp_dns;

/* resolver: NULL for the system's, else "IP" or "IP:PORT" or "[IPv6]:PORT".
 * timeout_ms bounds each lookup.  Returns NULL with err set on failure. */
struct pp_dns *pp_dns_new(struct pp_loop *, const char *resolver,
                          int timeout_ms, char *err, size_t errlen);
void pp_dns_free(struct pp_dns *);
/* cb may run before this returns (literals, cached or hosts-file names). */
void pp_dns_lookup(struct pp_dns *, const char *host, int family,
                   pp_dns_cb cb, void *arg);
/* The name of an address (PTR), or NULL when the resolver has none or does
 * not answer in time.  cb may run before this returns (a bad address). */
typedef void (*pp_dns_name_cb)(const char *name, void *arg);
void pp_dns_reverse(struct pp_dns *, const struct sockaddr *sa, pp_dns_name_cb cb, void *arg);
/* Cancel outstanding lookups: their callbacks run with PP_RS_RUN_DEADLINE. */
void pp_dns_cancel(struct pp_dns *);
size_t pp_dns_pending(const struct pp_dns *);
/* The first server the lookups go to, "IP:PORT" ("[IPv6]:PORT"), or ""
 * (for -v). */
void pp_dns_server(const struct pp_dns *, char *buf, size_t len);

enum pp_reason pp_dns_reason(int ares_status);
/* Check a --resolver argument; returns 0 or -1 with err set. */
int pp_dns_resolver_check(const char *resolver, char *err, size_t errlen);

#endif
