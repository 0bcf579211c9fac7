/* SPDX-License-Identifier: ISC */
/* smb: an SMB2 NEGOTIATE, and what the server answers (see smb.h). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "core/cursor.h"
#include "engine/check.h"
#include "probes/probe.h"
#include "probes/reply.h"
#include "probes/smb.h"
#include "core/util.h"

/* ------------------------------------------------------------- names */

const char *
pp_smb2_dialect_name(uint16_t d)
{
    switch (d) {
    case PP_SMB2_DIALECT_202: return "2.0.2";
    case PP_SMB2_DIALECT_210: return "2.1";
    case PP_SMB2_DIALECT_300: return "3.0";
    case PP_SMB2_DIALECT_302: return "3.0.2";
    case PP_SMB2_DIALECT_311: return "3.1.1";
    case PP_SMB2_DIALECT_WILDCARD: return "2.???";
    default: return NULL;
    }
}

const char *
pp_smb2_status_name(uint32_t s)
{
    switch (s) {
    case 0x00000000: return "STATUS_SUCCESS";
    case 0x00000103: return "STATUS_PENDING";
    case 0xc0000001: return "STATUS_UNSUCCESSFUL";
    case 0xc0000002: return "STATUS_NOT_IMPLEMENTED";
    case 0xc000000d: return "STATUS_INVALID_PARAMETER";
    case 0xc0000016: return "STATUS_MORE_PROCESSING_REQUIRED";
    case 0xc0000022: return "STATUS_ACCESS_DENIED";
    case 0xc000009a: return "STATUS_INSUFFICIENT_RESOURCES";
    case 0xc00000bb: return "STATUS_NOT_SUPPORTED";
    case 0xc00000c4: return "STATUS_UNEXPECTED_NETWORK_ERROR";
    case 0xc00000d0: return "STATUS_REQUEST_NOT_ACCEPTED";
    case 0xc0000205: return "STATUS_INSUFF_SERVER_RESOURCES";
    default: return NULL;
    }
}

void
pp_smb2_guid_format(const uint8_t g[16], char *buf, size_t len)
{
    /* Data1, Data2 and Data3 are little-endian on the wire. */
    snprintf(buf, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11],
             g[12], g[13], g[14], g[15]);
}

void
pp_smb2_caps_format(uint32_t caps, char *buf, size_t len)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {
        {PP_SMB2_CAP_DFS, "DFS"},
        {PP_SMB2_CAP_LEASING, "LEASING"},
        {PP_SMB2_CAP_LARGE_MTU, "LARGE_MTU"},
        {PP_SMB2_CAP_MULTI_CHANNEL, "MULTI_CHANNEL"},
        {PP_SMB2_CAP_PERSISTENT_HANDLES, "PERSISTENT_HANDLES"},
        {PP_SMB2_CAP_DIRECTORY_LEASING, "DIRECTORY_LEASING"},
        {PP_SMB2_CAP_ENCRYPTION, "ENCRYPTION"},
    };
    size_t i, used = 0;
    uint32_t rest = caps;

    if (len == 0)
        return;
    buf[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(caps & names[i].bit))
            continue;
        rest &= ~names[i].bit;
        if (used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
                                     names[i].name);
    }
    if (rest != 0 && used < len)
        snprintf(buf + used, len - used, "%s0x%x", used ? "," : "", (unsigned)rest);
}

/* ------------------------------------------------------------ request */

size_t
pp_smb2_negotiate_request(uint8_t *buf, size_t len, const uint8_t guid[16])
{
    static const uint16_t dialects[] = {
        PP_SMB2_DIALECT_202, PP_SMB2_DIALECT_210, PP_SMB2_DIALECT_300, PP_SMB2_DIALECT_302,
    };
    uint8_t *p = buf;
    size_t i;

    if (len < PP_SMB2_REQUEST_LEN)
        return 0;
    memset(buf, 0, PP_SMB2_REQUEST_LEN);
    /* Direct TCP: a zero byte, then the message length in 3 bytes (BE). */
    p[3] = PP_SMB2_REQUEST_LEN - 4;
    p += 4;
    /* SMB2 header, SYNC form; little-endian fields. */
    p[0] = 0xfe;
    p[1] = 'S';
    p[2] = 'M';
    p[3] = 'B';
    p[4] = 64;          /* StructureSize */
    p[14] = 1;          /* CreditRequest; Command 0 is NEGOTIATE */
    p += 64;
    /* NEGOTIATE request. */
    p[0] = 36;          /* StructureSize */
    p[2] = (uint8_t)(sizeof(dialects) / sizeof(dialects[0]));
    p[4] = PP_SMB2_SIGNING_ENABLED;
    memcpy(p + 12, guid, 16);
    /* ClientStartTime (8 bytes) stays zero. */
    p += 36;
    for (i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
        p[2 * i] = (uint8_t)(dialects[i] & 0xff);
        p[2 * i + 1] = (uint8_t)(dialects[i] >> 8);
    }
    return PP_SMB2_REQUEST_LEN;
}

