/*
 * The plan of checks: the built-in Apple profile plus the user's systems
 * (--mdm, --sus, --dp, --smb, --afp, free targets).  Builders validate what
 * the user typed and say what is wrong in one sentence.
 */
#ifndef PP_PLAN_H
#define PP_PLAN_H

#include <stddef.h>

#include "core/pushprobe.h"

struct pp_plan {
    struct pp_target **t;
    size_t n;
    size_t cap;
};

void pp_plan_init(struct pp_plan *);
void pp_plan_free(struct pp_plan *);
/* Takes ownership; drops (and frees) an exact duplicate of host, port and
 * probe.  Returns the target kept. */
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

/* Is this address in Apple's address space (profile.c's table)? */
struct sockaddr;
bool pp_addr_in_apple(const struct sockaddr *sa);
/* Apple's address blocks one by one (for the capture filter); false past
 * the last. */
bool pp_apple_space_entry(size_t i, int *family, const uint8_t **prefix, int *bits);

/* Allocate a target with the common fields set. */
struct pp_target *pp_target_new(enum pp_service, const char *host,
                                uint16_t port, const char *probe,
                                bool required);

#endif
