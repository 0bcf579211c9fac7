/* SPDX-License-Identifier: ISC */
/* The pcapng block reader (see pcapng.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "capture/pcapng.h"

void
pp_pcapng_init(struct pp_pcapng *st)
{
    memset(st, 0, sizeof(*st));
}

bool
pp_pcapng_magic(const uint8_t p[4])
{
    return p[0] == 0x0A && p[1] == 0x0D && p[2] == 0x0D && p[3] == 0x0A;
}

static bool
u16(const struct pp_pcapng *st, struct pp_cur *c, uint16_t *v)
{
    return st->be ? pp_cur_be16(c, v) : pp_cur_le16(c, v);
}

static bool
u32(const struct pp_pcapng *st, struct pp_cur *c, uint32_t *v)
{
    return st->be ? pp_cur_be32(c, v) : pp_cur_le32(c, v);
}

static enum pp_pcapng_rc bad(struct pp_pcapng *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum pp_pcapng_rc
bad(struct pp_pcapng *st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(st->why, sizeof(st->why), fmt, ap);
    va_end(ap);
    return PP_NG_BAD;
}

int
pp_pcapng_peek(struct pp_pcapng *st, const uint8_t *p, size_t n, uint32_t *total)
{
    struct pp_cur c = {p, n, 0};
    uint32_t type, len, magic = 0;

    if (n < 12) {
        snprintf(st->why, sizeof(st->why), "a block header cut short");
        return -1;
    }
    if (pp_pcapng_magic(p)) {
        /* The byte-order magic says how to read the section, its own
         * length included. */
        c.off = 8;
        (void)pp_cur_le32(&c, &magic);
        if (magic == PP_NG_BYTE_ORDER)
            st->be = false;
        else if (magic == 0x4D3C2B1Au)
            st->be = true;
        else {
            snprintf(st->why, sizeof(st->why), "a section header with a bad byte-order mark");
            return -1;
        }
        c.off = 0;
    } else if (!st->started) {
        snprintf(st->why, sizeof(st->why), "not a pcapng file (no section header first)");
        return -1;
    }
    if (!u32(st, &c, &type) || !u32(st, &c, &len))
        return -1;
    if (len < 12 || len % 4 != 0 || len > PP_PCAPNG_MAX_BLOCK) {
        snprintf(st->why, sizeof(st->why), "a block of type 0x%08x claims a length of %u bytes",
                 (unsigned)type, (unsigned)len);
        return -1;
    }
    *total = len;
    return 0;
}

/* Options from the cursor to its end; each is handed to fn.  Damage in
 * the options ends them quietly: the block's own fields stand. */
typedef void (*opt_fn)(struct pp_pcapng *, void *, uint16_t code, const uint8_t *v,
                       uint16_t n);

static void
options(struct pp_pcapng *st, struct pp_cur *c, opt_fn fn, void *arg)
{
    uint16_t code, n;
    const uint8_t *v;

    while (pp_cur_has(c, 4)) {
        if (!u16(st, c, &code) || !u16(st, c, &n) || code == 0)
            return;
        if (!pp_cur_span(c, n, &v))
            return;
        fn(st, arg, code, v, n);
        if (!pp_cur_skip(c, (4 - n % 4) % 4))
            return;
    }
}

static void
text(char *dst, size_t cap, const uint8_t *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i + 1 < cap && s[i] != '\0'; i++)
        dst[i] = s[i] > 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[i] = '\0';
}

static uint32_t
val32(const struct pp_pcapng *st, const uint8_t *v)
{
    struct pp_cur c = {v, 4, 0};
    uint32_t x = 0;

    (void)u32(st, &c, &x);
    return x;
}

struct idb_opts {
    struct pp_pcapng_iface *i;
    bool bad_resol;
};

