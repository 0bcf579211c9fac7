/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the pcapng block reader (src/capture/pcapng.h):
 * any bytes as a pcapng file, block by block as capture.c reads it, each
 * packet into the flow table by its interface's link type and with its
 * process.  Never a crash, a read past a block, a packet outside its
 * block, or a total that does not add up. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flows.h"
#include "capture/pcapng.h"

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

/* A message: ends inside its buffer, printable ASCII and spaces. */
static void
check_msg(const char *s, size_t cap)
{
    const char *end = memchr(s, '\0', cap);
    const char *c;

    if (end == NULL || end == s)
        abort();
    for (c = s; c < end; c++)
        if (*c < 0x20 || *c >= 0x7f)
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pp_pcapng st;
    struct pp_flows_opts o = {.max_flows = 32, .max_devices = 8, .max_dns = 8};
    struct pp_pcapng_pkt pk;
    const struct pp_flows_stats *fs;
    struct pp_flows *fl;
    size_t off = 0, i, n;
    uint64_t sum = 0, packets = 0;
    uint32_t len;
    int s, k;

    pp_pcapng_init(&st);
    fl = pp_flows_new(&o);
    while (size - off >= 12) {
        enum pp_pcapng_rc rc;
        if (pp_pcapng_peek(&st, data + off, 12, &len) < 0) {
            check_msg(st.why, sizeof(st.why));
            break;
        }
        if (len < 12 || len % 4 != 0 || len > PP_PCAPNG_MAX_BLOCK)
            abort();
        if (len > size - off)
            break;
        rc = pp_pcapng_block(&st, data + off, len, &pk);
        if (rc == PP_NG_BAD) {
            check_msg(st.why, sizeof(st.why));
            break;
        }
        if (rc == PP_NG_PACKET) {
            const struct pp_pcapng_iface *ifc;
            struct pp_frame_src src;
            int link;
            uint16_t proc = 0;
            if (pk.iface >= st.nif || pk.data < data + off ||
                pk.data + pk.caplen > data + off + len ||
                (pk.proc >= 0 && (size_t)pk.proc >= st.nproc) ||
                (pk.eproc >= 0 && (size_t)pk.eproc >= st.nproc))
                abort();
            ifc = &st.ifs[pk.iface];
            check_text(ifc->name, sizeof(ifc->name));
            if (ifc->units == 0)
                abort();
            link = pp_pkt_link_from_dlt(ifc->linktype);
            if (pk.proc >= 0) {
                check_text(st.procs[pk.proc].name, sizeof(st.procs[pk.proc].name));
                proc = pp_flows_proc_id(fl, st.procs[pk.proc].name, st.procs[pk.proc].pid,
                                        NULL, 0);
            }
            src.iface = pp_flows_iface_id(fl, ifc->name);
            src.proc = proc;
            pp_flows_frame_at(fl, pk.ts_us, link < 0 ? PP_LINK__COUNT : (enum pp_link)link,
                              pk.data, pk.caplen, &src);
            packets++;
        }
        off += len;
    }
    pp_flows_settle(fl, INT64_MAX);
    fs = pp_flows_stats(fl);
    for (s = 0; s < PP_FS__COUNT; s++)
        for (k = 0; k < PP_FO__COUNT; k++)
            sum += fs->outcomes[s][k];
    if (sum != fs->flows_total || fs->frames != packets)
        abort();
    {
        const struct pp_flow *const *v = pp_flows_list(fl, &n);
        for (i = 0; i < n; i++) {
            const struct pp_flow_proc *p = pp_flows_proc(fl, v[i]->proc);
            const char *ifn = pp_flows_iface_name(fl, v[i]->iface);
            if ((v[i]->proc != 0 && p == NULL) || (v[i]->iface != 0 && ifn == NULL))
                abort();
        }
    }
    pp_flows_free(fl);
    return 0;
}
