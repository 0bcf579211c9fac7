/* SPDX-License-Identifier: ISC */
/* What the user's machine looks like from the inside (src/diagnose/context.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef __APPLE__
#include <net/route.h>
#include <sys/sysctl.h>
#endif

#include "diagnose/context.h"
#include "core/util.h"
#include "diagnose/context_int.h"

extern char **environ;

/* The most read of any file or program output. */
#define READ_CAP (256 * 1024)

/* --------------------------------------------------- environment proxies */

char *
pp_context_mask_proxy(const char *value)
{
    const char *start, *end, *at = NULL, *colon, *q;

    if (value == NULL)
        return NULL;
    start = strstr(value, "://");
    start = start != NULL ? start + 3 : value;
    end = start + strcspn(start, "/?#");
    for (q = start; q < end; q++)
        if (*q == '@')
            at = q;
    if (at == NULL)
        return pp_xstrdup(value);
    colon = memchr(start, ':', (size_t)(at - start));
    if (colon == NULL)
        return pp_xstrdup(value);
    return pp_xasprintf("%.*s***%s", (int)(colon + 1 - value), value, at);
}

#ifdef __APPLE__
static char *run_text(const char *cmd);
#endif

static int
env_proxies(char *const *envp, struct pp_proxy **out, size_t *n, bool mask)
{
    static const char *const names[] = {
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
    };
    size_t before = *n, i, j;

    if (envp == NULL)
        return -1;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t nl = strlen(names[i]);

        for (j = 0; envp[j] != NULL; j++) {
            if (strncmp(envp[j], names[i], nl) != 0 || envp[j][nl] != '=')
                continue;
            if (envp[j][nl + 1] != '\0' && mask)
                pp_cx_push_proxy(out, n, names[i], pp_xstrdup(envp[j] + nl + 1));
            else if (envp[j][nl + 1] != '\0') {
                *out = pp_xrealloc(*out, *n + 1, sizeof(**out));
                (*out)[*n].name = pp_xstrdup(names[i]);
                (*out)[(*n)++].value = pp_xstrdup(envp[j] + nl + 1);
            }
            break;
        }
    }
    return *n > before ? 0 : -1;
}

int
pp_context_parse_env_proxies(char *const *envp, struct pp_proxy **out, size_t *n)
{
    return env_proxies(envp, out, n, true);
}

void
pp_context_proxy_sources(struct pp_proxy **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    (void)env_proxies(environ, out, n, false);
#ifdef __APPLE__
    {
        /* HOST:PORT values: nothing to mask. */
        char *text = run_text("/usr/sbin/scutil --proxy 2>/dev/null");
        (void)pp_context_parse_scutil(text, out, n);
        free(text);
    }
#endif
}

void
pp_context_proxies_free(struct pp_proxy *v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

int
pp_context_is_vpn_name(const char *ifname)
{
    static const char *const prefixes[] = {
        "utun", "tun", "tap", "wg", "ppp", "ipsec", "gif",
    };
    size_t i;

    if (ifname == NULL)
        return 0;
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        char next;

        if (strncmp(ifname, prefixes[i], pl) != 0)
            continue;
        next = ifname[pl];
        if (next == '\0' || (next >= '0' && next <= '9') || next == '-' || next == '_')
            return 1;
    }
    return 0;
}

int
pp_context_is_clat_name(const char *ifname)
{
    size_t i;

    if (ifname == NULL)
        return 0;
    if (strncmp(ifname, "v4-", 3) == 0)
        return ifname[3] != '\0';
    if (strncmp(ifname, "clat", 4) != 0)
        return 0;
    for (i = 4; ifname[i] != '\0'; i++)
        if (ifname[i] < '0' || ifname[i] > '9')
            return 0;
    return 1;
}

int
pp_context_is_clat_addr(const char *ipv4)
{
    struct in_addr a;

    if (ipv4 == NULL || inet_pton(AF_INET, ipv4, &a) != 1)
        return 0;
    return (ntohl(a.s_addr) & 0xfffffff8u) == 0xc0000000u;
}

/* ------------------------------------------------------------ collecting */

/* At most READ_CAP bytes from an open stream, NUL-terminated. */
static char *
read_stream(FILE *f)
{
    char *buf = pp_xmalloc(READ_CAP + 1);
    size_t n = 0;

    while (n < READ_CAP) {
        size_t got = fread(buf + n, 1, READ_CAP - n, f);
        if (got == 0)
            break;
        n += got;
    }
    buf[n] = '\0';
    return buf;
}

/* A file's text (at most READ_CAP bytes), or NULL. */
static char *
read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf;

    if (f == NULL)
        return NULL;
    buf = read_stream(f);
    fclose(f);
    return buf;
}

#ifdef __APPLE__
/* The standard output of a fixed command line (at most READ_CAP bytes),
 * or NULL.  Only ever called with constant strings. */
static char *
run_text(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    char *buf;

    if (f == NULL)
        return NULL;
    buf = read_stream(f);
    /* Past the cap the command gets EPIPE once the pipe is closed. */
    pclose(f);
    return buf;
}