static void
idb_opt(struct pp_pcapng *st, void *arg, uint16_t code, const uint8_t *v, uint16_t n)
{
    struct idb_opts *o = arg;
    uint64_t u = 1;
    unsigned k, e;

    if (code == PP_NG_OPT_IF_NAME) {
        text(o->i->name, sizeof(o->i->name), v, n);
    } else if (code == PP_NG_OPT_IF_TSRESOL && n >= 1) {
        /* Bit 7 clear: a negative power of 10; set: of 2. */
        e = v[0] & 0x7f;
        if ((v[0] & 0x80) ? e > 63 : e > 19) {
            o->bad_resol = true;
            return;
        }
        for (k = 0; k < e; k++)
            u *= (v[0] & 0x80) ? 2 : 10;
        o->i->units = u;
    } else if (code == PP_NG_OPT_IF_TSOFFSET && n == 8) {
        uint32_t a = val32(st, v), b = val32(st, v + 4);
        uint64_t off = st->be ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
        /* Seconds; beyond a few thousand years it is noise. */
        if (off < ((uint64_t)1 << 40))
            o->i->offset_s = (int64_t)off;
    }
}

struct pkt_opts {
    struct pp_pcapng_pkt *p;
    size_t nproc;
};

static void
epb_opt(struct pp_pcapng *st, void *arg, uint16_t code, const uint8_t *v, uint16_t n)
{
    struct pkt_opts *o = arg;
    uint32_t x;

    if (n != 4)
        return;
    x = val32(st, v);
    if (code == PP_NG_OPT_EPB_FLAGS)
        o->p->flags = x;
    else if (code == PP_NG_OPT_EPB_PIB && x < o->nproc)
        o->p->proc = (int32_t)x;
    else if (code == PP_NG_OPT_EPB_EPIB && x < o->nproc)
        o->p->eproc = (int32_t)x;
}

static void
dpib_opt(struct pp_pcapng *st, void *arg, uint16_t code, const uint8_t *v, uint16_t n)
{
    struct pp_pcapng_proc *pr = arg;

    (void)st;
    if (code == PP_NG_OPT_DPIB_NAME)
        text(pr->name, sizeof(pr->name), v, n);
}

/* Timestamp units since the epoch to microseconds, clamped. */
static int64_t
to_us(const struct pp_pcapng_iface *i, uint64_t ts)
{
    uint64_t u = i->units, s = ts / u, r = ts % u, frac;
    int64_t us;

    if (u == 1000000)
        frac = r;
    else if (u > 1000000 && u % 1000000 == 0)
        frac = r / (u / 1000000);
    else
        frac = (uint64_t)((double)r * 1e6 / (double)u);
    if (s > (uint64_t)(INT64_MAX / 1000000) - 1)
        s = (uint64_t)(INT64_MAX / 1000000) - 1;
    us = (int64_t)s * 1000000 + (int64_t)frac;
    if (i->offset_s > 0 && us < INT64_MAX - i->offset_s * 1000000)
        us += i->offset_s * 1000000;
    return us;
}

static enum pp_pcapng_rc
shb(struct pp_pcapng *st, struct pp_cur *c)
{
    uint32_t magic;
    uint16_t major, minor;

    if (!u32(st, c, &magic) || !u16(st, c, &major) || !u16(st, c, &minor) ||
        !pp_cur_skip(c, 8))
        return bad(st, "a section header cut short");
    if (major != 1)
        return bad(st, "pcapng version %u.%u, not 1.x", major, minor);
    st->started = true;
    st->sections++;
    st->nif = 0;
    st->nproc = 0;
    return PP_NG_OTHER;
}

static enum pp_pcapng_rc
idb(struct pp_pcapng *st, struct pp_cur *c)
{
    struct idb_opts o;
    uint16_t lt, res;
    uint32_t snap;

    if (!u16(st, c, &lt) || !u16(st, c, &res) || !u32(st, c, &snap))
        return bad(st, "an interface description cut short");
    if (st->nif >= PP_PCAPNG_MAX_IFACES)
        return bad(st, "more than %d interfaces in one section", PP_PCAPNG_MAX_IFACES);
    o.i = &st->ifs[st->nif];
    memset(o.i, 0, sizeof(*o.i));
    o.i->linktype = lt;
    o.i->snaplen = snap;
    o.i->units = 1000000;
    o.bad_resol = false;
    options(st, c, idb_opt, &o);
    if (o.bad_resol)
        return bad(st, "interface %zu: a timestamp resolution beyond any clock",
                   st->nif);
    st->nif++;
    return PP_NG_OTHER;
}