/* ------------------------------------------------------------- parser */

static int
bad(struct pp_smb2_info *out, const char *problem, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
bad(struct pp_smb2_info *out, const char *problem, char *err, size_t errlen,
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

/* The first bytes of something that is not SMB, for the message: printable
 * ASCII quoted (a web server's answer, a banner), else hex. */
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
        used = (size_t)snprintf(out, outlen, "text \"");
        for (i = 0; i < n && used + 2 < outlen; i++)
            out[used++] = buf[i] >= 0x20 && buf[i] <= 0x7e ? (char)buf[i] : ' ';
        if (used + 1 < outlen)
            out[used++] = '"';
        out[used < outlen ? used : outlen - 1] = '\0';
        return;
    }
    for (i = 0; i < n && used < outlen; i++)
        used += (size_t)snprintf(out + used, outlen - used, "%s%02x", i ? " " : "", buf[i]);
}

/*
 * The steps of pp_smb2_parse_negotiate: each returns 0 (go on), 1 (more
 * bytes needed) or -1 (a problem, set with bad()).
 */

/* The ProtocolId after the transport header, and the announced length. */
static int
negotiate_protocol(const uint8_t *buf, size_t len, uint32_t tlen, struct pp_smb2_info *out,
                   char *err, size_t errlen)
{
    struct pp_cur c = {buf, len, 4};
    uint8_t proto[4];
    char what[64];

    /* ProtocolId, checked as soon as it is there. */
    if (len < 8) {
        /* Each byte seen must still match one of the two protocol ids. */
        static const uint8_t smb2[4] = {0xfe, 'S', 'M', 'B'}, smb1[4] = {0xff, 'S', 'M', 'B'};
        size_t i;
        for (i = 4; i < len; i++)
            if (buf[i] != smb2[i - 4] && buf[i] != smb1[i - 4])
                break;
        if (i == len)
            return 1;
    }
    if (!pp_cur_bytes(&c, proto, 4) || memcmp(proto + 1, "SMB", 3) != 0 ||
        (proto[0] != 0xfe && proto[0] != 0xff && proto[0] != 0xfd && proto[0] != 0xfc)) {
        describe_start(buf + 4, len - 4, what, sizeof(what));
        return bad(out, "not-smb", err, errlen,
                   "the reply is not SMB: after the transport header comes %s, not the "
                   "protocol id 0xFE 'SMB'", what);
    }
    if (proto[0] == 0xff)
        return bad(out, "smb1-only", err, errlen,
                   "the server answered the SMB2 NEGOTIATE in SMB1: it speaks only SMB1, "
                   "which current macOS does not use by default");
    if (proto[0] != 0xfe)
        return bad(out, "malformed", err, errlen,
                   "the server answered with a %s header before any session exists",
                   proto[0] == 0xfd ? "transform (encrypted)" : "compression");
    if (tlen > PP_SMB_REPLY_MAX - 4)
        return bad(out, "too-long", err, errlen,
                   "the reply announces %lu bytes, more than the %u a NEGOTIATE response "
                   "can need", (unsigned long)tlen, PP_SMB_REPLY_MAX - 4);
    if (tlen < 64)
        return bad(out, "malformed", err, errlen,
                   "the reply announces %lu bytes, too few for an SMB2 header",
                   (unsigned long)tlen);

    return 0;
}

