/* SPDX-License-Identifier: ISC */
/*
 * The capture (issue 6): libpcap live on an interface (--sniff) or from a
 * saved file (--read), into the flow table of flows.h.  Opening a live
 * capture is the only privileged step: it happens first, then
 * pp_capture_drop() gives up root before a single packet is read.
 */
#ifndef PP_CAPTURE_H
#define PP_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/flows.h"

struct pp_loop;
struct pp_plan;
struct pp_report;

struct pp_capture_opts {
    const char *iface;       /* live capture, or NULL */
    const char *file;        /* saved capture (pcap, pcapng, gzip-compressed or not), or NULL */
    const char *filter;      /* BPF expression; NULL: the default filter */
    bool filter_is_default;  /* filter is pp_capture_default_filter's, not the user's */
    int snaplen;             /* 0: 262144 */
    size_t max_flows;        /* 0: flows.h default */
    double duration_s;       /* live: stop after this long; 0: no limit */
};

struct pp_capture;

/* Open the capture and set its filter.  NULL with err set on failure, in
 * words that say what to do (a missing privilege is named as such). */
struct pp_capture *pp_capture_open(const struct pp_capture_opts *, char *err, size_t errlen);
void pp_capture_free(struct pp_capture *);

/* The default BPF filter: Apple's ranges, DNS, ICMP and ICMPv6, the ports
 * of the services (5223, 443, 2197, 8443, 8088, 445, 548, 80), and the
 * hosts of the plan given by address.  Allocated. */
char *pp_capture_default_filter(const struct pp_plan *);

/* Teach the flow table the plan's names and the addresses the checks
 * used, so flows to them are named by service. */
void pp_capture_learn_plan(struct pp_capture *, const struct pp_plan *);
void pp_capture_learn_report(struct pp_capture *, const struct pp_report *);

/* Drop root for USER (NULL: "nobody"): setgroups, setgid, setuid, then
 * verify that root cannot be regained.  A no-op when not running as root.
 * Returns 0, or -1 with err set. */
int pp_drop_privileges(const char *user, char *err, size_t errlen);

/* Live: watch the capture's descriptor on the loop; done(arg) runs when
 * --duration is over.  Offline: read the whole file now.  Returns 0 or -1
 * with err set. */
int pp_capture_attach(struct pp_capture *, struct pp_loop *, void (*done)(void *), void *arg,
                      char *err, size_t errlen);
void pp_capture_detach(struct pp_capture *);
int pp_capture_read_all(struct pp_capture *, char *err, size_t errlen);

/* Decide pending flows at the capture's latest time (live: now). */
void pp_capture_settle(struct pp_capture *, bool end);

struct pp_flows *pp_capture_flows(const struct pp_capture *);
/* "eth0" or the file name. */
const char *pp_capture_source(const struct pp_capture *);
bool pp_capture_live(const struct pp_capture *);
const char *pp_capture_filter(const struct pp_capture *);
const char *pp_capture_link_name(const struct pp_capture *);
/* Why a live capture stopped early (the interface went away), or NULL. */
const char *pp_capture_error(const struct pp_capture *);
/* A saved capture's read stopped before the file's end (cut, damaged):
 * pp_capture_error() says where and why; what came before was read. */
bool pp_capture_incomplete(const struct pp_capture *);

/* The interfaces of the capture: every one a pcapng file describes, else
 * the one link. */
struct pp_capture_iface {
    const char *name;        /* NULL when the file names none */
    const char *link;        /* libpcap's name of its link type ("EN10MB") */
    int dlt;
    bool decoded;            /* a link type pushprobe decodes */
    uint32_t snaplen;
    uint64_t packets;        /* read (after the filter) */
};
size_t pp_capture_ifaces(const struct pp_capture *);
bool pp_capture_iface(const struct pp_capture *, size_t i, struct pp_capture_iface *);

/* Packets the kernel dropped (live), or 0. */
uint64_t pp_capture_kernel_drops(const struct pp_capture *);
/* Generation: changes whenever packets were read (for redraws). */
uint64_t pp_capture_generation(const struct pp_capture *);

/* Evidence for a check to a text address and port (see pp_flows_evidence). */
bool pp_capture_evidence(const struct pp_capture *, int family, const char *address,
                         uint16_t port, char *buf, size_t len);

#endif
