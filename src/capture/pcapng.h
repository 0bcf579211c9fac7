/* SPDX-License-Identifier: ISC */
/*
 * A pcapng block reader of our own (issue 17): libpcap reads only files
 * whose interfaces all share one link type, so a Mac's multi-interface
 * capture (en0, utun0, lo0 ...) stopped at its second interface.  This
 * keeps every interface of a section with its link type, name, timestamp
 * resolution and snap length, and the process information macOS tools
 * write (Darwin process info blocks, and the packet options pointing at
 * them).  A pure parser over the bounded cursor: the caller reads the
 * file (capture.c, through zlib) and hands over one whole block at a time;
 * nothing is allocated, printed or read here.
 *
 * Usage: pp_pcapng_init(); for each block: read its first 12 bytes,
 * pp_pcapng_peek() for its total length, read the rest, pp_pcapng_block().
 */
#ifndef PP_PCAPNG_H
#define PP_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_PCAPNG_MAX_IFACES 256     /* interfaces kept per section */
#define PP_PCAPNG_MAX_PROCS 512      /* Darwin process info blocks per section */
#define PP_PCAPNG_MAX_BLOCK (64u << 20) /* a longer block is damage, not data */

/* Block types and option codes, from the pcapng specification and, for
 * Apple's, from what macOS tcpdump writes as Wireshark reads it. */
#define PP_NG_SHB 0x0A0D0D0Au
#define PP_NG_IDB 0x00000001u
#define PP_NG_PB 0x00000002u         /* obsolete packet block */
#define PP_NG_SPB 0x00000003u
#define PP_NG_EPB 0x00000006u
#define PP_NG_DPIB 0x80000001u       /* Darwin process info block */
#define PP_NG_BYTE_ORDER 0x1A2B3C4Du
#define PP_NG_OPT_IF_NAME 2
#define PP_NG_OPT_IF_TSRESOL 9
#define PP_NG_OPT_IF_TSOFFSET 14
#define PP_NG_OPT_EPB_FLAGS 2
#define PP_NG_OPT_DPIB_NAME 2
#define PP_NG_OPT_EPB_PIB 0x8001     /* 32769: index of the process's DPIB */
#define PP_NG_OPT_EPB_EPIB 0x8003    /* 32771: index of the effective process's */

struct pp_pcapng_iface {
    int linktype;
    uint32_t snaplen;            /* 0: no limit */
    char name[64];               /* if_name, printable ASCII; "" when absent */
    uint64_t units;              /* timestamp units per second (if_tsresol) */
    int64_t offset_s;            /* if_tsoffset */
};

struct pp_pcapng_proc {
    uint32_t pid;
    char name[32];               /* "" when the block has none */
};

struct pp_pcapng {
    bool started;                /* a section header was read */
    bool be;                     /* this section is big-endian */
    uint32_t sections;
    size_t nif;
    size_t nproc;
    struct pp_pcapng_iface ifs[PP_PCAPNG_MAX_IFACES];
    struct pp_pcapng_proc procs[PP_PCAPNG_MAX_PROCS];
    char why[160];               /* what was wrong, after PP_NG_BAD */
};

struct pp_pcapng_pkt {
    uint32_t iface;              /* index into ifs */
    int64_t ts_us;
    const uint8_t *data;         /* into the block */
    uint32_t caplen;
    uint32_t origlen;
    uint32_t flags;              /* epb_flags (bits 0-1: 1 inbound, 2 outbound) */
    int32_t proc;                /* index into procs, or -1 */
    int32_t eproc;
};

enum pp_pcapng_rc {
    PP_NG_PACKET = 0,            /* *out is a packet */
    PP_NG_OTHER,                 /* a block read and kept, or skipped */
    PP_NG_BAD                    /* damage: why says what */
};

void pp_pcapng_init(struct pp_pcapng *);
/* Do these 4 bytes start a pcapng file? */
bool pp_pcapng_magic(const uint8_t p[4]);
/* From the first 12 bytes of a block: its total length, checked (a
 * multiple of 4, at least 12, at most PP_PCAPNG_MAX_BLOCK).  A section
 * header sets the byte order.  0, or -1 with why set. */
int pp_pcapng_peek(struct pp_pcapng *, const uint8_t *p, size_t n, uint32_t *total);
/* One whole block of len bytes (the total length peek gave). */
enum pp_pcapng_rc pp_pcapng_block(struct pp_pcapng *, const uint8_t *p, size_t len,
                                  struct pp_pcapng_pkt *out);

#endif
