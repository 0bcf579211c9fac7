/* SPDX-License-Identifier: ISC */
/*
 * Reading a saved capture (capture_int.h): told by its first bytes, after
 * gunzip when it is compressed; pcap goes to libpcap (a compressed one as
 * a stream zlib inflates), pcapng is read here block by block through
 * pcapng.c, and a file cut short or damaged is read as far as it goes.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture_int.h"
#include "capture/pkt.h"
#include "core/util.h"

#ifdef HAVE_PCAP

/* ------------------------------------------------------------ compressed pcap */

/* A compressed pcap file goes to libpcap as a stream zlib inflates. */
#if defined(HAVE_FOPENCOOKIE)
static ssize_t
gz_cookie_read(void *cookie, char *buf, size_t n)
{
    int r = gzread((gzFile)cookie, buf, (unsigned)(n > (1u << 30) ? (1u << 30) : n));

    return r < 0 ? -1 : (ssize_t)r;
}

static int
gz_cookie_close(void *cookie)
{
    (void)cookie;   /* the capture closes the gzFile itself */
    return 0;
}

static FILE *
gz_stream(gzFile gz)
{
    cookie_io_functions_t io;

    memset(&io, 0, sizeof(io));
    io.read = gz_cookie_read;
    io.close = gz_cookie_close;
    return fopencookie(gz, "rb", io);
}
#elif defined(HAVE_FUNOPEN)
static int
gz_fun_read(void *cookie, char *buf, int n)
{
    return gzread((gzFile)cookie, buf, (unsigned)(n < 0 ? 0 : n));
}

static int
gz_fun_close(void *cookie)
{
    (void)cookie;
    return 0;
}

static FILE *
gz_stream(gzFile gz)
{
    return funopen(gz, gz_fun_read, NULL, NULL, gz_fun_close);
}
#else
/* Neither: inflate into an unnamed temporary file. */
static FILE *
gz_stream(gzFile gz)
{
    FILE *f = tmpfile();
    char b[65536];
    int n;

    if (f == NULL)
        return NULL;
    while ((n = gzread(gz, b, sizeof(b))) > 0)
        if (fwrite(b, 1, (size_t)n, f) != (size_t)n) {
            fclose(f);
            return NULL;
        }
    rewind(f);
    return f;
}
#endif

/* What zlib says of a damaged stream, or NULL. */
const char *
pp_cap_gz_damage(gzFile gz)
{
    int e = Z_OK;
    const char *m;

    if (gz == NULL)
        return NULL;
    m = gzerror(gz, &e);
    return e == Z_OK || e == Z_STREAM_END ? NULL : m;
}

/* ------------------------------------------------------------ pcapng */

