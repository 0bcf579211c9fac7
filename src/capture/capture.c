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

#include "core/loop.h"

struct pp_capture {
    pcap_t *p;
    enum pp_link link;
    int dlt;
    bool live;
    char *source;
    char *filter;
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
    char *error;             /* why a live capture stopped, or NULL */
};

static void
frame(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
    struct pp_capture *c = (struct pp_capture *)(void *)arg;
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;

    if (ts > c->last_us)
        c->last_us = ts;
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

struct pp_capture *
pp_capture_open(const struct pp_capture_opts *o, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    struct pp_flows_opts fo;
    struct bpf_program prog;
    struct pp_capture *c = pp_xcalloc(1, sizeof(*c));
    int rc, link;

    c->fd = -1;
    c->duration_s = o->duration_s;
    if (o->file != NULL) {
        c->p = pcap_open_offline_with_tstamp_precision(o->file, PCAP_TSTAMP_PRECISION_MICRO,
                                                       ebuf);
        if (c->p == NULL) {
            snprintf(err, errlen, "--read %s: %s", o->file, ebuf);
            free(c);
            return NULL;
        }
        c->source = pp_xstrdup(o->file);
    } else {
        c->live = true;
        c->p = pcap_create(o->iface, ebuf);
        if (c->p == NULL) {
            snprintf(err, errlen, "cannot capture on %s: %s", o->iface, ebuf);
            free(c);
            return NULL;
        }
        pcap_set_snaplen(c->p, o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN);
        pcap_set_promisc(c->p, 1);
        pcap_set_immediate_mode(c->p, 1);
        pcap_set_buffer_size(c->p, 8 << 20);
        rc = pcap_activate(c->p);
        if (rc < 0) {
            activate_error(c, rc, o->iface, err, errlen);
            pcap_close(c->p);
            free(c);
            return NULL;
        }
        c->source = pp_xstrdup(o->iface);
    }
    c->dlt = pcap_datalink(c->p);
    link = pp_pkt_link_from_dlt(c->dlt);
    if (link < 0) {
        snprintf(err, errlen, "%s: link type %s (%d) is not one pushprobe decodes (Ethernet, "
                 "Linux cooked, raw IP, loopback)", c->source,
                 pcap_datalink_val_to_name(c->dlt) != NULL ? pcap_datalink_val_to_name(c->dlt)
                                                            : "unknown", c->dlt);
        pp_capture_free(c);
        return NULL;
    }
    c->link = (enum pp_link)link;
    c->filter = pp_xstrdup(o->filter != NULL ? o->filter : "");
    if (c->filter[0] != '\0') {
        if (pcap_compile(c->p, &prog, c->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            if (o->filter_is_default)
                snprintf(err, errlen, "%s: the default capture filter does not apply to its "
                         "link type %s (%s): give --filter '' to keep every packet, or a "
                         "filter of your own", c->source,
                         pcap_datalink_val_to_name(c->dlt) != NULL
                             ? pcap_datalink_val_to_name(c->dlt) : "unknown",
                         pcap_geterr(c->p));
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
    }
    memset(&fo, 0, sizeof(fo));
    fo.max_flows = o->max_flows;
    c->flows = pp_flows_new(&fo);
    return c;
}

void
pp_capture_free(struct pp_capture *c)
{
    if (c == NULL)
        return;
    pp_capture_detach(c);
    free(c->error);
    if (c->p != NULL)
        pcap_close(c->p);
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
    int rc = pcap_loop(c->p, -1, frame, (u_char *)c);

    c->generation++;
    if (rc == PCAP_ERROR) {
        /* A file cut short: what was read counts, and the error is said. */
        snprintf(err, errlen, "%s: %s", c->source, pcap_geterr(c->p));
        return -1;
    }
    return 0;
}

void
pp_capture_settle(struct pp_capture *c, bool end)
{
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
    const char *n = pcap_datalink_val_to_name(c->dlt);

    return n != NULL ? n : pp_pkt_link_name(c->link);
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