/* The 64-byte SMB2 header: a NEGOTIATE response, and its status. */
static int
negotiate_header(const uint8_t *buf, size_t len, struct pp_smb2_info *out, char *err,
                 size_t errlen)
{
    struct pp_cur c = {buf, len, 8};
    uint16_t w = 0, command = 0;
    uint32_t flags;

    if (len < 4 + 64)
        return 1;
    (void)pp_cur_le16(&c, &w);
    if (w != 64)
        return bad(out, "malformed", err, errlen,
                   "the SMB2 header's StructureSize is %u, not 64", w);
    (void)pp_cur_skip(&c, 2);                      /* CreditCharge */
    (void)pp_cur_le32(&c, &out->status);
    (void)pp_cur_le16(&c, &command);
    (void)pp_cur_skip(&c, 2);                      /* CreditResponse */
    (void)pp_cur_le32(&c, &flags);
    if (command != 0)
        return bad(out, "malformed", err, errlen,
                   "the server answered with SMB2 command 0x%04x, not NEGOTIATE", command);
    if (!(flags & 0x00000001))
        return bad(out, "malformed", err, errlen,
                   "the SMB2 header is not marked as a response (the request came back?)");
    if (out->status != 0) {
        const char *name = pp_smb2_status_name(out->status);
        if (out->status == 0xc00000bb)
            return bad(out, "status", err, errlen,
                       "the server refused every dialect offered (2.0.2 to 3.0.2): "
                       "STATUS_NOT_SUPPORTED (0xC00000BB); it may accept only SMB 3.1.1");
        return bad(out, "status", err, errlen, "the server refused the NEGOTIATE: %s%s0x%08lX%s",
                   name ? name : "", name ? " (" : "NTSTATUS ",
                   (unsigned long)out->status, name ? ")" : "");
    }

    return 0;
}

/* The NEGOTIATE response body, within the message only. */
static int
negotiate_body(const uint8_t *buf, size_t len, uint32_t tlen, struct pp_smb2_info *out,
               char *err, size_t errlen)
{
    struct pp_cur m;
    uint16_t w = 0, ctxcount = 0, sboff, sblen;
    uint32_t ctxoff;

    if (len < 4 + (size_t)tlen)
        return 1;
    if (tlen < 64 + 64)
        return bad(out, "malformed", err, errlen,
                   "the message (%lu bytes) is too short for a NEGOTIATE response",
                   (unsigned long)tlen);
    m.p = buf + 4;
    m.len = tlen;
    m.off = 64;
    (void)pp_cur_le16(&m, &w);
    if (w != 65)
        return bad(out, "malformed", err, errlen,
                   "the NEGOTIATE response's StructureSize is %u, not 65", w);
    (void)pp_cur_le16(&m, &out->security_mode);
    (void)pp_cur_le16(&m, &out->dialect);
    (void)pp_cur_le16(&m, &ctxcount);   /* NegotiateContextCount */
    (void)pp_cur_bytes(&m, out->server_guid, 16);
    (void)pp_cur_le32(&m, &out->capabilities);
    (void)pp_cur_le32(&m, &out->max_transact);
    (void)pp_cur_le32(&m, &out->max_read);
    (void)pp_cur_le32(&m, &out->max_write);
    (void)pp_cur_skip(&m, 16);                     /* SystemTime, ServerStartTime */
    (void)pp_cur_le16(&m, &sboff);
    (void)pp_cur_le16(&m, &sblen);
    if (!pp_cur_le32(&m, &ctxoff))                 /* NegotiateContextOffset */
        return bad(out, "malformed", err, errlen, "the NEGOTIATE response is cut short");
    if (pp_smb2_dialect_name(out->dialect) == NULL)
        return bad(out, "malformed", err, errlen,
                   "the server chose dialect 0x%04x, which does not exist", out->dialect);
    /* The security buffer (a GSS token) must lie inside the message. */
    if (sblen > 0 && (sboff < 128 || !pp_cur_seek(&m, sboff) || !pp_cur_skip(&m, sblen)))
        return bad(out, "malformed", err, errlen,
                   "the security buffer (offset %u, %u bytes) lies outside the %lu-byte "
                   "message", sboff, sblen, (unsigned long)tlen);
    out->security_buffer_len = sblen;
    /* 3.1.1 adds negotiate contexts: their start must be inside too. */
    if (out->dialect == PP_SMB2_DIALECT_311 && ctxcount > 0 &&
        (ctxoff < 128 || ctxoff % 8 != 0 || ctxoff >= tlen))
        return bad(out, "malformed", err, errlen,
                   "the negotiate contexts (offset %lu) lie outside the message",
                   (unsigned long)ctxoff);
    return 0;
}

