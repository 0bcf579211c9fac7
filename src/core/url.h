/* SPDX-License-Identifier: ISC */
/*
 * Parsing of what users type: URLs (--mdm, --sus, --dp), HOST[:PORT]
 * targets and host names.  Pure functions; errors come back as a sentence
 * in err, never as a crash.
 *
 * One address syntax everywhere (options, targets, URLs, files): an IPv6
 * address with a port goes in brackets (RFC 3986: [2001:db8::1]:443,
 * https://[fd00::5]:8443/); without a port the brackets may be left out
 * (::1, https://fd00::5/).  Text that reads both ways (::1:443, which is
 * also the address ::1:443) is refused with the two ways to write it.  A
 * zone id follows the address after '%' (fe80::1%en0; %25 in a URL) and
 * must name an interface of this machine.
 */
#ifndef PP_URL_H
#define PP_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct pp_url {
    char scheme[16];  /* lower case */
    char *host;       /* without brackets */
    uint16_t port;    /* 0 when absent */
    char *path;       /* "/" when absent; includes the query */
};

/* scheme://[user@]host[:port][/path].  Returns 0, or -1 with err set. */
int pp_url_parse(const char *s, struct pp_url *u, char *err, size_t errlen);
void pp_url_free(struct pp_url *u);

/* A redirect's Location made absolute (a malloc'd string): as it is when
 * it names a scheme ("://"); else on scheme://host:port, an absolute path
 * ("/x") replacing base_path and a relative one ("x") its last segment
 * (base_path NULL: "/").  An IPv6 literal host is bracketed. */
char *pp_url_join(const char *scheme, const char *host, uint16_t port,
                  const char *base_path, const char *location);

/* host, host:port, [v6], [v6]:port or a bare IPv6 literal (see above).
 * *port is 0 when absent.  Returns 0, or -1 with *host NULL and err set. */
int pp_hostport_parse(const char *s, char **host, uint16_t *port,
                      char *err, size_t errlen);

/* A DNS name (RFC 1123 labels, underscores allowed) or an IP literal. */
bool pp_host_valid(const char *h);
/* 4 (IPv4 literal), 6 (IPv6 literal, with or without a zone id) or 0 (a
 * name). */
int pp_host_literal(const char *h);
/* An IP literal host (a zone id becomes the scope id) as a socket address
 * with port; returns 4 or 6, or 0 (a name: *ss zeroed, *len 0). */
int pp_host_sockaddr(const char *h, uint16_t port, struct sockaddr_storage *ss,
                     socklen_t *len);
/* "host:port", or "[v6]:port" for an IPv6 literal: how every check id and
 * message writes an address with its port (a malloc'd string). */
char *pp_hostport_fmt(const char *host, uint16_t port);

#endif
