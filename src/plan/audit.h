/* SPDX-License-Identifier: ISC */
/*
 * The firewall audit: targets (names, addresses, CIDR blocks) times ports,
 * checked against expectations (--expect, src/plan/policy.c).  Names go through
 * the plan (they need DNS); addresses and blocks are fed to the engine
 * lazily, in order or shuffled, so memory follows the checks in flight.
 */
#ifndef PP_AUDIT_H
#define PP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"
#include "plan/policy.h"
#include "core/pushprobe.h"
#include "plan/targets.h"

struct addr_target;

struct pp_audit_item {
    struct pp_tspec spec;
    struct pp_ports ports;   /* its own ports, or none (count 0): the default */
    struct addr_target **cache; /* per port index and TCP/TLS, made on first use,
                                 * freed when no target in it is alive */
    uint32_t live;           /* targets in the cache */
    uint64_t first;          /* feed index of its first check (address items) */
};

struct pp_audit {
    struct pp_audit_item *items;
    size_t nitems, capitems;
    size_t *addr_items;      /* the address items, by first feed index */
    size_t naddr_items;
    struct pp_ports default_ports;
    bool have_default_ports;
    struct pp_policy policy;
    bool have_policy;
    bool shuffle;
    uint64_t seed;
    /* The feed over address items: (item, address, port) by index. */
    uint64_t total;
    uint64_t next;
    uint64_t perm_mask;      /* shuffle: a bijection on [0, mask], cycle-walked */
    uint64_t perm_mul, perm_add;
    struct pp_feed feed;
};

void pp_audit_init(struct pp_audit *);
void pp_audit_free(struct pp_audit *);
/* Add a target spec (command line or --targets); ports may be NULL. */
int pp_audit_add(struct pp_audit *, const char *spec, char *err, size_t errlen);
int pp_audit_add_file(struct pp_audit *, const char *path, char *err, size_t errlen);
int pp_audit_set_ports(struct pp_audit *, const char *ports, char *err, size_t errlen);
int pp_audit_set_policy(struct pp_audit *, const char *path, char *err, size_t errlen);
/* Turn the items into plan targets (names) and the lazy feed (addresses);
 * with no items, the policy's rules are the items (blocks wider than 256
 * addresses only judge).  Returns 0, or -1 with err (no ports, nothing to
 * audit, ...). */
int pp_audit_prepare(struct pp_audit *, struct pp_plan *plan, char *err, size_t errlen);

enum pp_audit_verdict { PP_AUDIT_PASS, PP_AUDIT_DEVIATION, PP_AUDIT_NO_RULE };

struct pp_audit_row {
    struct pp_result *r;
    long rule;               /* index in the policy, or -1 */
    enum pp_audit_verdict verdict;
    const char *observed;    /* "open", "closed", "tls" or "not-tls" */
};

/* Per port: how many checks ended in each state. */
struct pp_audit_port {
    uint32_t state[PP_ST__COUNT];
    uint16_t port;
};

/* Deviations kept for the report (the text lists them, JSON's "results");
 * the others are counted only. */
#define PP_AUDIT_KEEP 1000

/* The audit's tallies, built check by check as results stream past:
 * memory follows the rules, the ports and the deviations kept, never the
 * number of checks. */
struct pp_audit_result {
    struct pp_audit_row *rows;   /* deviations kept (at most PP_AUDIT_KEEP),
                                  * sorted by feed order by pp_audit_sort */
    size_t n, cap;
    uint64_t checks, deviations, passes, unmatched;
    uint64_t deviations_dropped; /* deviations past PP_AUDIT_KEEP */
    uint64_t not_run;            /* never finished: the run's deadline or an interrupt */
    uint64_t ok, failed, required_failed;   /* the summary's counts */
    bool interrupted;            /* Ctrl-C (or SIGTERM) ended the run */
    uint64_t state[PP_ST__COUNT];
    uint64_t *rule_checks, *rule_deviations;   /* per policy rule */
    struct pp_audit_port *ports; /* in first-seen order */
    size_t nports, capports;
    uint32_t *port_slot;         /* port -> index + 1 into ports, 0: none yet */
    double timeout_lo, timeout_hi;   /* adaptive timeouts given, ms (0: fixed) */
};

void pp_audit_result_init(struct pp_audit_result *, const struct pp_audit *);
/* Judge one finished check. */
void pp_audit_judge(const struct pp_audit *, struct pp_result *r, struct pp_audit_row *out);
/* Count a judged row; returns true when the row (and its result) is kept,
 * false when the caller may free the result. */
bool pp_audit_tally(struct pp_audit_result *, const struct pp_audit_row *);
/* Sort the kept deviations (feed order) and the ports (by number). */
void pp_audit_sort(struct pp_audit_result *);
void pp_audit_result_free(struct pp_audit_result *);
const char *pp_audit_verdict_name(enum pp_audit_verdict);
/* A check of an address has been written and its result is about to be
 * freed: its target goes once no other check holds it. */
void pp_audit_release(struct pp_audit *, const struct pp_result *);

#endif
