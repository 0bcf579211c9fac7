/* SPDX-License-Identifier: ISC */
/* c-ares in the poll loop; see dns.h. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "engine/dns.h"
#include "core/url.h"
#include "core/util.h"

struct waiter {
    pp_dns_cb cb;
    void *arg;
    struct waiter *next;
};

struct lookup {
    struct pp_dns *dns;
    char *host;
    int family;
    bool done;
    double started;
    struct pp_dns_answer ans;
    struct waiter *waiters;
    struct lookup *next;
};

struct pp_dns {
    struct pp_loop *loop;
    ares_channel ch;
    struct pp_timer timer;
    struct lookup *lookups;
    size_t pending;
    int io_fd;          /* the c-ares descriptor being processed, or -1 */
};

enum pp_reason
pp_dns_reason(int st)
{
    switch (st) {
    case ARES_SUCCESS: return PP_RS_NONE;
    case ARES_ENOTFOUND: return PP_RS_NXDOMAIN;
    case ARES_ENODATA: return PP_RS_NO_ADDRESS;
    case ARES_ESERVFAIL:
    case ARES_EFORMERR:
    case ARES_EBADRESP:
    case ARES_ENOTIMP: return PP_RS_SERVFAIL;
    case ARES_EREFUSED: return PP_RS_DNS_REFUSED;
    case ARES_ETIMEOUT: return PP_RS_DNS_TIMEOUT;
    case ARES_EBADNAME: return PP_RS_BAD_NAME;
    case ARES_ENOMEM: return PP_RS_LOCAL_RESOURCE;
    case ARES_EDESTRUCTION:
    case ARES_ECANCELLED: return PP_RS_RUN_DEADLINE;
    case ARES_ECONNREFUSED:
    default: return PP_RS_DNS_UNREACHABLE;
    }
}

static void
sock_state(void *data, ares_socket_t fd, int readable, int writable);

static void
on_io(int fd, short revents, void *arg)
{
    struct pp_dns *d = arg;
    ares_socket_t r = ARES_SOCKET_BAD, w = ARES_SOCKET_BAD;

    if (revents & (POLLIN | POLLERR | POLLHUP))
        r = fd;
    if (revents & POLLOUT)
        w = fd;
    d->io_fd = fd;
    ares_process_fd(d->ch, r, w);
    d->io_fd = -1;
}

static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct pp_dns *d = data;
    short ev = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));

    if (ev)
        pp_loop_watch(d->loop, fd, ev, on_io, d);
    else
        pp_loop_unwatch(d->loop, fd);
}

