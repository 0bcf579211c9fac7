/* SPDX-License-Identifier: ISC */
/*
 * SNTP (RFC 4330) for the time probe: build a client request, parse and
 * judge the server's answer.  Pure functions over bytes.
 */
#ifndef PP_NTP_H
#define PP_NTP_H

#include <stddef.h>
#include <stdint.h>

#define PP_NTP_LEN 48
/* A clock further off than this breaks certificate checks: say so. */
#define PP_NTP_SKEW_LIMIT_S 300.0

struct pp_ntp_info {
    int stratum;
    int leap;
    int version;
    char refid[16];
    double offset_s;   /* server minus this machine */
    double delay_s;    /* round trip */
};

/* Seconds since 1970 (with fraction) to the 8-byte NTP timestamp. */
void pp_ntp_stamp(double unix_s, uint8_t out[8]);
/* A client request whose transmit timestamp is t1 (seconds since 1970). */
void pp_ntp_request(double t1, uint8_t out[PP_NTP_LEN]);
/* Parse a reply to the request sent at t1 and received at t4.  Returns 0,
 * or -1 with a sentence in err (wrong mode, not our request, kiss of
 * death, unsynchronised server, short packet). */
int pp_ntp_parse(const uint8_t *buf, size_t len, double t1, double t4,
                 struct pp_ntp_info *out, char *err, size_t errlen);

#endif
