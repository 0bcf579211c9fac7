/* The agent: --serve [ADDR:]PORT, a run every --interval seconds, the last
 * run served as /metrics, /report.json and /healthz. */
#ifndef PP_AGENT_H
#define PP_AGENT_H

#include <sys/socket.h>
#include <stddef.h>

#include "engine/engine.h"
#include "plan/plan.h"

struct pp_capture;

struct pp_agent_opts {
    struct sockaddr_storage addr;  /* where to listen (127.0.0.1 by default) */
    char where[80];                /* the same, as text */
    double interval_s;
    const char *token_file;        /* NULL: no token */
    struct pp_capture *capture;    /* --sniff beside the runs, or NULL */
};

/* Parse [ADDR:]PORT ("9898", "127.0.0.1:9898", "[::1]:9898"). */
int pp_agent_parse_listen(const char *s, struct pp_agent_opts *ao, char *err, size_t errlen);
/* Serve until SIGINT or SIGTERM; 0, or -1 with err set. */
int pp_agent_run(const struct pp_agent_opts *, const struct pp_plan *,
                 const struct pp_engine_opts *, char *err, size_t errlen);
/* --serve-token's file as pp_agent_run reads it (--list checks it): 0,
 * or -1 with err. */
int pp_agent_check_token(const char *path, char *err, size_t errlen);
/* The signal that ended pp_agent_run, or 0. */
int pp_agent_stop_signal(void);

#endif
