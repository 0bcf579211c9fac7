/* SPDX-License-Identifier: ISC */
/*
 * The plan of checks: the built-in Apple profile plus the user's systems
 * (--mdm, --sus, --dp, --smb, --afp, free targets).  Builders validate what
 * the user typed and say what is wrong in one sentence.
 */
#ifndef PP_PLAN_H
#define PP_PLAN_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pushprobe.h"

/* A lazy source of checks, for ranges too large to plan one by one (the
 * audit mode): the engine pulls the next (target, address) whenever it has
 * a free slot, so memory follows the concurrency, not the range. */
struct pp_feed {
    /* Give the next check; false when there are no more. */
    bool (*next)(void *ctx, const struct pp_target **t, struct sockaddr_storage *sa);
    void *ctx;
    uint64_t total;       /* how many next() will give, for progress */
};

struct pp_plan {
    struct pp_target **t;
    size_t n;
    size_t cap;
};

void pp_plan_init(struct pp_plan *);
void pp_plan_free(struct pp_plan *);
/* Takes ownership; drops (and frees) an exact duplicate of host, port and
 * probe.  Returns the target kept.  p NULL: frees the target (a builder
 * called only to check its argument); returns NULL. */
struct pp_target *pp_plan_add(struct pp_plan *, struct pp_target *);

/* The built-in profile by name ("apple").  Returns -1 if unknown. */
int pp_plan_add_profile(struct pp_plan *, const char *name);

/* User systems; each returns 0, or -1 with a sentence in err. */
int pp_plan_add_mdm(struct pp_plan *, const char *arg, char *err, size_t errlen);
int pp_plan_add_sus(struct pp_plan *, const char *arg, char *err, size_t errlen);
int pp_plan_add_dp(struct pp_plan *, const char *arg, char *err, size_t errlen);
int pp_plan_add_smb(struct pp_plan *, const char *arg, char *err, size_t errlen);
int pp_plan_add_afp(struct pp_plan *, const char *arg, char *err, size_t errlen);
/* --public-ip URL: this network's public address from that service. */
int pp_plan_add_publicip(struct pp_plan *, const char *arg, char *err, size_t errlen);
/* HOST:PORT (tcp), tcp://HOST:PORT, tls://HOST:PORT, http(s)://... */
int pp_plan_add_free(struct pp_plan *, const char *arg, char *err, size_t errlen);
/* The builder of a setting by its key: "mdm", "sus", "dp", "smb", "afp",
 * "public-ip" or "target" (pp_plan_add_free).  With p NULL, every builder
 * only checks arg: 0, or -1 with the sentence it would give. */
int pp_plan_add_user(struct pp_plan *, const char *kind, const char *arg, char *err,
                     size_t errlen);

/* Targets are made and freed here, whoever holds them (the plan, the
 * audit's feed, the engine's redirects).  pp_target_new allocates one with
 * the common fields set and the probe named (an unknown name is a bug:
 * abort); pp_target_free frees one (NULL is fine). */
struct pp_target *pp_target_new(enum pp_service, const char *host,
                                uint16_t port, const char *probe,
                                bool required);
void pp_target_free(struct pp_target *);
/* A deep copy of a target (its via included). */
struct pp_target *pp_target_dup(const struct pp_target *);

#endif
