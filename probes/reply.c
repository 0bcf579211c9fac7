/* SPDX-License-Identifier: ISC */
/*
 * One binary reply read to its end; see reply.h.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "probes/reply.h"

int
pp_reply_take(struct pp_result *r, uint8_t *buf, size_t cap, size_t *len, ssize_t n, int err,
              const struct pp_reply_proto *p)
{
    const struct pp_reply_words *w = p->words;
    char summary[64], msg[512];

    if (n == PP_RECV_ERROR || n < 0) {
        snprintf(msg, sizeof(msg), "the connection failed %s %s: %s",
                 *len ? "in the middle of the" : "before any", w->reply, strerror(err));
        snprintf(summary, sizeof(summary), "%s connection lost", w->proto);
        p->fail(r, err == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_NONE,
                err == ECONNRESET ? "reset" : "error", summary, msg);
        return 0;
    }
    if (n == 0) {
        if (*len == 0) {
            snprintf(summary, sizeof(summary), "%s closed without answering", w->proto);
            p->fail(r, PP_RS_NONE, "closed", summary, w->closed);
        } else {
            snprintf(msg, sizeof(msg), "the server closed the connection after %zu "
                     "bytes, before a complete %s", *len, w->whole);
            snprintf(summary, sizeof(summary), "%s reply cut short", w->proto);
            p->fail(r, PP_RS_NONE, "truncated", summary, msg);
        }
        return 0;
    }
    *len += (size_t)n;
    if (p->parse(r, buf, *len) <= 0)
        return 0;
    if (*len >= cap) {
        /* The parsers refuse longer lengths first; kept as a guard. */
        p->fail(r, PP_RS_NONE, "too-long", w->bad, w->too_long);
        return 0;
    }
    return 1;
}

enum pp_probe_rc
pp_reply_io(struct pp_check *c, uint8_t *buf, size_t cap, size_t *len,
            const struct pp_reply_proto *p)
{
    for (;;) {
        ssize_t n;

        if (*len >= cap) {
            p->fail(pp_check_result(c), PP_RS_NONE, "too-long", p->words->bad,
                    p->words->too_long);
            return PP_PROBE_DONE;
        }
        n = pp_check_recv(c, buf + *len, cap - *len);
        if (n == PP_RECV_AGAIN)
            return PP_PROBE_MORE;
        if (pp_reply_take(pp_check_result(c), buf, cap, len, n, errno, p) == 0)
            return PP_PROBE_DONE;
    }
}

void
pp_reply_timeout(struct pp_result *r, size_t len, const struct pp_reply_proto *p)
{
    const struct pp_reply_words *w = p->words;
    char summary[64], msg[256];

    if (len == 0) {
        snprintf(summary, sizeof(summary), "no %s answer", w->proto);
        snprintf(msg, sizeof(msg), "the port accepts connections but nothing answered "
                 "%s in time", w->request);
        p->fail(r, PP_RS_NO_RESPONSE, "timeout", summary, msg);
        return;
    }
    snprintf(msg, sizeof(msg), "the server sent %zu bytes of an %s, then nothing "
             "more before the deadline", len, w->reply);
    snprintf(summary, sizeof(summary), "%s reply cut short", w->proto);
    p->fail(r, PP_RS_NONE, "truncated", summary, msg);
}
