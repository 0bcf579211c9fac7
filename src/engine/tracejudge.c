/* SPDX-License-Identifier: ISC */
/*
 * What a path trace saw, judged (trace.h): pure functions over the
 * answers of each TTL, so tests call them directly.  Each hop classified
 * (local, CGNAT, Apple, public), where the path ends, and the sentences
 * the reports and findings use.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/applenet.h"
#include "core/util.h"
#include "engine/trace.h"

enum pp_hop_reply
pp_trace_icmp_reply(int family, uint8_t type, uint8_t code)
{
    if (family == AF_INET) {
        if (type == 11)
            return PP_HR_TIME_EXCEEDED;
        if (type != 3)
            return PP_HR_NONE;
        /* 9, 10: network/host administratively prohibited (RFC 1122);
         * 13: communication administratively prohibited (RFC 1812). */
        return code == 9 || code == 10 || code == 13 ? PP_HR_ADMIN_PROHIBITED
                                                     : PP_HR_UNREACHABLE;
    }
    if (family == AF_INET6) {
        if (type == 3)
            return PP_HR_TIME_EXCEEDED;
        if (type != 1)
            return PP_HR_NONE;
        /* 1: administratively prohibited; 5: source address failed
         * ingress/egress policy; 6: reject route (RFC 4443). */
        return code == 1 || code == 5 || code == 6 ? PP_HR_ADMIN_PROHIBITED
                                                   : PP_HR_UNREACHABLE;
    }
    return PP_HR_NONE;
}

static bool
in4(const uint8_t *a, uint8_t b0, uint8_t b1, int bits)
{
    uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    uint32_t p = (uint32_t)b0 << 24 | (uint32_t)b1 << 16;
    uint32_t m = bits == 0 ? 0 : 0xffffffffu << (32 - bits);

    return (x & m) == (p & m);
}

enum pp_hop_network
pp_trace_network(const char *address)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const uint8_t *a;

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, address, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        a = (const uint8_t *)&sin.sin_addr;
        /* RFC 1918, loopback, link-local (RFC 3927) */
        if (in4(a, 10, 0, 8) || in4(a, 172, 16, 12) || in4(a, 192, 168, 16) ||
            in4(a, 127, 0, 8) || in4(a, 169, 254, 16))
            return PP_NW_LOCAL;
        if (in4(a, 100, 64, 10))   /* RFC 6598 shared address space */
            return PP_NW_CGNAT;
        return pp_addr_in_apple((const struct sockaddr *)&sin) ? PP_NW_APPLE : PP_NW_PUBLIC;
    }
    if (inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        a = (const uint8_t *)&sin6.sin6_addr;
        /* unique local fc00::/7 (RFC 4193), link-local fe80::/10, ::1 */
        if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
            IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr))
            return PP_NW_LOCAL;
        return pp_addr_in_apple((const struct sockaddr *)&sin6) ? PP_NW_APPLE : PP_NW_PUBLIC;
    }
    return PP_NW_PUBLIC;
}

bool
pp_trace_reply_ends(enum pp_hop_reply r)
{
    return r == PP_HR_SYN_ACK || r == PP_HR_RST || r == PP_HR_UNREACHABLE ||
           r == PP_HR_ADMIN_PROHIBITED;
}

static void
set_address(char *dst, const char *src)
{
    snprintf(dst, 48, "%s", src);
}

void
pp_trace_judge(const struct pp_trace_obs *obs, size_t n, const char *dest, int max_ttl,
               struct pp_path *out)
{
    struct pp_hop *h;
    size_t i;
    int t, term = 0, last = 0, k;

    memset(out, 0, sizeof(*out));
    if (max_ttl < 1)
        max_ttl = 1;
    if (max_ttl > PP_TRACE_MAX_TTL)
        max_ttl = PP_TRACE_MAX_TTL;
    h = pp_xcalloc((size_t)max_ttl, sizeof(*h));
    for (t = 0; t < max_ttl; t++) {
        h[t].ttl = t + 1;
        h[t].rtt_ms = -1;
        h[t].network = PP_NW_PUBLIC;
    }
    /* Per hop: the fastest probe that got an answer speaks for it. */
    for (i = 0; i < n; i++) {
        const struct pp_trace_obs *o = &obs[i];
        struct pp_hop *x;

        if (o->ttl < 1 || o->ttl > max_ttl || o->reply == PP_HR_NONE || o->reply >= PP_HR__COUNT)
            continue;
        x = &h[o->ttl - 1];
        if (x->reply == PP_HR_NONE || o->rtt_ms < x->rtt_ms) {
            x->reply = o->reply;
            x->rtt_ms = o->rtt_ms < 0 ? 0 : o->rtt_ms;
            set_address(x->address,
                        o->reply == PP_HR_SYN_ACK || o->reply == PP_HR_RST ? dest : o->from);
        }
    }
    for (t = 0; t < max_ttl; t++) {
        if (h[t].reply != PP_HR_NONE) {
            h[t].network = pp_trace_network(h[t].address);
            last = t + 1;
        }
        if (term == 0 && pp_trace_reply_ends(h[t].reply))
            term = t + 1;
    }
    out->hops = h;
    if (term > 0) {
        struct pp_hop *x = &h[term - 1];

        out->nhops = (size_t)term;
        out->end_hop = term;
        set_address(out->end_address, x->address);
        out->end_network = x->network;
        if (x->reply == PP_HR_SYN_ACK || x->reply == PP_HR_RST) {
            out->end = PP_PE_REACHED;
            out->reach_ttl = term;
        } else {
            out->end = PP_PE_REJECTED;
            /* A router filters after it forwarded (and counted down) the
             * packet: it answered time-exceeded one TTL earlier, and that
             * is where it sits. */
            for (k = 0; k < term - 1; k++)
                if (h[k].reply == PP_HR_TIME_EXCEEDED && strcmp(h[k].address, x->address) == 0) {
                    out->end_hop = k + 1;
                    break;
                }
        }
        return;
    }
    out->end = PP_PE_DROPPED;
    out->end_hop = last;
    if (last > 0) {
        set_address(out->end_address, h[last - 1].address);
        out->end_network = h[last - 1].network;
    }
    /* The hops up to the last that answered, and the first silent one. */
    out->nhops = (size_t)(last < max_ttl ? last + 1 : max_ttl);
}

