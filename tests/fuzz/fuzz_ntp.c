/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the SNTP answer parser (probes/ntp.h): any bytes
 * come back as 0 with a sane reading or -1 with a sentence, and nothing
 * is read past the datagram.  The request was sent at T1 and the answer
 * came at T4; each input is parsed as it is, and again with the originate
 * stamp set to T1's so the checks past the match are reached as often.
 * The first 6 bytes also make an era-0 time whose stamp is checked. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/ntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same fixed times as the seed corpus (tests/fuzz/corpus/ntp). */
#define T1 1795000400.25
#define T4 (T1 + 0.03125)
#define NTP_EPOCH_OFFSET 2208988800u

static void
parse(const uint8_t *b, size_t len)
{
    struct pp_ntp_info info;
    char err[160];
    size_t n;

    memset(err, 0, sizeof(err));
    if (pp_ntp_parse(b, len, T1, T4, &info, err, sizeof(err)) == 0) {
        if (len < PP_NTP_LEN || (b[0] & 7) != 4 || info.stratum == 0 || info.leap == 3)
            abort();
        if (info.stratum != b[1] || info.leap != b[0] >> 6 || info.version != ((b[0] >> 3) & 7))
            abort();
        n = strnlen(info.refid, sizeof(info.refid));
        if (n == sizeof(info.refid))
            abort();
        if (!isfinite(info.offset_s) || !isfinite(info.delay_s))
            abort();
    } else if (err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b;
    uint8_t st[8];

    /* An exactly-sized copy, so ASan sees reads past the datagram. */
    b = malloc(size ? size : 1);
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    parse(b, size);
    if (size >= 32) {
        pp_ntp_stamp(T1, st);
        memcpy(b + 24, st, 8);
        parse(b, size);
    }
    free(b);

    /* Whole seconds before 2036 plus a 16-bit fraction: exact in a double,
     * so the stamp is known bit for bit. */
    if (size >= 6) {
        uint32_t sec = ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                        (uint32_t)data[2] << 8 | data[3]) % (0xffffffffu - NTP_EPOCH_OFFSET);
        uint32_t frac = (uint32_t)data[4] << 8 | data[5];
        uint32_t want = sec + NTP_EPOCH_OFFSET;
        uint8_t req[PP_NTP_LEN];
        int i;

        pp_ntp_stamp((double)sec + (double)frac / 65536.0, st);
        for (i = 0; i < 4; i++)
            if (st[i] != (uint8_t)(want >> (24 - 8 * i)))
                abort();
        if (st[4] != data[4] || st[5] != data[5] || st[6] != 0 || st[7] != 0)
            abort();
        pp_ntp_request((double)sec + (double)frac / 65536.0, req);
        if (req[0] != 0x23 || memcmp(req + 40, st, 8) != 0)
            abort();
    }
    return 0;
}
