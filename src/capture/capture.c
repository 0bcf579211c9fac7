/*
 * The capture: libpcap live or from a file, into the flow table.  Live,
 * the capture descriptor sits in the one poll() loop like any socket
 * (non-blocking, immediate mode); a file is read in one go.  Opening is
 * the privileged step; pp_drop_privileges() follows tcpdump's order
 * (setgroups, setgid, setuid) and checks that root cannot come back.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "core/applenet.h"
#include "plan/plan.h"
#include "core/url.h"
#include "core/util.h"

#define DEFAULT_SNAPLEN 262144

/* Service of a plan target, as the flow table names it. */
static enum pp_flow_svc
flow_svc(enum pp_service s)
{
    switch (s) {
    case PP_SV_APNS_DEVICE: return PP_FS_COURIER;
    case PP_SV_APNS_PROVIDER: return PP_FS_PROVIDER;
    case PP_SV_MDM: return PP_FS_MDM;
    case PP_SV_SUS: return PP_FS_SUS;
    case PP_SV_DP: return PP_FS_DP;
    case PP_SV_SMB: return PP_FS_SMB;
    case PP_SV_AFP: return PP_FS_AFP;
    case PP_SV_CUSTOM: return PP_FS_OTHER;
    default: return PP_FS_APPLE;
    }
}

char *
pp_capture_default_filter(const struct pp_plan *plan)
{
    static const unsigned ports[] = {5223, 443, 2197, 8443, 8088, 445, 548, 80};
    /* Tunnels (GRE, 6in4 and IP-in-IP, VXLAN) pass whole: the decoder
     * looks inside them. */
    char *f = pp_xstrdup("icmp or icmp6 or port 53"), *n;
    const uint8_t *prefix;
    int family, bits;
    size_t i, k;

    for (i = 0; pp_apple_space_entry(i, &family, &prefix, &bits); i++) {
        char a[INET6_ADDRSTRLEN];
        uint8_t full[16] = {0};
        memcpy(full, prefix, (size_t)(bits + 7) / 8);
        inet_ntop(family, full, a, sizeof(a));
        n = pp_xasprintf("%s or net %s/%d", f, a, bits);
        free(f);
        f = n;
    }
    for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        n = pp_xasprintf("%s or tcp port %u", f, ports[i]);
        free(f);
        f = n;
    }
    /* Last, as the rarest: a packet that matched already is not tested
     * for them. */
    n = pp_xasprintf("%s or ip proto 47 or ip proto 41 or ip proto 4 or udp port 4789", f);
    free(f);
    f = n;
    for (i = 0; plan != NULL && i < plan->n; i++) {
        const struct pp_target *t = plan->t[i];
        bool seen = false;
        for (k = 0; k < sizeof(ports) / sizeof(ports[0]); k++)
            seen |= ports[k] == t->port;
        for (k = 0; k < i && !seen; k++)
            seen = plan->t[k]->port == t->port;
        if (!seen) {
            n = pp_xasprintf("%s or tcp port %u", f, t->port);
            free(f);
            f = n;
        }
        if (pp_host_literal(t->host) != 0) {
            n = pp_xasprintf("%s or host %s", f, t->host);
            free(f);
            f = n;
        }
    }
    return f;
}

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>

/* Not root but holding capabilities (setcap, or systemd's
 * AmbientCapabilities=CAP_NET_RAW): give them all up once the capture is
 * open, and check that none is left. */
static int
drop_capabilities(char *err, size_t errlen)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];

    memset(d, 0, sizeof(d));
#ifdef PR_CAP_AMBIENT
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
    if (syscall(SYS_capset, &h, d) < 0) {
        snprintf(err, errlen, "dropping capabilities: %s", strerror(errno));
        return -1;
    }
    if (syscall(SYS_capget, &h, d) < 0 || d[0].effective != 0 || d[0].permitted != 0 ||
        d[1].effective != 0 || d[1].permitted != 0) {
        snprintf(err, errlen, "dropping capabilities did not hold");
        return -1;
    }
    return 0;
}
#else
static int
drop_capabilities(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0;
}
#endif

