/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for --read with --filter through the capture's own
 * read path (src/capture/capture.h): the bytes are the saved capture
 * (pcap, pcapng, gzip-compressed or not), written to a file of the
 * process's own and opened by pp_capture_open as main.c opens --read,
 * with one of the filters below (or the input's own text as the filter),
 * read to the end by pp_capture_read_all, settled, and read out through
 * the accessors the reports use.  A file is read (perhaps incomplete,
 * with a reason) or refused with a sentence; never a crash, a leak or a
 * hang.
 *
 * Input: byte 0 the filter (modulo the table; the last entry: the text up
 * to the first NUL byte is the filter, the file follows it), then the
 * file. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const filters[] = {
    NULL,                          /* the default filter */
    "tcp port 5223",
    "vlan and tcp port 443",
    "ip6 or (ip and udp port 123)",
    "host 17.57.146.20 or net 2620:149::/32",
    "tcp[tcpflags] & tcp-rst != 0",
    "not a (filter",
    "",                            /* the input's own */
};
#define NFILTERS (sizeof(filters) / sizeof(filters[0]))

/* Everything a report reads of a capture. */
static void
read_out(struct pp_capture *c)
{
    struct pp_capture_iface ifc;
    size_t i, n = pp_capture_ifaces(c);

    for (i = 0; i < n; i++) {
        if (!pp_capture_iface(c, i, &ifc))
            abort();
    }
    if (pp_capture_iface(c, n, &ifc))
        abort();
    if (pp_capture_source(c) == NULL || pp_capture_live(c))
        abort();
    (void)pp_capture_filter(c);
    (void)pp_capture_link_name(c);
    if (pp_capture_incomplete(c) && pp_capture_error(c) == NULL)
        abort();
    (void)pp_capture_evidence;
    (void)pp_capture_flows(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_capture_opts o;
    struct pp_capture *c;
    char err[512], *own = NULL;
    size_t k;

    if (size < 1)
        return 0;
    k = data[0] % NFILTERS;
    data++;
    size--;
    memset(&o, 0, sizeof(o));
    o.filter = filters[k];
    o.filter_is_default = o.filter == NULL;
    o.max_flows = 64;
    if (k == NFILTERS - 1) {
        const uint8_t *nul = memchr(data, '\0', size);
        size_t n = nul != NULL ? (size_t)(nul - data) : size;

        own = malloc(n + 1);
        memcpy(own, data, n);
        own[n] = '\0';
        o.filter = own;
        data += nul != NULL ? n + 1 : n;
        size -= nul != NULL ? n + 1 : n;
    }
    if ((o.file = pp_fuzz_file("read", data, size)) == NULL)
        abort();
    err[0] = '\0';
    if ((c = pp_capture_open(&o, err, sizeof(err))) == NULL) {
        if (err[0] == '\0')
            abort();
        free(own);
        return 0;
    }
    err[0] = '\0';
    if (pp_capture_read_all(c, err, sizeof(err)) < 0 && err[0] == '\0')
        abort();
    pp_capture_settle(c, true);
    read_out(c);
    pp_capture_free(c);
    free(own);
    return 0;
}
