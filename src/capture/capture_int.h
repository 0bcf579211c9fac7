/* SPDX-License-Identifier: ISC */
/*
 * What the capture's files share (capture.c: opening, live captures in
 * the loop, what the other rooms ask; capfilter.c: filters and the
 * interfaces of a file; capfile.c: reading saved files, pcap and pcapng,
 * gzip-compressed or not): the capture itself and the steps one file
 * calls in another.  Internal to src/capture/.
 */
#ifndef PP_CAPTURE_INT_H
#define PP_CAPTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"

#ifdef HAVE_PCAP

#include <pcap/pcap.h>
#include <zlib.h>

#include "capture/pcapng.h"
#include "capture/pktap.h"
#include "core/loop.h"

#define DEFAULT_SNAPLEN 262144
#define MAX_FILTERS 8           /* link types a file's filter is compiled for */
#define MAX_IFACES 1024         /* interfaces of a file, all sections */
#define NG_FIRST_BLOCK 65536

/* An interface of the file: every one of a pcapng file, the one link of
 * a pcap file or a live capture. */
struct cap_if {
    int dlt;
    int link;                   /* enum pp_link, or -1: not one we decode */
    uint32_t snaplen;
    uint16_t id;                /* in the flow table (0: no name) */
    char name[64];
    uint64_t packets;
};

struct cap_filter {
    int dlt;
    bool ok;                    /* compiled; else the filter does not apply */
    struct bpf_program prog;
};

struct pp_capture {
    pcap_t *p;                  /* live, or a pcap file; NULL for pcapng */
    enum pp_link link;
    int dlt;
    bool live;
    char *source;
    char *filter;
    bool filter_default;
    bool soft_filter;           /* a file's filter, applied here */
    struct pp_flows *flows;
    struct pp_loop *loop;
    int fd;
    struct pp_timer settle_timer;
    struct pp_timer duration_timer;
    double duration_s;
    void (*done)(void *);
    void *done_arg;
    int64_t last_us;
    uint64_t generation;
    char *error;                /* why a live capture or a file's read stopped, or NULL */
    bool incomplete;            /* a file's read stopped before its end */
    /* Files: filtered here, by link type (a pcapng file has several). */
    struct cap_filter filt[MAX_FILTERS];
    size_t nfilt;
    int last_dlt;               /* the last one asked for, and its program */
    const struct bpf_program *last_prog;
    char *stop;                 /* a filter that cannot apply: the read stops */
    struct cap_if *ifs;
    size_t nif;
    char *link_names;           /* of a multi-interface file, made when asked */
    /* pcapng, read by pcapng.c through zlib (also pcap when compressed). */
    gzFile gz;
    bool compressed;
    struct pp_pcapng *ng;
    size_t ng_base;             /* ifs index of the section's first interface */
    uint8_t *buf;
    size_t buf_cap;
    uint64_t offset;            /* bytes of the (uncompressed) file read */
    uint64_t blocks;
};

/* capfilter.c */
char *pp_cap_link_filter(const struct pp_capture *c, int dlt);
const char *pp_cap_dlt_name(int dlt);
const struct bpf_program *pp_cap_filter_for(struct pp_capture *c, int dlt);
bool pp_cap_passes(struct pp_capture *c, int dlt, const uint8_t *data, uint32_t caplen,
                   uint32_t len);
struct cap_if *pp_cap_add_if(struct pp_capture *c, int dlt, uint32_t snaplen,
                             const char *name);

/* capfile.c */
int pp_cap_open_file(struct pp_capture *c, const char *file, char *err, size_t errlen);
int pp_cap_ng_step(struct pp_capture *c);
const char *pp_cap_gz_damage(gzFile gz);
void pp_cap_read_stops(struct pp_capture *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#else /* !HAVE_PCAP */

struct pp_capture {
    bool live;
    char *source;
    char *filter;
    struct pp_flows *flows;
    uint64_t generation;
};

#endif /* HAVE_PCAP */

#endif