int
pp_drop_privileges(const char *user, char *err, size_t errlen)
{
    struct passwd *pw;
    uid_t uid;
    gid_t gid;

    if (geteuid() != 0 && getuid() != 0)
        return drop_capabilities(err, errlen);
    if (user == NULL)
        user = "nobody";
    errno = 0;
    pw = getpwnam(user);
    if (pw == NULL && (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == EIO)) {
        /* Not "no such user": the lookup itself failed (EMFILE, ...). */
        snprintf(err, errlen, "-Z: cannot look up the user '%s': %s", user, strerror(errno));
        return -1;
    }
    if (pw == NULL) {
        snprintf(err, errlen, "-Z: no user '%s' to run as after opening the capture", user);
        return -1;
    }
    uid = pw->pw_uid;
    gid = pw->pw_gid;
    if (uid == 0) {
        snprintf(err, errlen, "-Z: '%s' is root; pushprobe does not keep running as root",
                 user);
        return -1;
    }
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        snprintf(err, errlen, "dropping privileges to '%s': %s", user, strerror(errno));
        return -1;
    }
    /* Verify: no way back to root. */
    if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid ||
        getgid() != gid || getegid() != gid) {
        snprintf(err, errlen, "dropping privileges to '%s' did not hold", user);
        return -1;
    }
    return 0;
}

#ifdef HAVE_PCAP

#include <pcap/pcap.h>
#include <zlib.h>

#include "capture/pcapng.h"
#include "capture/pktap.h"
#include "core/loop.h"

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

/* The default filter on Ethernet: also inside one or two VLAN tags
 * (802.1Q, QinQ), and every PPPoE session frame (the decoder looks
 * inside).  libpcap's "vlan" moves the offsets for the rest of the whole
 * expression, so the tagged cases nest, after the others. */
static char *
link_filter(const struct pp_capture *c, int dlt)
{
    if (c->filter_default && dlt == DLT_EN10MB)
        return pp_xasprintf("(%s) or ether proto 0x8864 or (vlan and ((%s) or (vlan and (%s))))",
                            c->filter, c->filter, c->filter);
    return pp_xstrdup(c->filter);
}

static const char *
dlt_name(int dlt)
{
    const char *n = pcap_datalink_val_to_name(dlt);

    if (dlt == PP_DLT_PKTAP || dlt == PP_DLT_PKTAP_OLD)
        return "PKTAP";
    return n != NULL ? n : "unknown";
}

/* A pcapng file names link types by their LINKTYPE_ number, libpcap by
 * its DLT_ one; they differ for raw IP. */
static int
dlt_of_linktype(int lt)
{
    return lt == 101 ? DLT_RAW : lt;
}

/* The compiled filter for a link type, compiled on first use.  NULL: let
 * every packet through (no filter, or the default one where it does not
 * apply).  A filter of the user's that does not apply stops the read. */
static const struct bpf_program *
filter_for(struct pp_capture *c, int dlt)
{
    struct cap_filter *f;
    pcap_t *dead;
    char *expr;
    size_t i;
    int rc;

    for (i = 0; i < c->nfilt; i++)
        if (c->filt[i].dlt == dlt)
            return c->filt[i].ok ? &c->filt[i].prog : NULL;
    if (c->nfilt == MAX_FILTERS) {
        if (c->stop == NULL)
            c->stop = pp_xasprintf("more than %d link types in one file", MAX_FILTERS);
        return NULL;
    }
    f = &c->filt[c->nfilt++];
    f->dlt = dlt;
    f->ok = false;
    dead = pcap_open_dead(dlt, DEFAULT_SNAPLEN);
    if (dead == NULL)
        return NULL;
    expr = link_filter(c, dlt);
    rc = pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    free(expr);
    if (rc == 0)
        f->ok = true;
    else if (!c->filter_default && c->stop == NULL)
        c->stop = pp_xasprintf("--filter '%s': %s (link type %s; --filter '' keeps every "
                               "packet)", c->filter, pcap_geterr(dead), dlt_name(dlt));
    pcap_close(dead);
    return f->ok ? &f->prog : NULL;
}

/* Does a file's packet pass the filter?  A PKTAP packet is judged by the
 * packet after its header, of the link type the header says. */