/* Routing socket messages pad each address to 4 bytes on macOS. */
#define RT_ROUND(a) \
    ((a) > 0 ? (1 + (((size_t)(a) - 1) | (sizeof(uint32_t) - 1))) : sizeof(uint32_t))

/* A netmask sockaddr (possibly truncated) that is all zero: a default. */
static bool
mask_is_zero(const struct sockaddr *sa)
{
    const unsigned char *b = (const unsigned char *)sa;
    size_t i = offsetof(struct sockaddr_in6, sin6_addr);

    for (; i < sa->sa_len && i < sizeof(struct sockaddr_in6); i++)
        if (b[i] != 0)
            return false;
    return true;
}

/* The primary (not interface-scoped) IPv6 default route, from the
 * routing table through sysctl: no program to run. */
static void
apple_route6(struct pp_context *c)
{
    int mib[6] = { CTL_NET, PF_ROUTE, 0, AF_INET6, NET_RT_DUMP, 0 };
    size_t len = 0;
    char *buf, *p, *end;

    if (sysctl(mib, 6, NULL, &len, NULL, 0) != 0 || len == 0)
        return;
    len += len / 4 + 4096;   /* the table may grow between the two calls */
    buf = pp_xmalloc(len);
    if (sysctl(mib, 6, buf, &len, NULL, 0) != 0) {
        free(buf);
        return;
    }
    end = buf + len;
    for (p = buf; (size_t)(end - p) >= sizeof(struct rt_msghdr);) {
        const struct rt_msghdr *rtm = (const struct rt_msghdr *)(void *)p;
        const struct sockaddr *sa[RTAX_MAX];
        const char *q = (const char *)(rtm + 1), *mend;
        struct sockaddr_in6 d6, g6;
        char name[IF_NAMESIZE], addr[INET6_ADDRSTRLEN];
        int i;

        if (rtm->rtm_msglen < sizeof(*rtm) || rtm->rtm_msglen > (size_t)(end - p))
            break;
        mend = p + rtm->rtm_msglen;
        p += rtm->rtm_msglen;
        if (rtm->rtm_version != RTM_VERSION)
            continue;
        for (i = 0; i < RTAX_MAX; i++) {
            const struct sockaddr *s = (const struct sockaddr *)(const void *)q;

            sa[i] = NULL;
            if (!(rtm->rtm_addrs & (1 << i)))
                continue;
            if (mend - q < 2 || (size_t)(mend - q) < RT_ROUND(s->sa_len))
                break;
            sa[i] = s;
            q += RT_ROUND(s->sa_len);
        }
        if (i < RTAX_MAX)
            continue;
        if (!(rtm->rtm_flags & RTF_UP) || (rtm->rtm_flags & (RTF_REJECT | RTF_BLACKHOLE)))
            continue;
#ifdef RTF_IFSCOPE
        if (rtm->rtm_flags & RTF_IFSCOPE)
            continue;
#endif
        if (sa[RTAX_DST] == NULL || sa[RTAX_DST]->sa_family != AF_INET6 ||
            sa[RTAX_DST]->sa_len < sizeof(d6))
            continue;
        memcpy(&d6, sa[RTAX_DST], sizeof(d6));
        if (!IN6_IS_ADDR_UNSPECIFIED(&d6.sin6_addr))
            continue;
        if (sa[RTAX_NETMASK] != NULL && !mask_is_zero(sa[RTAX_NETMASK]))
            continue;
        if (if_indextoname(rtm->rtm_index, name) == NULL)
            continue;
        c->default_if6 = pp_xstrdup(name);
        if (sa[RTAX_GATEWAY] != NULL && sa[RTAX_GATEWAY]->sa_family == AF_INET6 &&
            sa[RTAX_GATEWAY]->sa_len >= sizeof(g6)) {
            memcpy(&g6, sa[RTAX_GATEWAY], sizeof(g6));
            /* The kernel embeds the scope in bytes 2-3 of a link-local address. */
            if (IN6_IS_ADDR_LINKLOCAL(&g6.sin6_addr)) {
                g6.sin6_addr.s6_addr[2] = 0;
                g6.sin6_addr.s6_addr[3] = 0;
            }
            if (!IN6_IS_ADDR_UNSPECIFIED(&g6.sin6_addr) &&
                inet_ntop(AF_INET6, &g6.sin6_addr, addr, sizeof(addr)) != NULL)
                c->default_gw6 = pp_xstrdup(addr);
        }
        break;
    }
    free(buf);
}
#endif

static void
collect_host(struct pp_context *c)
{
    char buf[257];
    struct utsname u;
    struct passwd *pw;
    const char *user = NULL, *sudo;

    memset(buf, 0, sizeof(buf));
    if (gethostname(buf, sizeof(buf) - 1) == 0 && buf[0] != '\0')
        c->hostname = pp_xstrdup(buf);
    if (uname(&u) >= 0)
        c->os = pp_xasprintf("%s %s %s", u.sysname, u.release, u.machine);
    pw = getpwuid(geteuid());
    if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
        user = pw->pw_name;
    else
        user = getenv("USER");
    /* Under sudo the name worth hiding is the person's, not root. */
    sudo = getenv("SUDO_USER");
    if (geteuid() == 0 && sudo != NULL && sudo[0] != '\0')
        user = sudo;
    if (user != NULL && user[0] != '\0')
        c->username = pp_xstrdup(user);
}

