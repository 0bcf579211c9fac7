/* SPDX-License-Identifier: ISC */
/*
 * What the user's machine looks like from the inside, for the ticket
 * report: host name, OS, default routes, DNS servers, local addresses,
 * VPN interfaces and proxies.
 *
 * pp_context_collect() never fails: what cannot be found stays NULL or
 * empty.  On Linux it reads /proc and /etc and runs no program; on macOS
 * it runs /sbin/route and /usr/sbin/scutil (fixed paths, output capped).
 * Every text it reads goes through one of the pure parsers below, which
 * the unit tests and fuzzers run on fixed text on any system.
 */
#ifndef PP_CONTEXT_H
#define PP_CONTEXT_H

#include <stddef.h>
#include <stdio.h>


struct pp_proxy {
    char *name;     /* "https_proxy", "system_pac_url", ... */
    char *value;    /* a password in a proxy URL is masked as "***" */
};

/* The run's PAC file, as the app found and ran it (src/app/pacrun.c). */
struct pp_context_pac {
    char *source;       /* URL or file */
    char *from;         /* "option" or "system" */
    char *status;       /* "ok", "pac-unreachable", "pac-invalid" */
    char *error;        /* why not ok, or NULL */
    char *apple;        /* what it says for Apple's hosts: "PROXY h:p", "DIRECT",
                         * "mixed (...)", or NULL when none was asked about */
    char *other;        /* the same for the other hosts */
    struct pp_proxy *answers; /* per URL asked: the answer, or "error: why" */
    size_t nanswers;
};

struct pp_context {
    char *hostname;     /* gethostname */
    char *os;           /* uname: "Linux 6.1.0 x86_64", "Darwin 23.4.0 arm64" */
    char *username;     /* for redaction: the effective user (or $SUDO_USER for root) */
    char *default_if;   /* interface of the IPv4 default route, or NULL */
    char *default_gw;   /* its gateway, or NULL (none, or a route on the link) */
    char *default_if6;  /* the same for IPv6 */
    char *default_gw6;
    char **dns_servers;
    size_t ndns;
    char **search;      /* resolv.conf's search domains (the last search or domain line) */
    size_t nsearch;
    char **local_addrs; /* addresses of up, non-loopback interfaces */
    size_t nlocal;
    char **vpn_ifs;     /* up tunnel interfaces that carry an address */
    size_t nvpn;
    char *clat_if;      /* an up 464XLAT CLAT interface (pp_context_is_clat_name), or NULL */
    struct pp_proxy *proxies;
    size_t nproxies;
    struct pp_context_pac *pac; /* NULL: the run had no PAC file */
};

/* Fill *c (all of it: no need to clear it first).  Never fails. */
void pp_context_collect(struct pp_context *c);
/* Only the default routes, the DNS servers and the interfaces: what the
 * run needs to know before it starts (IPv6-only, a CLAT). */
void pp_context_routes(struct pp_context *c);
/* Free everything and clear *c; safe on a cleared or freed context. */
void pp_context_free(struct pp_context *c);
void pp_context_pac_free(struct pp_context_pac *);

/* The proxy settings of this machine for choosing a check's path (the
 * plan's pp_proxy_conf_add()), passwords KEPT: the environment's proxy
 * variables, then (macOS) the system proxies of `scutil --proxy`.  Never
 * for a report: pp_context_collect() keeps the masked copies. */
void pp_context_proxy_sources(struct pp_proxy **out, size_t *n);
void pp_context_proxies_free(struct pp_proxy *, size_t n);

/* Its report sections (JSON and text) are ui/'s: ui/report_context.c. */

/*
 * Pure parsers.  Each returns 0 when it found something and -1 when not,
 * in which case its outputs are NULL (or empty).  Malformed lines are
 * skipped; text may be anything (NULL included).
 */

/* resolv.conf: the address of every "nameserver" line (IPv4, or IPv6 with
 * an optional %zone), in order, without duplicates. */
int pp_context_parse_resolv(const char *text, char ***out, size_t *n);
/* resolv.conf: the domains of the last "search" or "domain" line (the one
 * the resolver uses), lowercased, without a trailing dot; names that are
 * not host names (".", empty labels, other bytes) are left out. */
int pp_context_parse_search(const char *text, char ***out, size_t *n);
/* /proc/net/route: among the default routes (destination and mask
 * 00000000, up, not a reject route) the one of the lowest metric, the
 * first of equals.  The gateway is the kernel's little-endian hex as a
 * dotted quad, NULL when 00000000. */
int pp_context_parse_linux_route(const char *text, char **ifname, char **gw);
/* /proc/net/ipv6_route: the same for ::/0 (source prefix ::/0 as well);
 * the gateway NULL when ::. */
int pp_context_parse_linux_route6(const char *text, char **ifname, char **gw);
/* macOS `route -n get default`: the "interface:" and "gateway:" lines
 * (a gateway that is not an address literal is left out). */
int pp_context_parse_route_get(const char *text, char **ifname, char **gw);
/* macOS `scutil --proxy`: the enabled system proxies of the top-level
 * dictionary, APPENDED to *out / *n as system_http_proxy,
 * system_https_proxy, system_socks_proxy (HOST:PORT), system_pac_url,
 * system_auto_discovery ("on") and, when any of those is there,
 * system_no_proxy (ExceptionsList, comma-separated).  The per-interface
 * copies under __SCOPED__ are ignored. */
int pp_context_parse_scutil(const char *text, struct pp_proxy **out, size_t *n);
/* The proxy variables of envp ("NAME=value" strings, NULL-terminated):
 * http_proxy, https_proxy, all_proxy, no_proxy, each in lower then upper
 * case, those not empty, APPENDED to *out / *n with passwords masked. */
int pp_context_parse_env_proxies(char *const *envp, struct pp_proxy **out, size_t *n);

/* 1 when an interface of that name is a tunnel (utun*, tun*, tap*, wg*,
 * ppp*, ipsec*, gif*: the prefix then the end, a digit, '-' or '_'). */
int pp_context_is_vpn_name(const char *ifname);
/* 1 when an interface of that name is a 464XLAT CLAT (RFC 6877): Linux
 * clatd's "clat" (and "clat4", "clat0", ...), Android's "v4-" before the
 * interface it translates for ("v4-wlan0", "v4-rmnet_data0").  macOS and
 * iOS (CLAT46) make no interface of their own: the CLAT's address sits on
 * the Wi-Fi or Ethernet interface, see pp_context_is_clat_addr. */
int pp_context_is_clat_name(const char *ifname);
/* 1 when an IPv4 address (text) is in 192.0.0.0/29, the IPv4 Service
 * Continuity Prefix CLATs take their addresses from (RFC 7335): macOS's
 * CLAT46 puts 192.0.0.2 on en0 with the IPv4 default route via 192.0.0.1,
 * Android 192.0.0.4 on v4-wlan0. */
int pp_context_is_clat_addr(const char *ipv4);
/* A copy of a proxy setting with the password of "scheme://user:pw@host"
 * (or "user:pw@host") replaced by "***". */
char *pp_context_mask_proxy(const char *value);

#endif
