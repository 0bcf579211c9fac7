/*
 * One binary reply read to its end; see reply.h.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "probes/reply.h"

enum pp_probe_rc
pp_reply_io(struct pp_check *c, uint8_t *buf, size_t cap, size_t *len,
            const struct pp_reply_words *w, pp_reply_fail fail, pp_reply_parse parse)
{
    char summary[64], msg[512];
    ssize_t n;

    for (;;) {
        if (*len == cap) {
            /* The parsers refuse longer lengths first; kept as a guard. */
            fail(c, PP_RS_NONE, "too-long", w->bad, w->too_long);
            return PP_PROBE_DONE;
        }
        n = pp_check_recv(c, buf + *len, cap - *len);
        if (n == PP_RECV_AGAIN)
            return PP_PROBE_MORE;
        if (n == PP_RECV_ERROR) {
            int e = errno;

            snprintf(msg, sizeof(msg), "the connection failed %s %s: %s",
                     *len ? "in the middle of the" : "before any", w->reply, strerror(e));
            snprintf(summary, sizeof(summary), "%s connection lost", w->proto);
            fail(c, e == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_NONE,
                 e == ECONNRESET ? "reset" : "error", summary, msg);
            return PP_PROBE_DONE;
        }
        if (n == 0) {
            if (*len == 0) {
                snprintf(summary, sizeof(summary), "%s closed without answering", w->proto);
                fail(c, PP_RS_NONE, "closed", summary, w->closed);
            } else {
                snprintf(msg, sizeof(msg), "the server closed the connection after %zu "
                         "bytes, before a complete %s", *len, w->whole);
                snprintf(summary, sizeof(summary), "%s reply cut short", w->proto);
                fail(c, PP_RS_NONE, "truncated", summary, msg);
            }
            return PP_PROBE_DONE;
        }
        *len += (size_t)n;
        if (parse(c, buf, *len) <= 0)
            return PP_PROBE_DONE;
    }
}

void
pp_reply_timeout(struct pp_check *c, size_t len, const struct pp_reply_words *w,
                 pp_reply_fail fail)
{
    char summary[64], msg[256];

    if (len == 0) {
        snprintf(summary, sizeof(summary), "no %s answer", w->proto);
        snprintf(msg, sizeof(msg), "the port accepts connections but nothing answered "
                 "%s in time", w->request);
        fail(c, PP_RS_NO_RESPONSE, "timeout", summary, msg);
        return;
    }
    snprintf(msg, sizeof(msg), "the server sent %zu bytes of an %s, then nothing "
             "more before the deadline", len, w->reply);
    snprintf(summary, sizeof(summary), "%s reply cut short", w->proto);
    fail(c, PP_RS_NONE, "truncated", summary, msg);
}