static enum pp_pcapng_rc
dpib(struct pp_pcapng *st, struct pp_cur *c)
{
    struct pp_pcapng_proc *pr;
    uint32_t pid;

    if (!u32(st, c, &pid))
        return bad(st, "a process information block cut short");
    if (st->nproc >= PP_PCAPNG_MAX_PROCS)
        return PP_NG_OTHER;   /* packets naming it get no process */
    pr = &st->procs[st->nproc++];
    memset(pr, 0, sizeof(*pr));
    pr->pid = pid;
    options(st, c, dpib_opt, pr);
    return PP_NG_OTHER;
}

static enum pp_pcapng_rc
packet(struct pp_pcapng *st, struct pp_cur *c, uint32_t type, struct pp_pcapng_pkt *out)
{
    uint32_t ifx = 0, hi = 0, lo = 0, cap, orig;
    uint16_t if16, drops;
    struct pkt_opts o;

    memset(out, 0, sizeof(*out));
    out->proc = out->eproc = -1;
    if (type == PP_NG_SPB) {
        if (!u32(st, c, &orig))
            return bad(st, "a simple packet block cut short");
        cap = (uint32_t)(c->len - c->off);
        if (orig < cap)
            cap = orig;
        if (st->nif > 0 && st->ifs[0].snaplen > 0 && st->ifs[0].snaplen < cap)
            cap = st->ifs[0].snaplen;
    } else {
        bool ok = type == PP_NG_EPB ? u32(st, c, &ifx)
                                    : u16(st, c, &if16) && u16(st, c, &drops);
        if (type == PP_NG_PB)
            ifx = ok ? if16 : 0;
        if (!ok || !u32(st, c, &hi) || !u32(st, c, &lo) || !u32(st, c, &cap) ||
            !u32(st, c, &orig))
            return bad(st, "a packet block cut short");
    }
    if (ifx >= st->nif)
        return bad(st, "a packet of interface %u, which the file describes nowhere "
                   "(%zu interfaces)", (unsigned)ifx, st->nif);
    if (!pp_cur_span(c, cap, &out->data))
        return bad(st, "a packet of %u bytes in a block with room for %zu", (unsigned)cap,
                   c->len - c->off);
    out->iface = ifx;
    out->caplen = cap;
    out->origlen = orig < cap ? cap : orig;
    out->ts_us = to_us(&st->ifs[ifx], (uint64_t)hi << 32 | lo);
    if (type != PP_NG_SPB && pp_cur_skip(c, (4 - cap % 4) % 4)) {
        o.p = out;
        o.nproc = st->nproc;
        options(st, c, epb_opt, &o);
    }
    return PP_NG_PACKET;
}

enum pp_pcapng_rc
pp_pcapng_block(struct pp_pcapng *st, const uint8_t *p, size_t len, struct pp_pcapng_pkt *out)
{
    struct pp_cur c = {p, len, 0};
    uint32_t type, total, trailer = 0;
    struct pp_cur t;

    if (pp_pcapng_peek(st, p, len, &total) < 0)
        return PP_NG_BAD;
    if (total != len)
        return bad(st, "a block of %u bytes handed over as %zu", (unsigned)total, len);
    t.p = p;
    t.len = len;
    t.off = len - 4;
    if (!u32(st, &c, &type) || !pp_cur_skip(&c, 4) || !u32(st, &t, &trailer) ||
        trailer != total)
        return bad(st, "a block whose two lengths differ (%u, then %u)", (unsigned)total,
                   (unsigned)trailer);
    c.len = len - 4;
    switch (type) {
    case PP_NG_SHB: return shb(st, &c);
    case PP_NG_IDB: return idb(st, &c);
    case PP_NG_EPB:
    case PP_NG_PB:
    case PP_NG_SPB: return packet(st, &c, type, out);
    case PP_NG_DPIB: return dpib(st, &c);
    default: return PP_NG_OTHER;  /* statistics, names, custom blocks, ... */
    }
}