int
pp_smb2_parse_negotiate(const uint8_t *buf, size_t len, struct pp_smb2_info *out,
                        char *err, size_t errlen)
{
    uint32_t tlen;
    char what[64];
    int rc;

    memset(out, 0, sizeof(*out));
    if (errlen > 0)
        err[0] = '\0';
    if (len == 0)
        return 1;
    /* Direct TCP transport header: 0x00 and a 24-bit big-endian length. */
    if (buf[0] != 0) {
        describe_start(buf, len, what, sizeof(what));
        return bad(out, "not-smb", err, errlen,
                   "the reply is not SMB: it starts with %s where a Direct TCP header "
                   "(a zero byte) belongs", what);
    }
    if (len < 4)
        return 1;
    tlen = (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
    if ((rc = negotiate_protocol(buf, len, tlen, out, err, errlen)) != 0 ||
        (rc = negotiate_header(buf, len, out, err, errlen)) != 0 ||
        (rc = negotiate_body(buf, len, tlen, out, err, errlen)) != 0)
        return rc;
    out->msg_len = 4 + (size_t)tlen;
    return 0;
}

/* -------------------------------------------------------------- probe */

struct smb_state {
    size_t len;
    uint8_t buf[PP_SMB_REPLY_MAX];
};

static void
fail(struct pp_result *r, enum pp_reason rs, const char *problem, const char *summary,
     const char *msg)
{
    if (rs == PP_RS_NONE)
        rs = pp_problem_reason(problem);
    pp_result_set(r, PP_ST_UNEXPECTED, rs, "%s", msg);
    pp_detail_str(r, "problem", problem);
    pp_result_summary(r, "%s", summary);
}

static const char *
problem_summary(const char *problem)
{
    if (strcmp(problem, "smb1-only") == 0)
        return "SMB1 only";
    if (strcmp(problem, "not-smb") == 0)
        return "not SMB";
    if (strcmp(problem, "status") == 0)
        return "SMB2 NEGOTIATE refused";
    return "bad SMB2 reply";
}

static void
report(struct pp_result *r, const struct pp_smb2_info *in)
{
    const char *dialect = pp_smb2_dialect_name(in->dialect);
    bool enabled = (in->security_mode & PP_SMB2_SIGNING_ENABLED) != 0;
    bool required = (in->security_mode & PP_SMB2_SIGNING_REQUIRED) != 0;
    const char *signing = required ? "signing required" : enabled ? "signing enabled"
                                                                  : "no signing";
    char guid[40], caps[160];

    pp_smb2_guid_format(in->server_guid, guid, sizeof(guid));
    pp_smb2_caps_format(in->capabilities, caps, sizeof(caps));
    pp_detail_str(r, "dialect", dialect);
    pp_detail_bool(r, "signing_enabled", enabled);
    pp_detail_bool(r, "signing_required", required);
    pp_detail_str(r, "server_guid", guid);
    pp_detail_str(r, "capabilities", caps);
    pp_detail_int(r, "max_transact", in->max_transact);
    pp_detail_int(r, "max_read", in->max_read);
    pp_detail_int(r, "max_write", in->max_write);
    if (in->dialect == PP_SMB2_DIALECT_311) {
        /* Never offered: a server that picks it is broken. */
        pp_detail_str(r, "problem", "dialect");
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                     "the server chose SMB 3.1.1, which was not offered (2.0.2 to 3.0.2)");
        pp_result_summary(r, "SMB dialect not offered");
        return;
    }
    if (in->dialect == PP_SMB2_DIALECT_WILDCARD) {
        pp_detail_bool(r, "dialect_wildcard", true);
        pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                     "SMB2 answered with the wildcard dialect 0x02FF (as to an SMB1 "
                     "multi-protocol negotiate), %s; server GUID %s", signing, guid);
        pp_result_summary(r, "SMB 2.x, %s", signing);
        return;
    }
    pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                 "SMB %s negotiated, %s; server GUID %s; capabilities %s", dialect, signing,
                 guid, caps[0] ? caps : "none");
    pp_result_summary(r, "SMB %s, %s", dialect, signing);
}

