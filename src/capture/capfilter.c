/* SPDX-License-Identifier: ISC */
/*
 * The capture's filters, for saved files (capture_int.h): libpcap's
 * programs compiled per link type on first use and run here, PKTAP judged
 * by the packet inside; the interfaces a file names.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture_int.h"
#include "capture/pkt.h"
#include "core/util.h"

#ifdef HAVE_PCAP

/* The default filter on Ethernet: also inside one or two VLAN tags
 * (802.1Q, QinQ), and every PPPoE session frame (the decoder looks
 * inside).  libpcap's "vlan" moves the offsets for the rest of the whole
 * expression, so the tagged cases nest, after the others. */
char *
pp_cap_link_filter(const struct pp_capture *c, int dlt)
{
    if (c->filter_default && dlt == DLT_EN10MB)
        return pp_xasprintf("(%s) or ether proto 0x8864 or (vlan and ((%s) or (vlan and (%s))))",
                            c->filter, c->filter, c->filter);
    return pp_xstrdup(c->filter);
}

const char *
pp_cap_dlt_name(int dlt)
{
    const char *n = pcap_datalink_val_to_name(dlt);

    if (dlt == PP_DLT_PKTAP || dlt == PP_DLT_PKTAP_OLD)
        return "PKTAP";
    return n != NULL ? n : "unknown";
}

/* A pcapng file names link types by their LINKTYPE_ number, libpcap by
 * its DLT_ one; they differ for raw IP. */
static int
dlt_of_linktype(int lt)
{
    return lt == 101 ? DLT_RAW : lt;
}

/* The compiled filter for a link type, compiled on first use.  NULL: let
 * every packet through (no filter, or the default one where it does not
 * apply).  A filter of the user's that does not apply stops the read. */
const struct bpf_program *
pp_cap_filter_for(struct pp_capture *c, int dlt)
{
    struct cap_filter *f;
    pcap_t *dead;
    char *expr;
    size_t i;
    int rc;

    for (i = 0; i < c->nfilt; i++)
        if (c->filt[i].dlt == dlt)
            return c->filt[i].ok ? &c->filt[i].prog : NULL;
    if (c->nfilt == MAX_FILTERS) {
        if (c->stop == NULL)
            c->stop = pp_xasprintf("more than %d link types in one file", MAX_FILTERS);
        return NULL;
    }
    f = &c->filt[c->nfilt++];
    f->dlt = dlt;
    f->ok = false;
    dead = pcap_open_dead(dlt, DEFAULT_SNAPLEN);
    if (dead == NULL)
        return NULL;
    expr = pp_cap_link_filter(c, dlt);
    rc = pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    free(expr);
    if (rc == 0)
        f->ok = true;
    else if (!c->filter_default && c->stop == NULL)
        c->stop = pp_xasprintf("--filter '%s': %s (link type %s; --filter '' keeps every "
                               "packet)", c->filter, pcap_geterr(dead), pp_cap_dlt_name(dlt));
    pcap_close(dead);
    return f->ok ? &f->prog : NULL;
}

/* Does a file's packet pass the filter?  A PKTAP packet is judged by the
 * packet after its header, of the link type the header says. */
bool
pp_cap_passes(struct pp_capture *c, int dlt, const uint8_t *data, uint32_t caplen, uint32_t len)
{
    const struct bpf_program *prog;
    struct pcap_pkthdr h;
    struct pp_pktap ph;

    if (c->filter[0] == '\0')
        return true;
    if (dlt == PP_DLT_PKTAP || dlt == PP_DLT_PKTAP_OLD) {
        if (pp_pktap_parse(data, caplen, &ph) < 0 || ph.rec_type != 1)
            return true;        /* the decoder counts it */
        dlt = (int)ph.dlt;
        data += ph.hdr_len;
        caplen -= ph.hdr_len;
        len = len > ph.hdr_len ? len - ph.hdr_len : caplen;
    }
    if (dlt == c->last_dlt) {
        prog = c->last_prog;
    } else {
        prog = pp_cap_filter_for(c, dlt);
        if (c->stop != NULL)
            return false;
        c->last_dlt = dlt;
        c->last_prog = prog;
    }
    if (prog == NULL)
        return true;
    h.ts.tv_sec = 0;
    h.ts.tv_usec = 0;
    h.caplen = caplen;
    h.len = len < caplen ? caplen : len;
    return pcap_offline_filter(prog, &h, data) != 0;
}

struct cap_if *
pp_cap_add_if(struct pp_capture *c, int dlt, uint32_t snaplen, const char *name)
{
    struct cap_if *i;

    if (c->nif == MAX_IFACES)
        return NULL;
    c->ifs = pp_xrealloc(c->ifs, c->nif + 1, sizeof(*c->ifs));
    i = &c->ifs[c->nif++];
    memset(i, 0, sizeof(*i));
    i->dlt = c->ng != NULL ? dlt_of_linktype(dlt) : dlt;
    i->link = pp_pkt_link_from_dlt(dlt);
    i->snaplen = snaplen;
    snprintf(i->name, sizeof(i->name), "%s", name != NULL ? name : "");
    i->id = pp_flows_iface_id(c->flows, i->name);
    return i;
}

#endif /* HAVE_PCAP */
