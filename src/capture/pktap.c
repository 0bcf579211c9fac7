/* SPDX-License-Identifier: ISC */
/* Apple's PKTAP header (see pktap.h). */
#include "config.h"

#include <string.h>

#include "core/cursor.h"
#include "capture/pktap.h"

/* A fixed-size, NUL-padded name field as printable text: it ends at the
 * first NUL; any other byte outside printable ASCII becomes '?'. */
static void
name_field(const uint8_t *s, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n && s[i] != '\0'; i++)
        out[i] = s[i] > 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    out[i] = '\0';
}

int
pp_pktap_parse(const uint8_t *p, size_t len, struct pp_pktap *out)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *ifn, *comm, *ecomm;
    uint32_t family, pre, post, svc;
    uint16_t iftype, ifunit;

    memset(out, 0, sizeof(*out));
    if (!pp_cur_le32(&c, &out->hdr_len) || out->hdr_len < PP_PKTAP_MIN_HDR ||
        out->hdr_len > len)
        return -1;
    c.len = out->hdr_len;
    if (!pp_cur_le32(&c, &out->rec_type) || !pp_cur_le32(&c, &out->dlt) ||
        !pp_cur_span(&c, 24, &ifn) || !pp_cur_le32(&c, &out->flags) ||
        !pp_cur_le32(&c, &family) || !pp_cur_le32(&c, &pre) || !pp_cur_le32(&c, &post) ||
        !pp_cur_le32(&c, &out->pid) || !pp_cur_span(&c, 20, &comm) ||
        !pp_cur_le32(&c, &svc) || !pp_cur_le16(&c, &iftype) || !pp_cur_le16(&c, &ifunit) ||
        !pp_cur_le32(&c, &out->epid) || !pp_cur_span(&c, 20, &ecomm))
        return -1;
    name_field(ifn, 24, out->ifname);
    name_field(comm, 20, out->comm);
    name_field(ecomm, 20, out->ecomm);
    /* Both bits, or neither: the kernel did not say. */
    if ((out->flags & (PP_PKTAP_FLAG_IN | PP_PKTAP_FLAG_OUT)) == PP_PKTAP_FLAG_IN)
        out->dir = PP_PKTAP_DIR_IN;
    else if ((out->flags & (PP_PKTAP_FLAG_IN | PP_PKTAP_FLAG_OUT)) == PP_PKTAP_FLAG_OUT)
        out->dir = PP_PKTAP_DIR_OUT;
    return 0;
}

const char *
pp_pktap_dir_name(enum pp_pktap_dir d)
{
    switch (d) {
    case PP_PKTAP_DIR_IN: return "in";
    case PP_PKTAP_DIR_OUT: return "out";
    default: return "unknown";
    }
}