static __attribute__((noinline)) bool
passes(struct pp_capture *c, int dlt, const uint8_t *data, uint32_t caplen, uint32_t len)
{
    const struct bpf_program *prog;
    struct pcap_pkthdr h;
    struct pp_pktap ph;

    if (c->filter[0] == '\0')
        return true;
    if (dlt == PP_DLT_PKTAP || dlt == PP_DLT_PKTAP_OLD) {
        if (pp_pktap_parse(data, caplen, &ph) < 0 || ph.rec_type != 1)
            return true;        /* the decoder counts it */
        dlt = (int)ph.dlt;
        data += ph.hdr_len;
        caplen -= ph.hdr_len;
        len = len > ph.hdr_len ? len - ph.hdr_len : caplen;
    }
    if (dlt == c->last_dlt) {
        prog = c->last_prog;
    } else {
        prog = filter_for(c, dlt);
        if (c->stop != NULL)
            return false;
        c->last_dlt = dlt;
        c->last_prog = prog;
    }
    if (prog == NULL)
        return true;
    h.ts.tv_sec = 0;
    h.ts.tv_usec = 0;
    h.caplen = caplen;
    h.len = len < caplen ? caplen : len;
    return pcap_offline_filter(prog, &h, data) != 0;
}

static struct cap_if *
add_if(struct pp_capture *c, int dlt, uint32_t snaplen, const char *name)
{
    struct cap_if *i;

    if (c->nif == MAX_IFACES)
        return NULL;
    c->ifs = pp_xrealloc(c->ifs, c->nif + 1, sizeof(*c->ifs));
    i = &c->ifs[c->nif++];
    memset(i, 0, sizeof(*i));
    i->dlt = c->ng != NULL ? dlt_of_linktype(dlt) : dlt;
    i->link = pp_pkt_link_from_dlt(dlt);
    i->snaplen = snaplen;
    snprintf(i->name, sizeof(i->name), "%s", name != NULL ? name : "");
    i->id = pp_flows_iface_id(c->flows, i->name);
    return i;
}

static void
frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pp_capture *c = (struct pp_capture *)(void *)arg;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;

    if (c->soft_filter && !passes(c, c->dlt, bytes, h->caplen, h->len)) {
        if (c->stop != NULL)
            pcap_breakloop(c->p);
        return;
    }
    if (ts > c->last_us)
        c->last_us = ts;
    c->ifs[0].packets++;
    pp_flows_frame(c->flows, ts, c->link, bytes, h->caplen);
}

/* libpcap's words for a failed activation, turned into advice. */
static void
activate_error(struct pp_capture *c, int rc, const char *iface, char *err, size_t errlen)
{
    const char *why = pcap_geterr(c->p);

    switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
#ifdef __linux__
        snprintf(err, errlen, "capturing on %s needs root or the CAP_NET_RAW capability: run "
                 "with sudo, or once: sudo setcap cap_net_raw,cap_net_admin=eip pushprobe "
                 "(libpcap: %s)", iface, why);
#else
        /* macOS and the BSDs: the right to read the /dev/bpf devices. */
        snprintf(err, errlen, "capturing on %s needs root or read access to /dev/bpf*: run "
                 "with sudo, or give your group access to the BPF devices (on macOS, "
                 "Wireshark's ChmodBPF does) (libpcap: %s)", iface, why);
#endif
        break;
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errlen, "no interface named '%s' to capture on (libpcap: %s)", iface,
                 why);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errlen, "interface '%s' is down: bring it up to capture on it", iface);
        break;
    default:
        snprintf(err, errlen, "cannot capture on %s: %s", iface,
                 rc == PCAP_ERROR ? why : pcap_statustostr(rc));
        break;
    }
}

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
static const char *
gz_damage(gzFile gz)
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

