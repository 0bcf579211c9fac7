/* SPDX-License-Identifier: ISC */
/*
 * time: an SNTP query (UDP 123) to time.apple.com, as devices set their
 * clock (apple-network.md 3.1).  Reports the clock offset: a clock far off
 * breaks every TLS check, and the report must say so.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/check.h"
#include "probes/ntp.h"
#include "probes/probe.h"
#include "core/util.h"
#include "probes/details.h"

#define NTP_EPOCH_OFFSET 2208988800.0  /* 1900-01-01 to 1970-01-01 */

static double
wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
pp_ntp_stamp(double unix_s, uint8_t out[8])
{
    /* NTP seconds wrap every 2^32 s (era 1 starts in 2036). */
    double ntp = fmod(unix_s + NTP_EPOCH_OFFSET, 4294967296.0);
    uint32_t sec = (uint32_t)ntp;
    uint32_t frac = (uint32_t)((ntp - floor(ntp)) * 4294967296.0);
    int i;

    for (i = 0; i < 4; i++) {
        out[i] = (uint8_t)(sec >> (24 - 8 * i));
        out[4 + i] = (uint8_t)(frac >> (24 - 8 * i));
    }
}

static double
read_stamp(const uint8_t *p)
{
    uint32_t sec = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    uint32_t frac = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];

    /* Era 0 only: timestamps from 2036 on wrap; treat small ones as era 1. */
    double s = (double)sec + (double)frac / 4294967296.0;
    if (sec < 0x80000000u)
        s += 4294967296.0;
    return s - NTP_EPOCH_OFFSET;
}

void
pp_ntp_request(double t1, uint8_t out[PP_NTP_LEN])
{
    memset(out, 0, PP_NTP_LEN);
    out[0] = (0 << 6) | (4 << 3) | 3;   /* LI 0, version 4, mode 3 (client) */
    pp_ntp_stamp(t1, out + 40);
}

int
pp_ntp_parse(const uint8_t *b, size_t len, double t1, double t4, struct pp_ntp_info *o,
             char *err, size_t errlen)
{
    uint8_t sent[8];
    double t2, t3;
    int i;

    memset(o, 0, sizeof(*o));
    if (len < PP_NTP_LEN) {
        snprintf(err, errlen, "a short NTP answer (%zu bytes)", len);
        return -1;
    }
    o->leap = b[0] >> 6;
    o->version = (b[0] >> 3) & 7;
    o->stratum = b[1];
    if ((b[0] & 7) != 4) {
        snprintf(err, errlen, "not an NTP server answer (mode %d)", b[0] & 7);
        return -1;
    }
    pp_ntp_stamp(t1, sent);
    if (memcmp(b + 24, sent, 8) != 0) {
        snprintf(err, errlen, "the NTP answer does not match the request sent");
        return -1;
    }
    if (o->stratum == 0) {
        char code[5];
        for (i = 0; i < 4; i++)
            code[i] = (b[12 + i] >= 0x20 && b[12 + i] < 0x7f) ? (char)b[12 + i] : '?';
        code[4] = '\0';
        snprintf(err, errlen, "the NTP server refuses to answer (kiss of death %s)", code);
        return -1;
    }
    if (o->leap == 3) {
        snprintf(err, errlen, "the NTP server's own clock is not synchronised");
        return -1;
    }
    if (o->stratum == 1) {
        for (i = 0; i < 4; i++)
            o->refid[i] = (b[12 + i] >= 0x20 && b[12 + i] < 0x7f) ? (char)b[12 + i] : '\0';
        o->refid[4] = '\0';
    } else {
        snprintf(o->refid, sizeof(o->refid), "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    }
    t2 = read_stamp(b + 32);
    t3 = read_stamp(b + 40);
    o->offset_s = ((t2 - t1) + (t3 - t4)) / 2.0;
    o->delay_s = (t4 - t1) - (t3 - t2);
    return 0;
}

static enum pp_probe_rc
time_ready(struct pp_check *c)
{
    uint8_t req[PP_NTP_LEN];
    double t1 = wall_now();

    double *sent = pp_xmalloc(sizeof(*sent));

    pp_ntp_request(t1, req);
    pp_check_send(c, req, sizeof(req));
    /* The reply must echo the transmit time: keep it. */
    *sent = t1;
    pp_check_set_data(c, sent);
    pp_detail_num(pp_check_result(c), "sent_at", t1);
    return PP_PROBE_MORE;
}

static enum pp_probe_rc
time_io(struct pp_check *c, short revents)
{
    struct pp_result *r = pp_check_result(c);
    uint8_t buf[512];
    ssize_t n;
    struct pp_ntp_info info;
    char err[160];
    const double *sent = pp_check_data(c);
    double t4;

    (void)revents;
    n = pp_check_recv(c, buf, sizeof(buf));
    if (n == PP_RECV_AGAIN)
        return PP_PROBE_MORE;
    if (n < 0) {
        if (errno == ECONNREFUSED)
            pp_check_set(c, PP_ST_CLOSED, PP_RS_PORT_UNREACH,
                         "nothing answers NTP there (ICMP port unreachable)");
        else
            pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "the NTP query failed: %s",
                         strerror(errno));
        return PP_PROBE_DONE;
    }
    t4 = wall_now();
    if (pp_ntp_parse(buf, (size_t)n, *sent, t4, &info, err, sizeof(err)) < 0) {
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "%s", err);
        return PP_PROBE_DONE;
    }
    if (pp_check_stepping(c, PP_STEP_VV)) {
        unsigned long long out, back;
        pp_check_bytes(c, &out, &back);
        pp_check_stepf(c, PP_STEP_PROBE, PP_STEP_VV, "NTP request %llu bytes -> %llu bytes, "
                       "stratum %d, refid %s, delay %.1f ms, offset %+.3f s", out, back,
                       info.stratum, info.refid, info.delay_s * 1000.0, info.offset_s);
    }
    pp_detail_num(r, PP_DETAIL_OFFSET_S, info.offset_s);
    pp_detail_num(r, "delay_s", info.delay_s);
    pp_detail_int(r, "stratum", info.stratum);
    pp_detail_str(r, "refid", info.refid);
    pp_result_summary(r, "clock offset %+.3f s, stratum %d", info.offset_s, info.stratum);
    if (fabs(info.offset_s) > PP_NTP_SKEW_LIMIT_S)
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_CLOCK_SKEW,
                     "this machine's clock is off by %.0f s: certificate checks (every TLS "
                     "connection, pushes included) fail until the date and time are set right",
                     info.offset_s);
    else
        pp_check_set(c, PP_ST_OK, PP_RS_SERVICE_OK,
                     "the time server answers; this machine's clock is off by %.3f s",
                     info.offset_s);
    return PP_PROBE_DONE;
}

static void
time_timeout(struct pp_check *c)
{
    pp_check_set(c, PP_ST_FILTERED, PP_RS_NO_RESPONSE,
                 "no NTP answer before the deadline: UDP 123 is blocked or nothing answers");
}

const struct pp_probe pp_probe_time = {
    .name = "time",
    .help = "SNTP query (UDP 123): the clock offset; a large skew breaks TLS",
    .udp = true,
    .ready = time_ready,
    .io = time_io,
    .timeout = time_timeout,
    .cleanup = pp_check_free_data,
};
