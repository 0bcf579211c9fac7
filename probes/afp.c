/* SPDX-License-Identifier: ISC */
/* afp: DSIGetStatus, and the server's status block (see afp.h). */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/afp.h"
#include "core/cursor.h"
#include "engine/check.h"
#include "probes/probe.h"
#include "probes/reply.h"
#include "core/util.h"

#define DEPRECATED "AFP is deprecated on current macOS: plan the move to SMB"


/* ----------------------------------------------------------- strings */

/* Mac-charset bytes: printable ASCII kept, anything else shown as '?'. */
static void
copy_mac(char *dst, size_t dstlen, const uint8_t *s, size_t n)
{
    size_t i;

    if (dstlen == 0)
        return;
    if (n > dstlen - 1)
        n = dstlen - 1;
    for (i = 0; i < n; i++)
        dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    dst[n] = '\0';
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const uint8_t *s, size_t n)
{
    uint8_t b = s[0];
    size_t k, i;
    uint32_t cp;

    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf) {
        k = 2;
        cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
        k = 3;
        cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        k = 4;
        cp = b & 0x07;
    } else {
        return 0;
    }
    if (k > n)
        return 0;
    for (i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
        return 0;
    return k;
}

/* UTF-8 bytes: valid characters kept, control characters and invalid
 * bytes shown as '?'; cut at a character boundary to fit. */
static void
copy_utf8(char *dst, size_t dstlen, const uint8_t *s, size_t n)
{
    size_t i = 0, o = 0;

    if (dstlen == 0)
        return;
    while (i < n) {
        size_t k = utf8_seq(s + i, n - i);
        if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            if (o + 1 >= dstlen)
                break;
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + k >= dstlen)
            break;
        memcpy(dst + o, s + i, k);
        o += k;
        i += k;
    }
    dst[o] = '\0';
}

/* Append item to a comma-separated list; "..." once it no longer fits. */
static void
list_add(char *list, size_t len, const char *item)
{
    size_t used = strlen(list), need = strlen(item) + (used ? 1 : 0);

    if (used >= 3 && strcmp(list + used - 3, "...") == 0)
        return;
    if (used + need + 4 > len) {
        if (used + 4 <= len)
            snprintf(list + used, len - used, "...");
        return;
    }
    snprintf(list + used, len - used, "%s%s", used ? "," : "", item);
}

/* The rank of an AFP version string: 304 for "AFP3.4", 300 for "AFPX03",
 * 201 for "AFPVersion 2.1"; -1 if it is none of these. */
static int
version_rank(const char *v)
{
    const char *d;

    if (strcmp(v, "AFPX03") == 0)
        return 300;
    if (strncmp(v, "AFPVersion ", 11) == 0)
        d = v + 11;
    else if (strncmp(v, "AFP", 3) == 0)
        d = v + 3;
    else
        return -1;
    if (d[0] >= '0' && d[0] <= '9' && d[1] == '.' && d[2] >= '0' && d[2] <= '9' &&
        d[3] == '\0')
        return (d[0] - '0') * 100 + (d[2] - '0');
    return -1;
}

/* ------------------------------------------------------------- parser */

