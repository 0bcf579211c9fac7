/* SPDX-License-Identifier: ISC */
/* Connect outcome classification; see classify.h.  Mapping sources:
 * apple-network.md section 9 (Linux icmp_err_convert, tab_unreach). */
#include "config.h"

#include <sys/socket.h>
#include <errno.h>

#include "core/classify.h"

static struct pp_verdict
v(enum pp_state s, enum pp_reason r)
{
    struct pp_verdict x = {s, r};
    return x;
}

struct pp_verdict
pp_classify_icmp(const struct pp_icmp *i)
{
    if (i->family == AF_INET6) {
        if (i->type == 1) { /* destination unreachable */
            switch (i->code) {
            case 0: return v(PP_ST_UNREACHABLE, PP_RS_NET_UNREACH);
            case 1: return v(PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
            case 3: return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
            case 4: return v(PP_ST_BLOCKED, PP_RS_PORT_UNREACH);
            case 5: /* source address failed ingress/egress policy */
            case 6: /* reject route to destination */
                return v(PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
            default: return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
            }
        }
        if (i->type == 3)
            return v(PP_ST_UNREACHABLE, PP_RS_TTL_EXCEEDED);
        return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    }
    if (i->type == 3) {
        switch (i->code) {
        case 0: case 6: case 11:
            return v(PP_ST_UNREACHABLE, PP_RS_NET_UNREACH);
        case 1: case 7: case 8: case 12:
            return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
        case 2: return v(PP_ST_BLOCKED, PP_RS_PROTO_UNREACH);
        case 3: return v(PP_ST_BLOCKED, PP_RS_PORT_UNREACH);
        case 9: case 10: case 13: case 14: case 15:
            return v(PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
        default: return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
        }
    }
    if (i->type == 11)
        return v(PP_ST_UNREACHABLE, PP_RS_TTL_EXCEEDED);
    return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
}

bool
pp_errno_is_local_resource(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

struct pp_verdict
pp_classify_connect(int err, bool immediate, const struct pp_icmp *icmp)
{
    if (err == 0)
        return v(PP_ST_OK, PP_RS_SYN_ACK);
    if (pp_errno_is_local_resource(err))
        return v(PP_ST_ERROR, PP_RS_LOCAL_RESOURCE);
    if (icmp != NULL && icmp->valid)
        return pp_classify_icmp(icmp);
    switch (err) {
    case ECONNREFUSED:
        return v(PP_ST_CLOSED, PP_RS_CONN_REFUSED);
    case ECONNRESET:
        return v(PP_ST_CLOSED, PP_RS_CONN_RESET);
    case ETIMEDOUT:
        return v(PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    case ENETUNREACH:
        /* Failing inside connect() means this host has no route. */
        return v(PP_ST_UNREACHABLE, immediate ? PP_RS_NO_ROUTE : PP_RS_NET_UNREACH);
    case EHOSTUNREACH:
        /* Inside connect(): this host's routing refused.  Linux: an
         * "unreachable" route; macOS and the BSDs say this with no route
         * at all. */
        if (!immediate)
            return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
#ifdef __linux__
        return v(PP_ST_UNREACHABLE, PP_RS_LOCAL_ROUTE);
#else
        return v(PP_ST_UNREACHABLE, PP_RS_NO_ROUTE);
#endif
    case EINVAL:
        /* Linux refuses a connect to a blackhole route with EINVAL.  After
         * the connect started it means nothing of the network. */
        return v(immediate ? PP_ST_UNREACHABLE : PP_ST_ERROR,
                 immediate ? PP_RS_LOCAL_ROUTE : PP_RS_INTERNAL);
    case EHOSTDOWN:
        return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
        return v(PP_ST_UNREACHABLE, PP_RS_NO_ROUTE);
    case EACCES:
        /* Linux maps ICMPv6 administratively prohibited to EACCES, and a
         * "prohibit" route to it inside connect(). */
        if (immediate)
            return v(PP_ST_UNREACHABLE, PP_RS_LOCAL_ROUTE);
        return v(PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    case EPERM:
        /* A local firewall rule refused to send the SYN. */
        return v(PP_ST_BLOCKED, PP_RS_LOCAL_POLICY);
#ifdef ENONET
    case ENONET:
        return v(PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
#endif
    default:
        return v(PP_ST_ERROR, PP_RS_INTERNAL);
    }
}

const char *
pp_local_route_kind(int err)
{
    switch (err) {
#ifdef __linux__
    case EINVAL: return "blackhole";
    case EHOSTUNREACH: return "unreachable";
    case EACCES: return "prohibit";
#endif
    case ENETUNREACH: return "none";
    default: return NULL;
    }
}

const char *
pp_reason_sentence(enum pp_reason r)
{
    switch (r) {
    case PP_RS_SYN_ACK: return "the port accepted the connection";
    case PP_RS_CONN_REFUSED:
#ifdef __linux__
        return "the connection was refused (TCP reset): nothing listens there, "
               "or a firewall resets it";
#else
        /* The BSD stacks turn an ICMP reject into the same error, and
         * tell nothing of who sent it. */
        return "the connection was refused (a TCP reset or an ICMP reject): nothing "
               "listens there, or a firewall refuses it";
#endif
    case PP_RS_CONN_RESET: return "the connection was reset";
    case PP_RS_NO_RESPONSE:
        return "no answer before the deadline: packets are silently dropped on the way";
    case PP_RS_ADMIN_PROHIBITED:
        return "a firewall rejected the connection (ICMP administratively prohibited)";
    case PP_RS_PORT_UNREACH: return "a firewall rejected the connection (ICMP port unreachable)";
    case PP_RS_PROTO_UNREACH:
        return "a firewall rejected the connection (ICMP protocol unreachable)";
    case PP_RS_HOST_UNREACH: return "the host is unreachable";
    case PP_RS_NET_UNREACH: return "the network is unreachable";
    case PP_RS_TTL_EXCEEDED: return "the packets looped or the path is too long (TTL exceeded)";
    case PP_RS_NO_ROUTE: return "this machine has no route to the address";
    case PP_RS_LOCAL_POLICY: return "a firewall on this machine refused to send the connection";
    case PP_RS_LOCAL_ROUTE:
        return "a route on this machine discards traffic to this address (a blackhole, "
               "unreachable or prohibit route, as VPN kill switches install): nothing was sent";
    case PP_RS_LOCAL_RESOURCE: return "this machine ran out of descriptors or buffers";
    case PP_RS_IPV4_UNAVAILABLE:
        return "not applicable: this network has no IPv4 (no IPv4 address or default "
               "route): Apple devices use IPv6 here";
    default: return "the check failed";
    }
}