void
pp_trace_compare(struct pp_path *p, const struct pp_path *ref)
{
    const struct pp_hop *x, *box;

    if (ref == NULL || ref->end != PP_PE_REACHED || ref->reach_ttl <= 0)
        return;
    p->distance = ref->reach_ttl;
    if (p->end == PP_PE_DROPPED && (size_t)p->end_hop < ref->nhops &&
        ref->hops[p->end_hop].reply != PP_HR_NONE) {
        set_address(p->beyond_address, ref->hops[p->end_hop].address);
        p->beyond_network = ref->hops[p->end_hop].network;
    }
    if (p->end != PP_PE_REACHED || p->reach_ttl <= 0 || p->reach_ttl >= ref->reach_ttl)
        return;
    x = &p->hops[p->reach_ttl - 1];
    p->end = x->reply == PP_HR_RST ? PP_PE_RESET : PP_PE_ANSWERED;
    p->end_hop = p->reach_ttl;
    p->end_address[0] = '\0';
    p->end_network = PP_NW_PUBLIC;
    /* The answer carries the server's address: which box sent it is what
     * the reference saw at that TTL. */
    if ((size_t)p->end_hop <= ref->nhops) {
        box = &ref->hops[p->end_hop - 1];
        if (box->reply == PP_HR_TIME_EXCEEDED) {
            set_address(p->end_address, box->address);
            p->end_network = box->network;
            free(p->end_name);
            p->end_name = box->name != NULL ? pp_xstrdup(box->name) : NULL;
        }
    }
}

const char *
pp_trace_network_words(enum pp_hop_network n)
{
    switch (n) {
    case PP_NW_LOCAL: return "this network";
    case PP_NW_CGNAT: return "the provider's carrier-grade NAT";
    case PP_NW_APPLE: return "Apple's network";
    case PP_NW_PUBLIC:
    default: return "a public network: the provider or transit";
    }
}

/* "(10.20.0.1 home.lan, this network)" or "" when the box is unknown. */
static void
box_words(const struct pp_path *p, char *buf, size_t len)
{
    const char *name = NULL;

    if (p->end_name != NULL)
        name = p->end_name;
    else if (p->end_hop > 0 && (size_t)p->end_hop <= p->nhops &&
             strcmp(p->hops[p->end_hop - 1].address, p->end_address) == 0)
        name = p->hops[p->end_hop - 1].name;
    if (p->end_address[0] == '\0')
        buf[0] = '\0';
    else
        snprintf(buf, len, " (%s%s%s, %s)", p->end_address, name ? " " : "", name ? name : "",
                 pp_trace_network_words(p->end_network));
}

void
pp_path_sentence(const struct pp_path *p, char *buf, size_t len)
{
    char box[400];

    box_words(p, box, sizeof(box));
    switch (p->end) {
    case PP_PE_REACHED:
        snprintf(buf, len, "reached the server at hop %d", p->end_hop);
        break;
    case PP_PE_REJECTED:
        snprintf(buf, len, "rejected by hop %d%s: %s", p->end_hop, box,
                 p->hops[p->nhops - 1].reply == PP_HR_ADMIN_PROHIBITED
                     ? "administratively prohibited" : "unreachable");
        break;
    case PP_PE_RESET:
        snprintf(buf, len, "reset by hop %d%s, not by the server (%d hops away)", p->end_hop,
                 box, p->distance);
        break;
    case PP_PE_ANSWERED:
        snprintf(buf, len, "answered by hop %d%s in the server's place (%d hops away): "
                 "a transparent proxy", p->end_hop, box, p->distance);
        break;
    case PP_PE_DROPPED:
    default:
        if (p->end_hop == 0)
            snprintf(buf, len, "dropped before the first hop: nothing answered");
        else
            snprintf(buf, len, "dropped after hop %d%s", p->end_hop, box);
        break;
    }
}