static void
collect_routes(struct pp_context *c)
{
    char *text;

#ifdef __linux__
    text = read_text("/proc/net/route");
    (void)pp_context_parse_linux_route(text, &c->default_if, &c->default_gw);
    free(text);
    text = read_text("/proc/net/ipv6_route");
    (void)pp_context_parse_linux_route6(text, &c->default_if6, &c->default_gw6);
    free(text);
#endif
#ifdef __APPLE__
    /* stderr says "not in table" when there is no route: not for the user. */
    text = run_text("/sbin/route -n get default 2>/dev/null");
    (void)pp_context_parse_route_get(text, &c->default_if, &c->default_gw);
    free(text);
    apple_route6(c);
#endif
    text = read_text("/etc/resolv.conf");
    (void)pp_context_parse_resolv(text, &c->dns_servers, &c->ndns);
    (void)pp_context_parse_search(text, &c->search, &c->nsearch);
    free(text);
}

static void
collect_ifaces(struct pp_context *c)
{
    struct ifaddrs *all, *ifa;

    if (getifaddrs(&all) != 0)
        return;
    for (ifa = all; ifa != NULL; ifa = ifa->ifa_next) {
        char buf[INET6_ADDRSTRLEN];
        bool routable = true;

        if (ifa->ifa_addr == NULL || ifa->ifa_name == NULL || !(ifa->ifa_flags & IFF_UP) ||
            (ifa->ifa_flags & IFF_LOOPBACK))
            continue;
        if (ifa->ifa_addr->sa_family == AF_INET) {
            struct sockaddr_in a;

            memcpy(&a, ifa->ifa_addr, sizeof(a));
            if (inet_ntop(AF_INET, &a.sin_addr, buf, sizeof(buf)) == NULL)
                continue;
        } else if (ifa->ifa_addr->sa_family == AF_INET6) {
            struct sockaddr_in6 a;

            memcpy(&a, ifa->ifa_addr, sizeof(a));
            /* Link-local addresses (every interface has one, macOS a dozen)
             * reach no server: they are left out. */
            routable = !IN6_IS_ADDR_LINKLOCAL(&a.sin6_addr);
            if (!routable || inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof(buf)) == NULL)
                continue;
        } else {
            continue;
        }
        pp_cx_push_unique(&c->local_addrs, &c->nlocal, pp_xstrdup(buf));
        if (c->clat_if == NULL && (pp_context_is_clat_name(ifa->ifa_name) ||
                                   (ifa->ifa_addr->sa_family == AF_INET &&
                                    pp_context_is_clat_addr(buf))))
            c->clat_if = pp_xstrdup(ifa->ifa_name);
        /* A tunnel with only a link-local address is not a VPN: macOS keeps
         * utun0-3 up for its own services. */
        if (routable && pp_context_is_vpn_name(ifa->ifa_name))
            pp_cx_push_unique(&c->vpn_ifs, &c->nvpn, pp_xstrdup(ifa->ifa_name));
    }
    freeifaddrs(all);
}

void
pp_context_routes(struct pp_context *c)
{
    memset(c, 0, sizeof(*c));
    collect_routes(c);
    collect_ifaces(c);
}

void
pp_context_collect(struct pp_context *c)
{
    memset(c, 0, sizeof(*c));
    collect_host(c);
    collect_routes(c);
    collect_ifaces(c);
    (void)pp_context_parse_env_proxies(environ, &c->proxies, &c->nproxies);
#ifdef __APPLE__
    {
        char *text = run_text("/usr/sbin/scutil --proxy 2>/dev/null");
        (void)pp_context_parse_scutil(text, &c->proxies, &c->nproxies);
        free(text);
    }
#endif
}

void
pp_context_free(struct pp_context *c)
{
    free(c->hostname);
    free(c->os);
    free(c->username);
    free(c->default_if);
    free(c->default_gw);
    free(c->default_if6);
    free(c->default_gw6);
    free(c->clat_if);
    pp_cx_free_strv(c->dns_servers, c->ndns);
    pp_cx_free_strv(c->search, c->nsearch);
    pp_cx_free_strv(c->local_addrs, c->nlocal);
    pp_cx_free_strv(c->vpn_ifs, c->nvpn);
    pp_context_proxies_free(c->proxies, c->nproxies);
    pp_context_pac_free(c->pac);
    memset(c, 0, sizeof(*c));
}

void
pp_context_pac_free(struct pp_context_pac *p)
{
    size_t i;

    if (p == NULL)
        return;
    free(p->source);
    free(p->from);
    free(p->status);
    free(p->error);
    free(p->apple);
    free(p->other);
    for (i = 0; i < p->nanswers; i++) {
        free(p->answers[i].name);
        free(p->answers[i].value);
    }
    free(p->answers);
    free(p);
}
