/* SPDX-License-Identifier: ISC */
/*
 * HTTP proxies: which checks go through one, and which one.  Pure
 * functions (no I/O): the proxy URLs (--proxy, the environment, the macOS
 * system proxies) are parsed here, the no_proxy rules matched here, and
 * pp_proxy_select() is the ONE place where a check's path is chosen.
 *
 * Room: plan.  The app room gathers the sources (the environment with
 * passwords kept, `scutil --proxy` through diagnose/context.h) and hands
 * them over as NAME=value pairs with pp_proxy_conf_add().
 */
#ifndef PP_PROXY_H
#define PP_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pushprobe.h"

struct pp_plan;

/* "http://[user[:password]@]host[:port][/]", or with bare "host[:port]"
 * (what environment variables often hold) when bare_ok.  The port
 * defaults to 1080 as curl's does; user and password are %-decoded.  Any
 * other scheme (https://, socks5://, ...) is refused with a sentence
 * naming it.  Returns 0 and a new *out, or -1 with err set. */
int pp_via_parse(const char *url, bool bare_ok, struct pp_via **out, char *err,
                 size_t errlen);
struct pp_via *pp_via_dup(const struct pp_via *);
void pp_via_free(struct pp_via *);

/* curl's NO_PROXY semantics: a list separated by commas (white space
 * around entries ignored); "*" alone matches every host; an entry matches
 * the host itself and every name under it, with or without a leading dot
 * (".apple.com" and "apple.com" both match "apple.com" and
 * "x.apple.com", not "notapple.com"); "*.apple.com" (macOS's
 * ExceptionsList) is the same as ".apple.com"; case and a trailing dot
 * are ignored.  An IP literal host (IPv6 with or without brackets) matches
 * an equal literal or a CIDR block ("10.0.0.0/8", "169.254/16",
 * "fd00::/8"); names never match address entries.  NULL or empty list:
 * false. */
bool pp_no_proxy_match(const char *list, const char *host);

enum pp_proxy_mode {
    PP_PROXY_AUTO = 0,   /* the discovered settings (environment, system) */
    PP_PROXY_FORCED,     /* --proxy URL: every check a device would send
                          * through a proxy goes through this one */
    PP_PROXY_OFF         /* --no-proxy: every check goes direct */
};

/* A PAC evaluator, plugged into pp_proxy_select() (the PAC file itself is
 * plan/pac.c's business): for url ("https://host:port/") and host, 1 with
 * *via the proxy to use (NULL: DIRECT), or 0 when it has no answer (no PAC
 * file, or it failed), and the environment decides. */
typedef int (*pp_proxy_pac_fn)(void *ctx, const char *url, const char *host,
                               const struct pp_via **via);

/* What the sources say, once gathered.  Each proxy is the first source
 * that gave a usable one (the environment is added before the system). */
struct pp_proxy_conf {
    enum pp_proxy_mode mode;
    pp_proxy_pac_fn pac;        /* or NULL */
    void *pac_ctx;
    struct pp_via *forced;      /* PP_PROXY_FORCED */
    struct pp_via *https, *http, *all;          /* discovered, or NULL */
    char *https_src, *http_src, *all_src;       /* their source's name */
    char *no_proxy;             /* discovered no_proxy list, or NULL */
    char *warning;              /* the last source that could not be used */
};

void pp_proxy_conf_init(struct pp_proxy_conf *);
void pp_proxy_conf_free(struct pp_proxy_conf *);
/* One source: "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
 * "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", "system_https_proxy",
 * "system_http_proxy" (HOST:PORT) or "system_no_proxy".  Other names are
 * ignored (system_socks_proxy, system_pac_url: not an HTTP proxy). */
void pp_proxy_conf_add(struct pp_proxy_conf *, const char *name, const char *value);

/*
 * THE selection point: the path of one connection a device would make to
 * scheme://host:port ("https" for TLS and port 443, "http" for plain
 * HTTP).  Returns the proxy to use, or NULL for direct; *why (when not
 * NULL) gets the source of the decision ("--proxy", "--no-proxy", "pac",
 * "https_proxy", "system_https_proxy", "no_proxy", "none").
 *
 * Order: --no-proxy, then --proxy (which ignores no_proxy rules: it forces
 * one proxy), then the PAC evaluator (conf->pac, when set and it answers:
 * a PAC file decides for itself, no_proxy rules do not apply), then the
 * no_proxy rules, then the scheme's proxy (https: https_proxy; http:
 * http_proxy) and all_proxy.  A discovered URL that pp_via_parse() refuses
 * (a SOCKS proxy, say) means direct, and conf->warning says why.
 */
const struct pp_via *pp_proxy_select(const struct pp_proxy_conf *, const char *scheme,
                                     const char *host, uint16_t port, const char **why);

/* Whether a device would send this target through a web proxy: the
 * device-side services (APNs on 443, enrollment, software update, MDM,
 * distribution points, SUS, certificate validation) over TLS or TCP to
 * 443, or plain HTTP to an HTTP probe.  Never UDP, 5223, the provider API
 * or the retired ports. */
bool pp_proxy_eligible(const struct pp_target *);

/* For each eligible target of the plan that pp_proxy_select() sends
 * through a proxy, a copy with that via right after it (the direct check
 * stays); and once, when the push service's 443 goes through a proxy, a
 * copy of the first 5223 courier target through the same proxy (the
 * proxy's port policy).  Returns how many targets were added. */
size_t pp_plan_add_proxied(struct pp_plan *, const struct pp_proxy_conf *);

#endif
