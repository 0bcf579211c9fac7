/* SPDX-License-Identifier: ISC */
/* tcp: the port accepts a connection.  The engine did all the work. */
#include "config.h"

#include "engine/check.h"
#include "probes/probe.h"

static enum pp_probe_rc
tcp_ready(struct pp_check *c)
{
    pp_check_set(c, PP_ST_OK, PP_RS_SYN_ACK, "the port accepts connections");
    return PP_PROBE_DONE;
}

const struct pp_probe pp_probe_tcp = {
    .name = "tcp",
    .help = "TCP connect: open, closed, filtered, blocked or unreachable",
    .ready = tcp_ready,
};