static enum pp_probe_rc
smb_ready(struct pp_check *c)
{
    struct smb_state *st = pp_xcalloc(1, sizeof(*st));
    uint8_t req[PP_SMB2_REQUEST_LEN], guid[16];

    pp_check_set_data(c, st);
    /* A fresh ClientGuid per check (servers key leases on it); RFC 4122
     * version 4 bits so that it reads as a random GUID. */
    if (RAND_bytes(guid, sizeof(guid)) != 1)
        memcpy(guid, "pushprobe-smb2-0", sizeof(guid));
    guid[7] = (uint8_t)((guid[7] & 0x0f) | 0x40);
    guid[8] = (uint8_t)((guid[8] & 0x3f) | 0x80);
    pp_check_send(c, req, pp_smb2_negotiate_request(req, sizeof(req), guid));
    return PP_PROBE_MORE;
}

static const struct pp_reply_words smb_words = {
    .proto = "SMB",
    .reply = "SMB2 reply",
    .whole = "SMB2 NEGOTIATE response",
    .request = "the SMB2 NEGOTIATE",
    .bad = "bad SMB2 reply",
    .too_long = "the reply exceeds the 64 KiB a NEGOTIATE response can need",
    .closed = "the server closed the connection without answering the SMB2 NEGOTIATE: "
              "an SMB1-only server, or a firewall that ends SMB sessions, does this",
};

static int
smb_parse(struct pp_result *r, const uint8_t *buf, size_t len)
{
    struct pp_smb2_info info;
    char err[256];
    int rc = pp_smb2_parse_negotiate(buf, len, &info, err, sizeof(err));

    if (rc == 0)
        report(r, &info);
    else if (rc < 0) {
        fail(r, PP_RS_NONE, info.problem, problem_summary(info.problem), err);
        if (strcmp(info.problem, "status") == 0) {
            char hex[16];

            snprintf(hex, sizeof(hex), "0x%08lX", (unsigned long)info.status);
            pp_detail_str(r, "ntstatus", hex);
        }
    }
    return rc;
}

const struct pp_reply_proto pp_smb_reply = {&smb_words, fail, smb_parse};

/* -vv: the exchange summarised, from what the judgement kept. */
static void
negotiate_step(struct pp_check *c)
{
    const struct pp_result *r = pp_check_result(c);
    const struct pp_kv *d = pp_detail_get(r, "dialect");
    const struct pp_kv *req = pp_detail_get(r, "signing_required");
    const struct pp_kv *en = pp_detail_get(r, "signing_enabled");
    unsigned long long out, back;

    if (d == NULL)
        return;     /* no answer that parsed */
    pp_check_bytes(c, &out, &back);
    pp_check_stepf(c, PP_STEP_PROBE, PP_STEP_VV, "SMB2 NEGOTIATE %llu bytes -> %llu bytes, "
                   "dialect %s, %s", out, back, d->s != NULL ? d->s : "?",
                   req != NULL && req->i ? "signing required"
                   : en != NULL && en->i ? "signing enabled" : "no signing");
}

static enum pp_probe_rc
smb_io(struct pp_check *c, short revents)
{
    struct smb_state *st = pp_check_data(c);

    enum pp_probe_rc rc;

    (void)revents;
    rc = pp_reply_io(c, st->buf, sizeof(st->buf), &st->len, &pp_smb_reply);
    if (rc == PP_PROBE_DONE && pp_check_stepping(c, PP_STEP_VV))
        negotiate_step(c);
    return rc;
}

static void
smb_timeout(struct pp_check *c)
{
    struct smb_state *st = pp_check_data(c);

    pp_reply_timeout(pp_check_result(c), st ? st->len : 0, &pp_smb_reply);
}

const struct pp_probe pp_probe_smb = {
    .name = "smb",
    .help = "SMB2 NEGOTIATE: dialect, signing, server GUID and capabilities",
    .ready = smb_ready,
    .io = smb_io,
    .timeout = smb_timeout,
    .cleanup = pp_check_free_data,
};