static int
bad(struct pp_afp_info *out, const char *problem, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
bad(struct pp_afp_info *out, const char *problem, char *err, size_t errlen,
    const char *fmt, ...)
{
    va_list ap;

    out->problem = problem;
    if (errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *
dsi_error_name(uint32_t code)
{
    /* DSI error codes are negative 16-bit numbers; accept them as sent
     * (sign-extended) or in 16 bits. */
    if ((code >> 16) != 0 && (code >> 16) != 0xffff)
        return NULL;
    switch (code & 0xffff) {
    case 0xfbd6: return "DSIERR_BADVERS";
    case 0xfbd5: return "DSIERR_BUFSMALL";
    case 0xfbd4: return "DSIERR_NOSESS";
    case 0xfbd3: return "DSIERR_NOSERV";
    case 0xfbd2: return "DSIERR_PARM";
    case 0xfbd1: return "DSIERR_SERVBUSY";
    case 0xfbd0: return "DSIERR_SESSCLOS";
    case 0xfbcf: return "DSIERR_SIZERR";
    case 0xfbce: return "DSIERR_TOOMANY";
    case 0xfbcd: return "DSIERR_NOACK";
    default: return NULL;
    }
}

/* The first bytes of something that is not DSI, for the message. */
static void
describe_start(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
    size_t i, n = len < 12 ? len : 12, used = 0;
    bool text = n > 0;

    for (i = 0; i < n; i++)
        if ((buf[i] < 0x20 || buf[i] > 0x7e) && buf[i] != '\r' && buf[i] != '\n')
            text = false;
    if (outlen == 0)
        return;
    out[0] = '\0';
    if (text) {
        char t[16];
        copy_mac(t, sizeof(t), buf, n);
        snprintf(out, outlen, "text \"%s\"", t);
        return;
    }
    for (i = 0; i < n && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%02x", i ? " " : "", buf[i]);
}

/* Bounds-check an offset into the status block: inside, past the fixed
 * fields at its start. */
static bool
offset_ok(size_t off, size_t plen)
{
    return off >= 10 && off < plen;
}

/* A count byte and that many Pascal strings at off; the strings are added
 * to list (when not NULL).  Returns false if any of it lies outside. */
static bool
pascal_list(struct pp_cur *c, size_t off, char *list, size_t listlen, unsigned *count,
            char *best, size_t bestlen)
{
    uint8_t n;
    unsigned i;
    int best_rank = -1;

    if (!pp_cur_seek(c, off) || !pp_cur_u8(c, &n))
        return false;
    for (i = 0; i < n; i++) {
        const uint8_t *s;
        size_t l;
        char item[256];
        if (!pp_cur_pascal(c, &s, &l))
            return false;
        copy_mac(item, sizeof(item), s, l);
        if (list != NULL)
            list_add(list, listlen, item);
        if (best != NULL) {
            /* The highest version that parses, else the first listed. */
            int rank = version_rank(item);
            if ((i == 0 || rank > best_rank) && bestlen > 0) {
                size_t k = strlen(item) < bestlen - 1 ? strlen(item) : bestlen - 1;
                memcpy(best, item, k);
                best[k] = '\0';
                best_rank = rank;
            }
        }
    }
    if (count != NULL)
        *count = n;
    return true;
}

/* The network address list: a count byte, then entries of a length byte
 * (counting itself), a type byte and the address. */
static bool
address_list(struct pp_cur *c, size_t off, struct pp_afp_info *out)
{
    uint8_t n, l, type;
    unsigned i;

    if (!pp_cur_seek(c, off) || !pp_cur_u8(c, &n))
        return false;
    for (i = 0; i < n; i++) {
        const uint8_t *a;
        size_t alen;
        char item[300], ip[INET6_ADDRSTRLEN], name[256];
        uint8_t raw[16];

        if (!pp_cur_u8(c, &l) || l < 2 || !pp_cur_u8(c, &type) ||
            !pp_cur_span(c, (size_t)l - 2, &a))
            return false;
        alen = (size_t)l - 2;
        switch (type) {
        case 0x01: /* IPv4 */
        case 0x02: /* IPv4 and port */
            if (alen != (type == 0x01 ? 4u : 6u))
                return false;
            memcpy(raw, a, 4);
            inet_ntop(AF_INET, raw, ip, sizeof(ip));
            if (type == 0x01)
                snprintf(item, sizeof(item), "%s", ip);
            else
                snprintf(item, sizeof(item), "%s:%u", ip, (unsigned)(a[4] << 8 | a[5]));
            break;
        case 0x03: /* DDP: network, node, socket */
            if (alen != 4)
                return false;
            snprintf(item, sizeof(item), "ddp:%u.%u", (unsigned)(a[0] << 8 | a[1]), a[2]);
            break;
        case 0x04: /* DNS name */
        case 0x05: /* SSH tunnel */
            copy_mac(name, sizeof(name), a, alen);
            snprintf(item, sizeof(item), "%s%s", type == 0x05 ? "ssh:" : "", name);
            break;
        case 0x06: /* IPv6 */
        case 0x07: /* IPv6 and port */
            if (alen != (type == 0x06 ? 16u : 18u))
                return false;
            memcpy(raw, a, 16);
            inet_ntop(AF_INET6, raw, ip, sizeof(ip));
            if (type == 0x06)
                snprintf(item, sizeof(item), "%s", ip);
            else
                snprintf(item, sizeof(item), "[%s]:%u", ip, (unsigned)(a[16] << 8 | a[17]));
            break;
        default:
            snprintf(item, sizeof(item), "type-%u", type);
            break;
        }
        list_add(out->addresses, sizeof(out->addresses), item);
    }
    out->naddresses = n;
    return true;
}

/* The fixed fields, the server name and what the offsets there point
 * to; *post is where the name's padding ends.  0, or -1 (bad()). */
static int
block_fixed(const uint8_t *p, size_t plen, struct pp_afp_info *out, size_t *post, char *err,
            size_t errlen)
{
    struct pp_cur c = {p, plen, 0};
    uint16_t machoff, versoff, uamoff, iconoff;
    const uint8_t *s;
    size_t l;

    if (!pp_cur_be16(&c, &machoff) || !pp_cur_be16(&c, &versoff) || !pp_cur_be16(&c, &uamoff) ||
        !pp_cur_be16(&c, &iconoff) || !pp_cur_be16(&c, &out->flags) || !pp_cur_pascal(&c, &s, &l))
        return bad(out, "malformed", err, errlen,
                   "the status block (%zu bytes) is too short for its fixed fields and the "
                   "server name", plen);
    copy_mac(out->server_name, sizeof(out->server_name), s, l);
    /* The name and its length byte are padded to an even length. */
    *post = c.off + (c.off & 1);

    if (!offset_ok(machoff, plen) || !pp_cur_seek(&c, machoff) || !pp_cur_pascal(&c, &s, &l))
        return bad(out, "malformed", err, errlen,
                   "the machine type (offset %u) lies outside the %zu-byte status block",
                   machoff, plen);
    copy_mac(out->machine_type, sizeof(out->machine_type), s, l);
    if (!offset_ok(versoff, plen) ||
        !pascal_list(&c, versoff, out->versions, sizeof(out->versions), &out->nversions,
                     out->best_version, sizeof(out->best_version)))
        return bad(out, "malformed", err, errlen,
                   "the AFP version list (offset %u) lies outside the %zu-byte status block",
                   versoff, plen);
    if (out->nversions == 0)
        return bad(out, "malformed", err, errlen, "the server lists no AFP version");
    if (!offset_ok(uamoff, plen) ||
        !pascal_list(&c, uamoff, out->uams, sizeof(out->uams), &out->nuams, NULL, 0))
        return bad(out, "malformed", err, errlen,
                   "the login method (UAM) list (offset %u) lies outside the %zu-byte "
                   "status block", uamoff, plen);
    /* The volume icon and mask: 256 bytes, when there is one. */
    if (iconoff != 0 && (!offset_ok(iconoff, plen) || plen - iconoff < 256))
        return bad(out, "malformed", err, errlen,
                   "the volume icon (offset %u) lies outside the %zu-byte status block",
                   iconoff, plen);
    return 0;
}

/* The optional parts after the name, each there only when its flag is
 * set.  0, or -1 (bad()). */
static int
block_optional(const uint8_t *p, size_t plen, struct pp_afp_info *out, size_t post, char *err,
               size_t errlen)
{
    struct pp_cur c = {p, plen, 0};
    const uint8_t *s;
    uint16_t off;

    /* After the name: offsets to the signature, the network addresses,
     * the directory names and the UTF-8 name, each meaningful only when
     * its flag is set. */
    if (out->flags & PP_AFP_FLAG_SIGNATURE) {
        if (!pp_cur_seek(&c, post) || !pp_cur_be16(&c, &off))
            return bad(out, "malformed", err, errlen,
                       "the server signature's offset is missing from the status block");
        if (off != 0) {
            if (!offset_ok(off, plen) || !pp_cur_seek(&c, off) || !pp_cur_span(&c, 16, &s))
                return bad(out, "malformed", err, errlen,
                           "the server signature (offset %u) lies outside the %zu-byte "
                           "status block", off, plen);
            memcpy(out->signature, s, 16);
            out->has_signature = true;
        }
    }
    if (out->flags & PP_AFP_FLAG_TCPIP) {
        if (!pp_cur_seek(&c, post + 2) || !pp_cur_be16(&c, &off))
            return bad(out, "malformed", err, errlen,
                       "the network address list's offset is missing from the status block");
        if (off != 0 && (!offset_ok(off, plen) || !address_list(&c, off, out)))
            return bad(out, "malformed", err, errlen,
                       "the network address list (offset %u) is malformed or lies outside "
                       "the %zu-byte status block", off, plen);
    }
    if (out->flags & PP_AFP_FLAG_DIRECTORY) {
        if (!pp_cur_seek(&c, post + 4) || !pp_cur_be16(&c, &off))
            return bad(out, "malformed", err, errlen,
                       "the directory names' offset is missing from the status block");
        if (off != 0 && (!offset_ok(off, plen) || !pascal_list(&c, off, NULL, 0, NULL,
                                                               NULL, 0)))
            return bad(out, "malformed", err, errlen,
                       "the directory names (offset %u) lie outside the %zu-byte status "
                       "block", off, plen);
    }
    if (out->flags & PP_AFP_FLAG_UTF8_NAME) {
        uint16_t n;
        if (!pp_cur_seek(&c, post + 6) || !pp_cur_be16(&c, &off))
            return bad(out, "malformed", err, errlen,
                       "the UTF-8 server name's offset is missing from the status block");
        /* netatalk sends offset 0 when it could not convert the name. */
        if (off != 0) {
            if (!offset_ok(off, plen) || !pp_cur_seek(&c, off) || !pp_cur_be16(&c, &n) ||
                !pp_cur_span(&c, n, &s))
                return bad(out, "malformed", err, errlen,
                           "the UTF-8 server name (offset %u) lies outside the %zu-byte "
                           "status block", off, plen);
            copy_utf8(out->utf8_name, sizeof(out->utf8_name), s, n);
            out->has_utf8_name = true;
        }
    }
    return 0;
}

static int
parse_block(const uint8_t *p, size_t plen, struct pp_afp_info *out, char *err, size_t errlen)
{
    size_t post;

    if (block_fixed(p, plen, out, &post, err, errlen) < 0)
        return -1;
    return block_optional(p, plen, out, post, err, errlen);
}

int
pp_afp_parse_status(const uint8_t *buf, size_t len, struct pp_afp_info *out, char *err,
                    size_t errlen)
{
    struct pp_cur c = {buf, len, 0};
    uint8_t flags = 0, command = 0;
    uint32_t total = 0;
    char what[64];
    int rc;

    memset(out, 0, sizeof(*out));
    if (errlen > 0)
        err[0] = '\0';
    if (len == 0)
        return 1;
    (void)pp_cur_u8(&c, &flags);
    if (flags != 0x01) {
        if (flags == 0x00 && len >= 2 && buf[1] == PP_DSI_GETSTATUS)
            return bad(out, "not-dsi", err, errlen,
                       "the request came back unchanged (DSI flags 0x00 mark a request): "
                       "an echo, not an AFP server");
        describe_start(buf, len, what, sizeof(what));
        return bad(out, "not-dsi", err, errlen,
                   "the reply is not DSI: it starts with %s, not a DSI reply header", what);
    }
    if (len < 2)
        return 1;
    (void)pp_cur_u8(&c, &command);
    if (command != PP_DSI_GETSTATUS) {
        if (command >= 1 && command <= 8)
            return bad(out, "not-dsi", err, errlen,
                       "the DSI reply is for command %u, not GetStatus (3)", command);
        describe_start(buf, len, what, sizeof(what));
        return bad(out, "not-dsi", err, errlen,
                   "the reply is not DSI: it starts with %s", what);
    }
    if (len < 8)
        return 1;
    (void)pp_cur_be16(&c, &out->request_id);
    (void)pp_cur_be32(&c, &out->error_code);
    if (out->error_code != 0) {
        const char *name = dsi_error_name(out->error_code);
        return bad(out, "dsi-error", err, errlen,
                   "the server answered GetStatus with DSI error %s%s0x%08lx%s",
                   name ? name : "", name ? " (" : "", (unsigned long)out->error_code,
                   name ? ")" : "");
    }
    if (len < 12)
        return 1;
    (void)pp_cur_be32(&c, &total);
    if (total > PP_AFP_REPLY_MAX - PP_DSI_HEADER_LEN)
        return bad(out, "too-long", err, errlen,
                   "the reply announces %lu bytes of status, more than the %u a status "
                   "block can need", (unsigned long)total,
                   PP_AFP_REPLY_MAX - PP_DSI_HEADER_LEN);
    if (len < PP_DSI_HEADER_LEN + (size_t)total)
        return 1;
    rc = parse_block(buf + PP_DSI_HEADER_LEN, total, out, err, errlen);
    if (rc == 0)
        out->msg_len = PP_DSI_HEADER_LEN + (size_t)total;
    return rc;
}

size_t
pp_afp_getstatus_request(uint8_t *buf, size_t len, uint16_t request_id)
{
    if (len < PP_DSI_HEADER_LEN)
        return 0;
    memset(buf, 0, PP_DSI_HEADER_LEN);
    buf[1] = PP_DSI_GETSTATUS;
    buf[2] = (uint8_t)(request_id >> 8);
    buf[3] = (uint8_t)(request_id & 0xff);
    return PP_DSI_HEADER_LEN;
}

void
pp_afp_flags_format(uint16_t flags, char *buf, size_t len)
{
    static const char *const names[16] = {
        "CopyFile", "ChangePassword", "NoSavePassword", "ServerMessages",
        "ServerSignature", "TCPoverIP", "ServerNotifications", "Reconnect",
        "DirectoryServices", "UTF8ServerName", "UUIDs", "ExtendedSleep",
        NULL, NULL, NULL, "SuperClient",
    };
    unsigned i;
    char hex[8];

    if (len == 0)
        return;
    buf[0] = '\0';
    for (i = 0; i < 16; i++) {
        if (!(flags & (1u << i)))
            continue;
        if (names[i] != NULL) {
            list_add(buf, len, names[i]);
        } else {
            snprintf(hex, sizeof(hex), "0x%x", 1u << i);
            list_add(buf, len, hex);
        }
    }
}

/* -------------------------------------------------------------- probe */

#define AFP_REQUEST_ID 1

struct afp_state {
    size_t len;
    uint8_t buf[PP_AFP_REPLY_MAX];
};

static void
fail(struct pp_result *r, enum pp_reason rs, const char *problem, const char *summary,
     const char *cause)
{
    if (rs == PP_RS_NONE)
        rs = pp_problem_reason(problem);
    pp_result_set(r, PP_ST_UNEXPECTED, rs, "%s (%s)", cause, DEPRECATED);
    pp_detail_str(r, "problem", problem);
    pp_detail_bool(r, "deprecated", true);
    pp_result_summary(r, "%s", summary);
}

static const char *
problem_summary(const char *problem)
{
    if (strcmp(problem, "not-dsi") == 0)
        return "not AFP";
    if (strcmp(problem, "dsi-error") == 0)
        return "AFP GetStatus refused";
    return "bad AFP reply";
}

static void
report(struct pp_result *r, const struct pp_afp_info *in)
{
    const char *name = in->has_utf8_name && in->utf8_name[0] ? in->utf8_name : in->server_name;
    char flags[256];
    bool guest = strstr(in->uams, "No User Authent") != NULL;

    pp_afp_flags_format(in->flags, flags, sizeof(flags));
    pp_detail_str(r, "server_name", name);
    pp_detail_str(r, "machine_type", in->machine_type);
    pp_detail_str(r, "afp_versions", in->versions);
    pp_detail_str(r, "afp_version", in->best_version);
    pp_detail_str(r, "uams", in->uams);
    pp_detail_str(r, "flags", flags);
    pp_detail_int(r, "flags_value", in->flags);
    if (in->naddresses > 0)
        pp_detail_str(r, "addresses", in->addresses);
    pp_detail_bool(r, "guest", guest);
    pp_detail_bool(r, "deprecated", true);
    pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                 "AFP server '%s' (%s) answers: versions %s; login methods %s%s. %s",
                 name, in->machine_type, in->versions, in->uams[0] ? in->uams : "none",
                 guest ? " (guest access offered)" : "", DEPRECATED);
    pp_result_summary(r, "AFP: %s '%s', %s", in->machine_type, name, in->best_version);
}

static enum pp_probe_rc
afp_ready(struct pp_check *c)
{
    struct afp_state *st = pp_xcalloc(1, sizeof(*st));
    uint8_t req[PP_DSI_HEADER_LEN];

    pp_check_set_data(c, st);
    pp_check_send(c, req, pp_afp_getstatus_request(req, sizeof(req), AFP_REQUEST_ID));
    return PP_PROBE_MORE;
}

static const struct pp_reply_words afp_words = {
    .proto = "AFP",
    .reply = "AFP status",
    .whole = "AFP status",
    .request = "DSIGetStatus",
    .bad = "bad AFP reply",
    .too_long = "the reply exceeds the 64 KiB a status block can need",
    .closed = "the server closed the connection without answering DSIGetStatus",
};

static int
afp_parse(struct pp_result *r, const uint8_t *buf, size_t len)
{
    struct pp_afp_info info;
    char err[256];
    int rc = pp_afp_parse_status(buf, len, &info, err, sizeof(err));

    if (rc == 0)
        report(r, &info);
    else if (rc < 0) {
        fail(r, PP_RS_NONE, info.problem, problem_summary(info.problem), err);
        if (strcmp(info.problem, "dsi-error") == 0)
            pp_detail_int(r, "dsi_error", (int32_t)info.error_code);
    }
    return rc;
}

const struct pp_reply_proto pp_afp_reply = {&afp_words, fail, afp_parse};

/* -vv: the exchange summarised, from what the judgement kept. */
static void
status_step(struct pp_check *c)
{
    const struct pp_result *r = pp_check_result(c);
    const struct pp_kv *name = pp_detail_get(r, "server_name");
    const struct pp_kv *v = pp_detail_get(r, "afp_version");
    unsigned long long out, back;

    if (name == NULL)
        return;     /* no status block that parsed */
    pp_check_bytes(c, &out, &back);
    pp_check_stepf(c, PP_STEP_PROBE, PP_STEP_VV, "DSI GetStatus %llu bytes -> %llu bytes, "
                   "server '%s', AFP %s", out, back, name->s != NULL ? name->s : "?",
                   v != NULL && v->s != NULL ? v->s : "?");
}

static enum pp_probe_rc
afp_io(struct pp_check *c, short revents)
{
    struct afp_state *st = pp_check_data(c);

    enum pp_probe_rc rc;

    (void)revents;
    rc = pp_reply_io(c, st->buf, sizeof(st->buf), &st->len, &pp_afp_reply);
    if (rc == PP_PROBE_DONE && pp_check_stepping(c, PP_STEP_VV))
        status_step(c);
    return rc;
}

static void
afp_timeout(struct pp_check *c)
{
    struct afp_state *st = pp_check_data(c);

    pp_reply_timeout(pp_check_result(c), st ? st->len : 0, &pp_afp_reply);
}

const struct pp_probe pp_probe_afp = {
    .name = "afp",
    .help = "AFP DSIGetStatus: server name, machine type, AFP versions, login methods "
            "(AFP is deprecated)",
    .ready = afp_ready,
    .io = afp_io,
    .timeout = afp_timeout,
    .cleanup = pp_check_free_data,
};
