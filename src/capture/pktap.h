/* SPDX-License-Identifier: ISC */
/*
 * Apple's PKTAP header (issue 17): what macOS tcpdump -i pktap and
 * captures of an iPhone's rvi0 interface (rvictl) put before each packet:
 * the interface, the process that sent or received it, its direction and
 * the link type of the packet that follows.  A pure parser over the
 * bounded cursor, for the decoder, the tests and the fuzzer.
 *
 * Layout (Apple's net/pktap.h as libpcap and Wireshark read it): fields in
 * little-endian order, the header's own length first so that it can grow.
 *   0 length   4 record type (1: a packet follows)   8 DLT of the packet
 *  12 interface name (24 bytes, NUL-padded)   36 flags   40 protocol family
 *  44 link header length   48 link trailer length   52 pid
 *  56 process name (20 bytes)   76 service class   80 interface type
 *  82 interface unit   84 effective pid   88 effective process name (20)
 * Anything past byte 108 (flow id, uuids) is stepped over by the length.
 */
#ifndef PP_PKTAP_H
#define PP_PKTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_DLT_PKTAP 258       /* LINKTYPE_PKTAP */
#define PP_DLT_PKTAP_OLD 149   /* DLT_USER2: PKTAP on OS X 10.9 and its tcpdump */
#define PP_PKTAP_MIN_HDR 108   /* up to the effective process name */

/* pth_flags bits for the direction (Apple's PTH_FLAG_DIR_IN/_OUT). */
#define PP_PKTAP_FLAG_IN 0x0001u
#define PP_PKTAP_FLAG_OUT 0x0002u

enum pp_pktap_dir { PP_PKTAP_DIR_UNKNOWN = 0, PP_PKTAP_DIR_IN, PP_PKTAP_DIR_OUT };

struct pp_pktap {
    uint32_t hdr_len;          /* where the packet starts */
    uint32_t rec_type;         /* 1: a packet follows, 0: none */
    uint32_t dlt;              /* link type of the packet */
    char ifname[25];           /* printable ASCII, "" when absent */
    uint32_t flags;
    enum pp_pktap_dir dir;
    uint32_t pid;              /* 0 with an empty name: no process known */
    char comm[21];
    uint32_t epid;             /* the process the sender acts for (delegation) */
    char ecomm[21];
};

/* Parse the header at the start of a PKTAP frame.  0, or -1 when it is
 * shorter than its minimum or than the frame holds. */
int pp_pktap_parse(const uint8_t *p, size_t len, struct pp_pktap *out);

const char *pp_pktap_dir_name(enum pp_pktap_dir);  /* "in", "out", "unknown" */

#endif
