/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the packet decoder (src/capture/pkt.h): the input as a
 * frame of every link type, and as a DNS message, a ClientHello and an
 * alert; the payloads of frames that decode go to the DNS and TLS parsers
 * too.  Any bytes give an answer, never a crash or a read past the end, and
 * the answer is self-consistent. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A string that ends inside its buffer and holds only what the parsers
 * write: printable ASCII without spaces. */
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

static void
check_dns(const uint8_t *p, size_t len)
{
    struct pp_dns_msg m;
    size_t i;
    const char *c;

    switch (pp_dns_parse(p, len, &m)) {
    case 0:
        break;
    case -1:
        return;
    default:
        abort();
    }
    if (len < 12 || m.naddrs > PP_DNS_MAX_ADDRS || m.rcode > 15)
        abort();
    check_text(m.qname, sizeof(m.qname));
    check_text(m.cname, sizeof(m.cname));
    /* Lower case, and no more than a wire name can hold. */
    for (c = m.qname; *c != '\0'; c++)
        if (*c >= 'A' && *c <= 'Z')
            abort();
    if (strlen(m.qname) > 253 || strlen(m.cname) > 253)
        abort();
    for (i = 0; i < m.naddrs; i++)
        if (m.addrs[i].family != 4 && m.addrs[i].family != 6)
            abort();
}

static void
check_tls(const uint8_t *p, size_t len)
{
    struct pp_tls_hello h;
    uint8_t level, desc;
    int rc;

    rc = pp_tls_parse_client_hello(p, len, &h);
    if (rc < -1 || rc > 1)
        abort();
    check_text(h.sni, sizeof(h.sni));
    check_text(h.alpn, sizeof(h.alpn));
    if (rc != 0 && (len < 1 || p[0] != 22))
        abort();
    if (rc == 1 && len < 9 + 38)
        abort();
    rc = pp_tls_parse_alert(p, len, &level, &desc);
    if (rc == 1) {
        if (len < 7 || p[0] != 21 || level != p[5] || desc != p[6])
            abort();
        (void)pp_tls_alert_name(desc);
    } else if (rc != 0) {
        abort();
    }
}

static void
check_quoted(const struct pp_pkt_quoted *q)
{
    if (q->family != 0 && q->family != 4 && q->family != 6)
        abort();
    if (q->valid && q->family == 0)
        abort();
}

static void
check_frame(enum pp_link link, const uint8_t *data, size_t size)
{
    struct pp_pkt p;
    enum pp_pkt_status st;
    char a[64], small[8];
    size_t off;

    st = pp_pkt_decode(link, data, size, &p);
    if ((unsigned)st >= PP_PKT__COUNT || p.link != link)
        abort();
    (void)pp_pkt_status_name(st);
    if (st != PP_PKT_OK)
        return;
    if (p.family != 4 && p.family != 6)
        abort();
    /* An IPv4 address takes the first 4 bytes only. */
    if (p.family == 4)
        for (off = 4; off < 16; off++)
            if (p.src[off] != 0 || p.dst[off] != 0)
                abort();
    /* The payload lies inside the input. */
    if (p.payload_len > size)
        abort();
    if (p.payload != NULL) {
        if (p.payload < data || p.payload > data + size)
            abort();
        off = (size_t)(p.payload - data);
        if (p.payload_len > size - off)
            abort();
    } else if (p.payload_len != 0) {
        abort();
    }
    /* What the capture holds is what the wire had, unless it was cut. */
    if (p.fragment) {
        if (p.payload != NULL || p.payload_wire_len != 0 || p.sport != 0 || p.dport != 0)
            abort();
    } else if (p.truncated ? p.payload_len > p.payload_wire_len
                           : p.payload_len != p.payload_wire_len) {
        abort();
    }
    if (p.payload_wire_len > p.ip_len)
        abort();
    if (pp_pkt_icmp_is_error(&p)) {
        check_quoted(&p.quoted);
    } else if (p.quoted.valid || p.quoted.family != 0) {
        abort();
    }
    if ((p.proto != 6 && p.tcp_flags != 0) || (p.proto != 1 && p.proto != 58 && p.icmp_type))
        abort();
    pp_pkt_addr_str(p.family, p.src, a, sizeof(a));
    check_text(a, sizeof(a));
    pp_pkt_addr_str(p.family, p.dst, small, sizeof(small));
    check_text(small, sizeof(small));
    if (p.quoted.family != 0) {
        pp_pkt_addr_str(p.quoted.family, p.quoted.dst, a, sizeof(a));
        check_text(a, sizeof(a));
    }
    /* What the flow table does with payloads. */
    if (p.payload_len > 0) {
        check_dns(p.payload, p.payload_len);
        if (p.proto == 6 && p.payload_len > 2)
            check_dns(p.payload + 2, p.payload_len - 2);
        check_tls(p.payload, p.payload_len);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int l;

    for (l = 0; l < PP_LINK__COUNT; l++)
        check_frame((enum pp_link)l, data, size);
    check_dns(data, size);
    check_tls(data, size);
    if (size >= 1) {
        l = pp_pkt_link_from_dlt(data[0]);
        if (l < -1 || l >= PP_LINK__COUNT)
            abort();
        (void)pp_pkt_link_name((enum pp_link)data[0]);
        (void)pp_tls_alert_name(data[0]);
    }
    return 0;
}
