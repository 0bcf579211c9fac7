/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the path trace's ICMP parser (engine/trace_raw.h):
 * any bytes, as an IPv4 packet or as an ICMPv6 message, are refused or
 * give a time-exceeded or unreachable with a printable quoted address and
 * a reply the judgement knows; nothing is read past the input (the copy is
 * exactly its length, so ASan sees any overread). */
#include "config.h"

#include <sys/socket.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/trace.h"
#include "engine/trace_raw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int fams[] = {AF_INET, AF_INET6};
    uint8_t *copy = malloc(size > 0 ? size : 1);
    struct pp_trace_icmp ic;
    size_t k;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    for (k = 0; k < 2; k++) {
        if (!pp_trace_parse_icmp(fams[k], copy, size, &ic))
            continue;
        if (memchr(ic.quoted_dst, '\0', sizeof(ic.quoted_dst)) == NULL)
            abort();
        if (pp_trace_icmp_reply(fams[k], ic.type, ic.code) == PP_HR_NONE)
            abort();
    }
    free(copy);
    return 0;
}
