/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for Apple's PKTAP header (src/capture/pktap.h) and the
 * decoding of the packet behind it: the input as one PKTAP frame, parsed,
 * decoded and fed to the flow table, whose interface and process then come
 * from the header.  Never a crash, a header longer than the frame, or a
 * name that is not printable text. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flows.h"
#include "capture/pktap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *s, size_t cap)
{
    const char *end = memchr(s, '\0', cap);
    const char *c;

    if (end == NULL)
        abort();
    for (c = s; c < end; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_flows_opts o = {.max_flows = 8, .max_devices = 4, .max_dns = 4};
    struct pp_pktap h;
    struct pp_pkt p;
    struct pp_flows *fl;
    enum pp_pkt_status st;
    const struct pp_flow *const *v;
    size_t n, i;

    st = pp_pkt_decode(PP_LINK_PKTAP, data, size, &p);
    if (pp_pktap_parse(data, size, &h) == 0) {
        if (h.hdr_len < PP_PKTAP_MIN_HDR || h.hdr_len > size)
            abort();
        check_text(h.ifname, sizeof(h.ifname));
        check_text(h.comm, sizeof(h.comm));
        check_text(h.ecomm, sizeof(h.ecomm));
        if (h.dir != PP_PKTAP_DIR_UNKNOWN && h.dir != PP_PKTAP_DIR_IN &&
            h.dir != PP_PKTAP_DIR_OUT)
            abort();
    } else if (st != PP_PKT_MALFORMED) {
        abort();   /* a frame without a header cannot decode */
    }
    if (st == PP_PKT_OK && p.payload != NULL &&
        (p.payload < data || p.payload + p.payload_len > data + size))
        abort();
    fl = pp_flows_new(&o);
    /* Twice, a second apart: the second packet finds the flow. */
    pp_flows_frame(fl, 1000000, PP_LINK_PKTAP, data, size);
    pp_flows_frame(fl, 2000000, PP_LINK_PKTAP, data, size);
    pp_flows_settle(fl, INT64_MAX);
    v = pp_flows_list(fl, &n);
    for (i = 0; i < n; i++) {
        const struct pp_flow_proc *pr = pp_flows_proc(fl, v[i]->proc);
        if (v[i]->proc != 0 && (pr == NULL || strcmp(pr->name, h.comm) != 0))
            abort();
        if (v[i]->iface != 0 && strcmp(pp_flows_iface_name(fl, v[i]->iface), h.ifname) != 0)
            abort();
    }
    pp_flows_free(fl);
    return 0;
}