/* Read exactly n bytes; the count read. */
static size_t
gz_get(struct pp_capture *c, uint8_t *dst, size_t n)
{
    size_t got = 0;

    while (got < n) {
        int r = gzread(c->gz, dst + got, (unsigned)(n - got > (1u << 30) ? (1u << 30)
                                                                       : n - got));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    c->offset += got;
    return got;
}

void
pp_cap_read_stops(struct pp_capture *c, const char *fmt, ...)
{
    char why[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (c->error == NULL)
        c->error = pp_xasprintf("%s: %s", c->source, why);
    c->incomplete = true;
}

/* Why a block came short: the gzip stream's damage, or the file's end. */
static void
cut_short(struct pp_capture *c, uint64_t at)
{
    const char *z = pp_cap_gz_damage(c->gz);

    if (z != NULL)
        pp_cap_read_stops(c, "the compressed data is damaged at byte %llu of the capture "
                          "(zlib: %s)", (unsigned long long)at, z);
    else
        pp_cap_read_stops(c, "the file is cut short at byte %llu, in the middle of a block",
                          (unsigned long long)at);
}

/* The next block into c->buf: its length, 0 at a clean end, -1 on damage
 * (c->error set). */
static long
ng_next(struct pp_capture *c, uint32_t *len)
{
    uint64_t at = c->offset;
    size_t got;

    if (c->buf_cap < NG_FIRST_BLOCK) {
        c->buf = pp_xrealloc(c->buf, NG_FIRST_BLOCK, 1);
        c->buf_cap = NG_FIRST_BLOCK;
    }
    got = gz_get(c, c->buf, 12);
    if (got == 0 && pp_cap_gz_damage(c->gz) == NULL)
        return 0;
    if (got < 12) {
        cut_short(c, at);
        return -1;
    }
    if (pp_pcapng_peek(c->ng, c->buf, 12, len) < 0) {
        pp_cap_read_stops(c, "damaged at byte %llu: %s", (unsigned long long)at, c->ng->why);
        return -1;
    }
    if (*len > c->buf_cap) {
        size_t cap = c->buf_cap;
        while (cap < *len)
            cap *= 2;
        c->buf = pp_xrealloc(c->buf, cap, 1);
        c->buf_cap = cap;
    }
    if (gz_get(c, c->buf + 12, *len - 12) < *len - 12) {
        cut_short(c, at);
        return -1;
    }
    c->blocks++;
    return 1;
}

/* One block: a packet goes to the flow table, an interface is kept.
 * 0 at the end, -1 when the read stops, 1 otherwise. */
int
pp_cap_ng_step(struct pp_capture *c)
{
    struct pp_pcapng_pkt pk;
    struct pp_frame_src src;
    enum pp_pcapng_rc rc;
    uint64_t at = c->offset;
    uint32_t sections = c->ng->sections;
    size_t nif = c->ng->nif;
    struct cap_if *i;
    uint32_t len;
    uint16_t proc = 0;
    long r;

    r = ng_next(c, &len);
    if (r <= 0)
        return (int)r;
    rc = pp_pcapng_block(c->ng, c->buf, len, &pk);
    if (rc == PP_NG_BAD) {
        pp_cap_read_stops(c, "damaged at byte %llu: %s", (unsigned long long)at, c->ng->why);
        return -1;
    }
    if (c->ng->sections != sections)
        c->ng_base = c->nif;
    if (rc == PP_NG_OTHER) {
        if (c->ng->nif > nif) {
            const struct pp_pcapng_iface *ni = &c->ng->ifs[c->ng->nif - 1];
            if (pp_cap_add_if(c, ni->linktype, ni->snaplen, ni->name) == NULL) {
                pp_cap_read_stops(c, "more than %d interfaces", MAX_IFACES);
                return -1;
            }
        }
        return 1;
    }
    if (c->ng_base + pk.iface >= c->nif) {
        pp_cap_read_stops(c, "damaged at byte %llu: a packet of an interface not kept",
                          (unsigned long long)at);
        return -1;
    }
    i = &c->ifs[c->ng_base + pk.iface];
    if (!pp_cap_passes(c, i->dlt, pk.data, pk.caplen, pk.origlen)) {
        if (c->stop != NULL) {
            pp_cap_read_stops(c, "%s", c->stop);
            return -1;
        }
        return 1;
    }
    if (pk.proc >= 0) {
        const struct pp_pcapng_proc *a = &c->ng->procs[pk.proc];
        const struct pp_pcapng_proc *e = pk.eproc >= 0 ? &c->ng->procs[pk.eproc] : NULL;
        proc = pp_flows_proc_id(c->flows, a->name, a->pid, e != NULL ? e->name : NULL,
                                e != NULL ? e->pid : 0);
    }
    if (pk.ts_us > c->last_us)
        c->last_us = pk.ts_us;
    i->packets++;
    src.iface = i->id;
    src.proc = proc;
    pp_flows_frame_at(c->flows, pk.ts_us, i->link >= 0 ? (enum pp_link)i->link : PP_LINK__COUNT,
                      pk.data, pk.caplen, &src);
    return 1;
}

/* Open: the section header and blocks up to the first interface, so the
 * file's first link type is known (and a filter that cannot apply to it
 * is said at once). */
static int
ng_open(struct pp_capture *c, char *err, size_t errlen)
{
    int r;

    c->ng = pp_xcalloc(1, sizeof(*c->ng));
    pp_pcapng_init(c->ng);
    while (c->nif == 0 && (r = pp_cap_ng_step(c)) > 0)
        ;
    if (c->nif == 0) {
        snprintf(err, errlen, "--read %s: %s", c->source,
                 c->error != NULL ? c->error + strlen(c->source) + 2
                                  : "a pcapng file without any interface");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ opening */

static bool
pcap_magic(const uint8_t m[4])
{
    static const uint8_t k[4][4] = {{0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1},
                                    {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1}};
    int i;

    for (i = 0; i < 4; i++)
        if (memcmp(m, k[i], 4) == 0)
            return true;
    return false;
}

/* A saved capture, told by its first bytes (after gunzip, when it is
 * compressed): pcapng read here, pcap by libpcap. */
int
pp_cap_open_file(struct pp_capture *c, const char *file, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    uint8_t m[4];
    int n;
    FILE *f;

    c->source = pp_xstrdup(file);
    c->gz = gzopen(file, "rb");
    if (c->gz == NULL) {
        snprintf(err, errlen, "--read %s: %s", file, strerror(errno != 0 ? errno : ENOMEM));
        return -1;
    }
    (void)gzbuffer(c->gz, 256 * 1024);   /* fewer, larger reads */
    n = gzread(c->gz, m, 4);
    c->compressed = !gzdirect(c->gz);
    if (n < 4) {
        const char *z = pp_cap_gz_damage(c->gz);
        snprintf(err, errlen, "--read %s: %s", file,
                 z != NULL ? z : n <= 0 ? "the file is empty" : "too short to be a capture");
        return -1;
    }
    if (pp_pcapng_magic(m)) {
        if (gzrewind(c->gz) < 0) {
            snprintf(err, errlen, "--read %s: cannot rewind", file);
            return -1;
        }
        return ng_open(c, err, errlen);
    }
    if (!pcap_magic(m)) {
        snprintf(err, errlen, "--read %s: not a capture pushprobe reads (pcap or pcapng, "
                 "either of them gzip-compressed); it starts with %02x %02x %02x %02x", file,
                 m[0], m[1], m[2], m[3]);
        return -1;
    }
    if (!c->compressed) {
        gzclose(c->gz);
        c->gz = NULL;
        c->p = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_MICRO,
                                                       ebuf);
    } else {
        if (gzrewind(c->gz) < 0 || (f = gz_stream(c->gz)) == NULL) {
            snprintf(err, errlen, "--read %s: cannot inflate it", file);
            return -1;
        }
        c->p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO,
                                                        ebuf);
        if (c->p == NULL)
            fclose(f);
    }
    if (c->p == NULL) {
        snprintf(err, errlen, "--read %s: %s", file, ebuf);
        return -1;
    }
    return 0;
}

#endif /* HAVE_PCAP */
