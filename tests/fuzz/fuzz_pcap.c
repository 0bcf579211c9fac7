/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the capture reader: any bytes as a pcap or pcapng
 * file, read by libpcap from memory into the flow table (src/capture/flows.c) and
 * out through every accessor.  Never a crash, a leak or a total that does
 * not add up. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef HAVE_PCAP
#include <pcap/pcap.h>

struct run {
    struct pp_flows *fl;
    enum pp_link link;
};

static void
frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct run *r = (struct run *)(void *)arg;

    pp_flows_frame(r->fl, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, r->link, bytes,
                   h->caplen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[PCAP_ERRBUF_SIZE], why[256];
    struct pp_flows_opts o = {.max_flows = 32, .max_devices = 8, .max_dns = 8};
    const struct pp_flow *const *v;
    const struct pp_flows_stats *st;
    uint64_t sum = 0;
    struct run r;
    size_t n, i;
    pcap_t *p;
    FILE *f;
    int link, s, k;

    if (size == 0)
        return 0;
    f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (f == NULL)
        return 0;
    p = pcap_fopen_offline(f, err);   /* owns f from here; on failure we close it */
    if (p == NULL) {
        fclose(f);
        return 0;
    }
    link = pp_pkt_link_from_dlt(pcap_datalink(p));
    if (link < 0) {
        pcap_close(p);
        return 0;
    }
    r.fl = pp_flows_new(&o);
    r.link = (enum pp_link)link;
    pp_flows_add_name(r.fl, "mdm.corp.test", PP_FS_MDM);
    (void)pcap_loop(p, 10000, frame, (u_char *)&r);
    pcap_close(p);
    pp_flows_settle(r.fl, INT64_MAX);
    v = pp_flows_list(r.fl, &n);
    for (i = 0; i < n; i++) {
        pp_flows_describe(r.fl, v[i], why, sizeof(why));
        if (strlen(why) >= sizeof(why) || v[i]->svc >= PP_FS__COUNT ||
            v[i]->outcome >= PP_FO__COUNT)
            abort();
        (void)pp_flows_evidence(r.fl, v[i]->family, v[i]->server, v[i]->sport, why, 8);
    }
    st = pp_flows_stats(r.fl);
    for (s = 0; s < PP_FS__COUNT; s++)
        for (k = 0; k < PP_FO__COUNT; k++)
            sum += st->outcomes[s][k];
    if (sum != st->flows_total || n > 32)
        abort();
    (void)pp_flows_devices(r.fl, &n);
    (void)pp_flows_dns(r.fl, &n);
    pp_flows_free(r.fl);
    return 0;
}

#else

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}

#endif