static void
on_timer(void *arg)
{
    struct pp_dns *d = arg;

    /* Both sockets bad: lets c-ares time out and retry its queries. */
    ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* Before each wait: arm one timer for c-ares' next deadline. */
static void
prepare(void *arg)
{
    struct pp_dns *d = arg;
    struct timeval tv, *tvp;

    if (d->pending == 0) {
        pp_loop_cancel(d->loop, &d->timer);
        return;
    }
    tvp = ares_timeout(d->ch, NULL, &tv);
    if (tvp == NULL) {
        pp_loop_cancel(d->loop, &d->timer);
        return;
    }
    pp_loop_timer(d->loop, &d->timer,
                  pp_now_ms() + (int64_t)tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
}

int
pp_dns_resolver_check(const char *resolver, char *err, size_t errlen)
{
    char *host = NULL;
    uint16_t port;

    if (pp_hostport_parse(resolver, &host, &port, err, errlen) < 0)
        return -1;
    if (pp_host_literal(host) == 0) {
        snprintf(err, errlen, "resolver must be an IP address, not '%.64s'", host);
        free(host);
        return -1;
    }
    free(host);
    return 0;
}

static int
server_count(ares_channel ch)
{
    struct ares_addr_port_node *servers = NULL, *n;
    int count = 0;

    if (ares_get_servers_ports(ch, &servers) != ARES_SUCCESS)
        return 0;
    for (n = servers; n != NULL; n = n->next)
        count++;
    ares_free_data(servers);
    return count;
}

void
pp_dns_server(const struct pp_dns *d, char *buf, size_t len)
{
    struct ares_addr_port_node *servers = NULL;
    char a[INET6_ADDRSTRLEN];
    int port;

    buf[0] = '\0';
    if (ares_get_servers_ports(d->ch, &servers) != ARES_SUCCESS || servers == NULL)
        return;
    port = servers->udp_port ? servers->udp_port : 53;
    if (inet_ntop(servers->family, &servers->addr, a, sizeof(a)) != NULL)
        snprintf(buf, len, servers->family == AF_INET6 ? "[%s]:%d" : "%s:%d", a, port);
    ares_free_data(servers);
}

static int
channel_init(struct pp_dns *d, const char *resolver, int timeout_ms, int flags,
             char *err, size_t errlen)
{
    struct ares_options o;
    int rc, mask;

    memset(&o, 0, sizeof(o));
    o.sock_state_cb = sock_state;
    o.sock_state_cb_data = d;
    /* Two tries whose timeouts (t, then 2t) add up to about timeout_ms. */
    o.timeout = timeout_ms / 3 > 100 ? timeout_ms / 3 : 100;
    o.tries = 2;
    o.flags = flags;
    mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
    if ((rc = ares_init_options(&d->ch, &o, mask)) != ARES_SUCCESS) {
        snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
        return -1;
    }
    if (resolver != NULL) {
        char *host = NULL, *csv;
        uint16_t port = 0;

        if (pp_hostport_parse(resolver, &host, &port, err, errlen) < 0 ||
            pp_host_literal(host) == 0) {
            if (host != NULL)
                snprintf(err, errlen, "resolver must be an IP address");
            free(host);
            ares_destroy(d->ch);
            return -1;
        }
        csv = pp_hostport_fmt(host, port ? port : 53);
        rc = ares_set_servers_ports_csv(d->ch, csv);
        free(csv);
        free(host);
        if (rc != ARES_SUCCESS) {
            snprintf(err, errlen, "resolver: %s", ares_strerror(rc));
            ares_destroy(d->ch);
            return -1;
        }
    }
    return 0;
}

struct pp_dns *
pp_dns_new(struct pp_loop *loop, const char *resolver, int timeout_ms,
           char *err, size_t errlen)
{
    static bool lib_ready;
    struct pp_dns *d;
    int rc;

    if (!lib_ready) {
        if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
            snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
            return NULL;
        }
        lib_ready = true;
    }
    d = pp_xcalloc(1, sizeof(*d));
    d->loop = loop;
    d->io_fd = -1;
    pp_timer_init(&d->timer, on_timer, d);
    if (channel_init(d, resolver, timeout_ms, 0, err, errlen) < 0) {
        free(d);
        return NULL;
    }
    /* With a single server there is no other to fall back to: keep the
     * server's own SERVFAIL or REFUSED instead of c-ares' generic
     * "could not contact", so the diagnosis can tell them apart. */
    if (server_count(d->ch) == 1) {
        ares_destroy(d->ch);
        if (channel_init(d, resolver, timeout_ms, ARES_FLAG_NOCHECKRESP, err, errlen) < 0) {
            free(d);
            return NULL;
        }
    }
    pp_loop_prepare(loop, prepare, d);
    return d;
}

static void
finish(struct lookup *lk)
{
    struct waiter *w, *next;

    lk->done = true;
    /* When the answer's descriptor was seen ready, not when c-ares got its
     * turn (see pp_loop_event_time). */
    lk->ans.elapsed_ms = (lk->dns->io_fd >= 0 ? pp_loop_event_time(lk->dns->loop, lk->dns->io_fd)
                                              : pp_now_msf()) - lk->started;
    if (lk->ans.elapsed_ms < 0)
        lk->ans.elapsed_ms = 0;
    w = lk->waiters;
    lk->waiters = NULL;
    for (; w != NULL; w = next) {
        next = w->next;
        w->cb(&lk->ans, w->arg);
        free(w);
    }
}

void
pp_dns_take_answer(struct pp_dns_answer *ans, int family, int status,
                   const struct ares_addrinfo *res)
{
    const struct ares_addrinfo_node *n;

    ans->status = status;
    ans->reason = pp_dns_reason(status);
    if (status != ARES_SUCCESS || res == NULL)
        return;
    for (n = res->nodes; n != NULL && ans->naddr < PP_DNS_MAX_ADDRS; n = n->ai_next) {
        size_t k, len;

        if (n->ai_family != family || n->ai_addr == NULL)
            continue;
        len = n->ai_family == AF_INET ? sizeof(struct sockaddr_in)
                                      : sizeof(struct sockaddr_in6);
        if ((size_t)n->ai_addrlen < len)
            continue;
        /* Drop duplicates (hosts file plus DNS, CNAME chains). */
        for (k = 0; k < ans->naddr; k++)
            if (memcmp(&ans->addr[k], n->ai_addr, len) == 0)
                break;
        if (k < ans->naddr)
            continue;
        memset(&ans->addr[ans->naddr], 0, sizeof(ans->addr[0]));
        memcpy(&ans->addr[ans->naddr], n->ai_addr, len);
        ans->naddr++;
    }
    if (ans->naddr == 0) {
        ans->status = ARES_ENODATA;
        ans->reason = PP_RS_NO_ADDRESS;
    }
}

static void
on_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    struct lookup *lk = arg;

    (void)timeouts;
    lk->dns->pending--;
    pp_dns_take_answer(&lk->ans, lk->family, status, res);
    if (res != NULL)
        ares_freeaddrinfo(res);
    finish(lk);
}

