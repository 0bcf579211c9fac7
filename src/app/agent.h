/* SPDX-License-Identifier: ISC */
/* The agent: --serve [ADDR:]PORT, a run every --interval seconds, the last
 * run served as /metrics, /report.json and /healthz. */
#ifndef PP_AGENT_H
#define PP_AGENT_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "plan/plan.h"

struct pp_capture;
struct pp_pac_table;

struct pp_agent_opts {
    struct sockaddr_storage addr;  /* where to listen (127.0.0.1 by default) */
    char where[80];                /* the same, as text */
    double interval_s;
    const char *token_file;        /* NULL: no token */
    struct pp_capture *capture;    /* --sniff beside the runs, or NULL */
    bool redact;                   /* --redact: every body served is masked */
    const char *resolver;          /* --resolver, for each run's context, or NULL */
    const struct pp_pac_table *pac; /* the run's PAC, for each run's context, or NULL */
};

/* Parse [ADDR:]PORT ("9898", "127.0.0.1:9898", "[::1]:9898"). */
int pp_agent_parse_listen(const char *s, struct pp_agent_opts *ao, char *err, size_t errlen);
/* What the agent answers a request: decided from its method, path,
 * Authorization header (NULL: none), the token it wants (NULL: none) and
 * whether a body came with it.  A pure function of the request's bytes
 * (tests/fuzz/fuzz_agent.c); the handler turns it into a response. */
enum pp_agent_route {
    PP_AGENT_NOT_ALLOWED,   /* 405: only GET and HEAD */
    PP_AGENT_BODY,          /* 400: a body with GET */
    PP_AGENT_UNAUTHORIZED,  /* 401: the bearer token is missing or wrong */
    PP_AGENT_HEALTHZ,       /* /healthz */
    PP_AGENT_PAGE,          /* / */
    PP_AGENT_METRICS,       /* /metrics */
    PP_AGENT_JSON,          /* /report.json */
    PP_AGENT_NOT_FOUND      /* 404 */
};
bool pp_agent_method_allowed(const char *method);
enum pp_agent_route pp_agent_route(const char *method, const char *url,
                                   const char *authorization, const char *token,
                                   bool had_body);

/* Serve until SIGINT or SIGTERM; 0, or -1 with err set. */
int pp_agent_run(const struct pp_agent_opts *, const struct pp_plan *,
                 const struct pp_engine_opts *, char *err, size_t errlen);
/* --serve-token's file as pp_agent_run reads it (--list checks it): 0,
 * or -1 with err. */
int pp_agent_check_token(const char *path, char *err, size_t errlen);
/* What --serve-token's file's first bytes hold: at most
 * PP_AGENT_TOKEN_READ of them are read, and the token is what comes
 * before the first NUL, CR or LF, at least PP_AGENT_TOKEN_MIN characters.
 * Returns its length, or -1 if it is shorter.  A pure function of the
 * file's bytes (tests/fuzz/fuzz_token.c); read_token reads them. */
#define PP_AGENT_TOKEN_READ 511
#define PP_AGENT_TOKEN_MIN 16
int pp_agent_token_length(const char *buf, size_t n);
/* The signal that ended pp_agent_run, or 0. */
int pp_agent_stop_signal(void);

#endif