static void
read_stops(struct pp_capture *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
read_stops(struct pp_capture *c, const char *fmt, ...)
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
    const char *z = gz_damage(c->gz);

    if (z != NULL)
        read_stops(c, "the compressed data is damaged at byte %llu of the capture (zlib: %s)",
                   (unsigned long long)at, z);
    else
        read_stops(c, "the file is cut short at byte %llu, in the middle of a block",
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
    if (got == 0 && gz_damage(c->gz) == NULL)
        return 0;
    if (got < 12) {
        cut_short(c, at);
        return -1;
    }
    if (pp_pcapng_peek(c->ng, c->buf, 12, len) < 0) {
        read_stops(c, "damaged at byte %llu: %s", (unsigned long long)at, c->ng->why);
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
static int
ng_step(struct pp_capture *c)
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
        read_stops(c, "damaged at byte %llu: %s", (unsigned long long)at, c->ng->why);
        return -1;
    }
    if (c->ng->sections != sections)
        c->ng_base = c->nif;
    if (rc == PP_NG_OTHER) {
        if (c->ng->nif > nif) {
            const struct pp_pcapng_iface *ni = &c->ng->ifs[c->ng->nif - 1];
            if (add_if(c, ni->linktype, ni->snaplen, ni->name) == NULL) {
                read_stops(c, "more than %d interfaces", MAX_IFACES);
                return -1;
            }
        }
        return 1;
    }
    if (c->ng_base + pk.iface >= c->nif) {
        read_stops(c, "damaged at byte %llu: a packet of an interface not kept",
                   (unsigned long long)at);
        return -1;
    }
    i = &c->ifs[c->ng_base + pk.iface];
    if (!passes(c, i->dlt, pk.data, pk.caplen, pk.origlen)) {
        if (c->stop != NULL) {
            read_stops(c, "%s", c->stop);
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
    while (c->nif == 0 && (r = ng_step(c)) > 0)
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
static int
open_file(struct pp_capture *c, const char *file, char *err, size_t errlen)
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
        const char *z = gz_damage(c->gz);
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

struct pp_capture *
pp_capture_open(const struct pp_capture_opts *o, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct pp_flows_opts fo;
    struct bpf_program prog;
    struct pp_capture *c = pp_xcalloc(1, sizeof(*c));
    int rc, link;
    char *expr;

    c->fd = -1;
    c->last_dlt = -1;
    c->duration_s = o->duration_s;
    c->filter = pp_xstrdup(o->filter != NULL ? o->filter : "");
    c->filter_default = o->filter_is_default;
    memset(&fo, 0, sizeof(fo));
    fo.max_flows = o->max_flows;
    c->flows = pp_flows_new(&fo);
    if (o->file != NULL) {
        if (open_file(c, o->file, err, errlen) < 0) {
            pp_capture_free(c);
            return NULL;
        }
    } else {
        c->live = true;
        c->p = pcap_create(o->iface, ebuf);
        if (c->p == NULL) {
            snprintf(err, errlen, "cannot capture on %s: %s", o->iface, ebuf);
            pp_capture_free(c);
            return NULL;
        }
        pcap_set_snaplen(c->p, o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN);
        pcap_set_promisc(c->p, 1);
        pcap_set_immediate_mode(c->p, 1);
        pcap_set_buffer_size(c->p, 8 << 20);
        rc = pcap_activate(c->p);
        if (rc < 0) {
            activate_error(c, rc, o->iface, err, errlen);
            pp_capture_free(c);
            return NULL;
        }
        c->source = pp_xstrdup(o->iface);
    }
    if (c->p != NULL) {
        c->dlt = pcap_datalink(c->p);
        add_if(c, c->dlt, (uint32_t)pcap_snapshot(c->p), NULL);
    } else {
        c->dlt = c->ifs[0].dlt;
    }
    link = pp_pkt_link_from_dlt(c->dlt);
    if (link < 0 && c->p != NULL) {
        snprintf(err, errlen, "%s: link type %s (%d) is not one pushprobe decodes (Ethernet, "
                 "Linux cooked, raw IP, loopback, PKTAP)", c->source, dlt_name(c->dlt), c->dlt);
        pp_capture_free(c);
        return NULL;
    }
    c->link = link >= 0 ? (enum pp_link)link : PP_LINK__COUNT;
    if (c->filter[0] == '\0')
        return c;
    /* A pcapng file, or PKTAP (judged by the packet inside): filtered
     * here; live captures and other pcap files by libpcap. */
    c->soft_filter = !c->live && (c->p == NULL || c->link == PP_LINK_PKTAP);
    if (c->soft_filter) {
        /* Compiled now for the first link type, so that a filter that does
         * not apply is said before anything is read. */
        int dlt = c->dlt;
        if (c->link == PP_LINK_PKTAP)
            dlt = DLT_EN10MB;   /* judged by the packets inside: most often Ethernet */
        (void)filter_for(c, dlt);
        if (c->stop != NULL) {
            snprintf(err, errlen, "%s", c->stop);
            pp_capture_free(c);
            return NULL;
        }
        return c;
    }
    expr = link_filter(c, c->dlt);
    rc = pcap_compile(c->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
    free(expr);
    if (rc < 0) {
        if (o->filter_is_default)
            snprintf(err, errlen, "%s: the default capture filter does not apply to its "
                     "link type %s (%s): give --filter '' to keep every packet, or a "
                     "filter of your own", c->source, dlt_name(c->dlt), pcap_geterr(c->p));
        else
            snprintf(err, errlen, "--filter '%s': %s", c->filter, pcap_geterr(c->p));
        pp_capture_free(c);
        return NULL;
    }
    rc = pcap_setfilter(c->p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        snprintf(err, errlen, "setting the filter: %s", pcap_geterr(c->p));
        pp_capture_free(c);
        return NULL;
    }
    return c;
}

void
pp_capture_free(struct pp_capture *c)
{
    size_t i;

    if (c == NULL)
        return;
    pp_capture_detach(c);
    free(c->error);
    if (c->p != NULL)
        pcap_close(c->p);
    if (c->gz != NULL)
        gzclose(c->gz);
    for (i = 0; i < c->nfilt; i++)
        if (c->filt[i].ok)
            pcap_freecode(&c->filt[i].prog);
    free(c->stop);
    free(c->ng);
    free(c->buf);
    free(c->ifs);
    free(c->link_names);
    pp_flows_free(c->flows);
    free(c->source);
    free(c->filter);
    free(c);
}

static void
on_readable(int fd, short revents, void *arg)
{
    struct pp_capture *c = arg;
    int n = 0, budget = 64;

    (void)fd;
    (void)revents;
    /* A bounded batch per turn, so probes and the screen get their turn. */
    while (budget-- > 0 && (n = pcap_dispatch(c->p, 256, frame, (u_char *)c)) > 0)
        c->generation++;
    if (n < 0 && c->error == NULL && c->loop != NULL) {
        /* The interface went away (or down): stop watching, say why. */
        c->error = pp_xasprintf("the capture on %s stopped: %s", c->source,
                                n == PCAP_ERROR ? pcap_geterr(c->p) : "interrupted");
        pp_loop_unwatch(c->loop, c->fd);
        c->fd = -1;
        c->generation++;
    }
}

static int64_t
wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void
settle_tick(void *arg)
{
    struct pp_capture *c = arg;

    pp_flows_settle(c->flows, wall_us());
    c->generation++;
    pp_loop_timer(c->loop, &c->settle_timer, pp_now_ms() + 1000);
}

static void
duration_over(void *arg)
{
    struct pp_capture *c = arg;

    if (c->done != NULL)
        c->done(c->done_arg);
}

int
pp_capture_attach(struct pp_capture *c, struct pp_loop *loop, void (*done)(void *), void *arg,
                  char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];

    if (!c->live) {
        snprintf(err, errlen, "a saved capture is read, not watched");
        return -1;
    }
    if (pcap_setnonblock(c->p, 1, ebuf) < 0) {
        snprintf(err, errlen, "capture: %s", ebuf);
        return -1;
    }
    c->fd = pcap_get_selectable_fd(c->p);
    if (c->fd < 0) {
        snprintf(err, errlen, "capture: this platform gives no descriptor to wait on");
        return -1;
    }
    if (pp_loop_watch(loop, c->fd, POLLIN, on_readable, c) < 0) {
        snprintf(err, errlen, "capture: %s", strerror(errno));
        c->fd = -1;
        return -1;
    }
    c->loop = loop;
    c->done = done;
    c->done_arg = arg;
    pp_timer_init(&c->settle_timer, settle_tick, c);
    pp_loop_timer(loop, &c->settle_timer, pp_now_ms() + 1000);
    pp_timer_init(&c->duration_timer, duration_over, c);
    if (c->duration_s > 0)
        pp_loop_timer(loop, &c->duration_timer, pp_now_ms() + (int64_t)(c->duration_s * 1000));
    return 0;
}

void
pp_capture_detach(struct pp_capture *c)
{
    if (c == NULL || c->loop == NULL)
        return;
    /* What the kernel still holds for us. */
    if (c->fd >= 0) {
        on_readable(c->fd, POLLIN, c);
        if (c->fd >= 0)
            pp_loop_unwatch(c->loop, c->fd);
    }
    pp_loop_cancel(c->loop, &c->settle_timer);
    pp_loop_cancel(c->loop, &c->duration_timer);
    c->loop = NULL;
    c->fd = -1;
}

int
pp_capture_read_all(struct pp_capture *c, char *err, size_t errlen)
{
    int rc;

    if (c->p == NULL) {
        while ((rc = ng_step(c)) > 0)
            ;
    } else {
        rc = pcap_loop(c->p, -1, frame, (u_char *)c);
        if (c->stop != NULL) {
            read_stops(c, "%s", c->stop);
        } else if (rc == PCAP_ERROR) {
            /* A file cut short: what was read counts, and the error is said. */
            const char *z = gz_damage(c->gz);
            if (z != NULL)
                read_stops(c, "the compressed data is damaged (zlib: %s)", z);
            else
                read_stops(c, "%s", pcap_geterr(c->p));
        }
    }
    c->generation++;
    if (c->incomplete) {
        snprintf(err, errlen, "%s", c->error);
        return -1;
    }
    return 0;
}

void
pp_capture_settle(struct pp_capture *c, bool end)
{
    /* A file whose read stopped early has no end: what was still waiting
     * for an answer at the damage stays pending (the answer may be in the
     * part not read), only what its timeout had decided by then counts. */
    if (end && c->incomplete)
        end = false;
    pp_flows_settle(c->flows, end ? INT64_MAX : c->live ? wall_us() : c->last_us);
    c->generation++;
}

uint64_t
pp_capture_kernel_drops(const struct pp_capture *c)
{
    struct pcap_stat st;

    if (!c->live || pcap_stats(c->p, &st) < 0)
        return 0;
    return (uint64_t)st.ps_drop;   /* ps_ifdrop: the interface's, not ours */
}

const char *
pp_capture_error(const struct pp_capture *c)
{
    return c->error;
}

const char *
pp_capture_link_name(const struct pp_capture *c)
{
    struct pp_capture *w = (struct pp_capture *)(uintptr_t)c;
    size_t i, k;

    if (c->nif <= 1)
        return dlt_name(c->dlt);
    /* Every link type of the file, once each, in the order they came. */
    if (c->link_names == NULL) {
        char *s = pp_xstrdup("");
        for (i = 0; i < c->nif; i++) {
            for (k = 0; k < i && c->ifs[k].dlt != c->ifs[i].dlt; k++)
                ;
            if (k == i) {
                char *n = pp_xasprintf("%s%s%s", s, s[0] ? ", " : "", dlt_name(c->ifs[i].dlt));
                free(s);
                s = n;
            }
        }
        w->link_names = s;
    }
    return c->link_names;
}

bool
pp_capture_incomplete(const struct pp_capture *c)
{
    return c->incomplete;
}

size_t
pp_capture_ifaces(const struct pp_capture *c)
{
    return c->nif;
}

bool
pp_capture_iface(const struct pp_capture *c, size_t i, struct pp_capture_iface *out)
{
    if (i >= c->nif)
        return false;
    out->name = c->ifs[i].name[0] != '\0' ? c->ifs[i].name : NULL;
    out->link = dlt_name(c->ifs[i].dlt);
    out->dlt = c->ifs[i].dlt;
    out->decoded = c->ifs[i].link >= 0;
    out->snaplen = c->ifs[i].snaplen;
    out->packets = c->ifs[i].packets;
    return true;
}

#else /* !HAVE_PCAP */

struct pp_capture {
    bool live;
    char *source;
    char *filter;
    struct pp_flows *flows;
    uint64_t generation;
};

struct pp_capture *
pp_capture_open(const struct pp_capture_opts *o, char *err, size_t errlen)
{
    (void)o;
    snprintf(err, errlen, "this pushprobe was built without libpcap: no capture");
    return NULL;
}

void
pp_capture_free(struct pp_capture *c)
{
    (void)c;
}

int
pp_capture_attach(struct pp_capture *c, struct pp_loop *loop, void (*done)(void *), void *arg,
                  char *err, size_t errlen)
{
    (void)c;
    (void)loop;
    (void)done;
    (void)arg;
    snprintf(err, errlen, "no capture in this build");
    return -1;
}

void
pp_capture_detach(struct pp_capture *c)
{
    (void)c;
}

int
pp_capture_read_all(struct pp_capture *c, char *err, size_t errlen)
{
    (void)c;
    snprintf(err, errlen, "no capture in this build");
    return -1;
}

void
pp_capture_settle(struct pp_capture *c, bool end)
{
    (void)c;
    (void)end;
}

uint64_t
pp_capture_kernel_drops(const struct pp_capture *c)
{
    (void)c;
    return 0;
}

const char *
pp_capture_link_name(const struct pp_capture *c)
{
    (void)c;
    return "none";
}

const char *
pp_capture_error(const struct pp_capture *c)
{
    (void)c;
    return NULL;
}

bool
pp_capture_incomplete(const struct pp_capture *c)
{
    (void)c;
    return false;
}

size_t
pp_capture_ifaces(const struct pp_capture *c)
{
    (void)c;
    return 0;
}

bool
pp_capture_iface(const struct pp_capture *c, size_t i, struct pp_capture_iface *out)
{
    (void)c;
    (void)i;
    (void)out;
    return false;
}

#endif /* HAVE_PCAP */

void
pp_capture_learn_plan(struct pp_capture *c, const struct pp_plan *plan)
{
    size_t i;

    for (i = 0; i < plan->n; i++) {
        const struct pp_target *t = plan->t[i];
        enum pp_flow_svc s = flow_svc(t->service);
        uint8_t a[16] = {0};
        int lit = pp_host_literal(t->host);

        if (s != PP_FS_MDM && s != PP_FS_SUS && s != PP_FS_DP && s != PP_FS_SMB &&
            s != PP_FS_AFP)
            continue;   /* Apple's own are known by range and name */
        if (lit == 4 && inet_pton(AF_INET, t->host, a) == 1)
            pp_flows_add_server(c->flows, 4, a, t->port, s);
        else if (lit == 6 && inet_pton(AF_INET6, t->host, a) == 1)
            pp_flows_add_server(c->flows, 6, a, t->port, s);
        else if (lit == 0)
            pp_flows_add_name(c->flows, t->host, s);
    }
}

void
pp_capture_learn_report(struct pp_capture *c, const struct pp_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        enum pp_flow_svc s = flow_svc(r->target->service);
        uint8_t a[16] = {0};

        if (!r->has_address || (s != PP_FS_MDM && s != PP_FS_SUS && s != PP_FS_DP &&
                                s != PP_FS_SMB && s != PP_FS_AFP))
            continue;
        if (inet_pton(r->family, r->address, a) == 1)
            pp_flows_add_server(c->flows, r->family == AF_INET6 ? 6 : 4, a, r->target->port, s);
    }
}

struct pp_flows *
pp_capture_flows(const struct pp_capture *c)
{
    return c->flows;
}

const char *
pp_capture_source(const struct pp_capture *c)
{
    return c->source;
}

bool
pp_capture_live(const struct pp_capture *c)
{
    return c->live;
}

const char *
pp_capture_filter(const struct pp_capture *c)
{
    return c->filter;
}

uint64_t
pp_capture_generation(const struct pp_capture *c)
{
    return c->generation;
}

bool
pp_capture_evidence(const struct pp_capture *c, int family, const char *address, uint16_t port,
                    char *buf, size_t len)
{
    uint8_t a[16] = {0};

    buf[0] = '\0';
    if (c == NULL || inet_pton(family, address, a) != 1)
        return false;
    return pp_flows_evidence(c->flows, family == AF_INET6 ? 6 : 4, a, port, buf, len);
}