void
pp_dns_lookup(struct pp_dns *d, const char *host, int family, pp_dns_cb cb,
              void *arg)
{
    struct lookup *lk;
    struct waiter *w = pp_xcalloc(1, sizeof(*w));
    struct ares_addrinfo_hints hints;

    w->cb = cb;
    w->arg = arg;
    for (lk = d->lookups; lk != NULL; lk = lk->next)
        if (lk->family == family && strcmp(lk->host, host) == 0)
            break;
    if (lk != NULL) {
        if (lk->done) {
            free(w);
            cb(&lk->ans, arg);
        } else {
            w->next = lk->waiters;
            lk->waiters = w;
        }
        return;
    }
    lk = pp_xcalloc(1, sizeof(*lk));
    lk->dns = d;
    lk->host = pp_xstrdup(host);
    lk->family = family;
    lk->ans.family = family;
    lk->started = pp_now_msf();
    lk->waiters = w;
    lk->next = d->lookups;
    d->lookups = lk;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = ARES_AI_NOSORT;
    d->pending++;
    ares_getaddrinfo(d->ch, host, NULL, &hints, on_answer, lk);
}

struct reverse {
    struct pp_dns *dns;
    pp_dns_name_cb cb;
    void *arg;
};

const char *
pp_dns_ptr_name(int status, const struct hostent *h)
{
    return status == ARES_SUCCESS && h != NULL && h->h_name != NULL && h->h_name[0] != '\0'
               ? h->h_name : NULL;
}

static void
on_reverse(void *arg, int status, int timeouts, struct hostent *h)
{
    struct reverse *rv = arg;

    (void)timeouts;
    rv->dns->pending--;
    rv->cb(pp_dns_ptr_name(status, h), rv->arg);
    free(rv);
}

void
pp_dns_reverse(struct pp_dns *d, const struct sockaddr *sa, pp_dns_name_cb cb, void *arg)
{
    struct reverse *rv;

    if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
        cb(NULL, arg);
        return;
    }
    rv = pp_xcalloc(1, sizeof(*rv));
    rv->dns = d;
    rv->cb = cb;
    rv->arg = arg;
    d->pending++;
    if (sa->sa_family == AF_INET)
        ares_gethostbyaddr(d->ch, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                           sizeof(struct in_addr), AF_INET, on_reverse, rv);
    else
        ares_gethostbyaddr(d->ch, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                           sizeof(struct in6_addr), AF_INET6, on_reverse, rv);
}

void
pp_dns_cancel(struct pp_dns *d)
{
    if (d->pending > 0)
        ares_cancel(d->ch);
}

size_t
pp_dns_pending(const struct pp_dns *d)
{
    return d->pending;
}

void
pp_dns_free(struct pp_dns *d)
{
    struct lookup *lk, *next;

    if (d == NULL)
        return;
    ares_destroy(d->ch);  /* runs outstanding callbacks with EDESTRUCTION */
    pp_loop_cancel(d->loop, &d->timer);
    pp_loop_unprepare(d->loop, prepare, d);
    for (lk = d->lookups; lk != NULL; lk = next) {
        struct waiter *w, *wn;
        next = lk->next;
        for (w = lk->waiters; w != NULL; w = wn) {
            wn = w->next;
            free(w);
        }
        free(lk->host);
        free(lk);
    }
    free(d);
}
