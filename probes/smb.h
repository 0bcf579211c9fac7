/* SPDX-License-Identifier: ISC */
/*
 * smb: the SMB2 NEGOTIATE exchange on TCP 445 (MS-SMB2 2.1, 2.2.3, 2.2.4).
 *
 * The parser is pure: bytes in, findings out, no I/O and no allocation, so
 * unit tests and fuzzers call it directly.  It reads through a bounds-checked
 * cursor, byte by byte, never through a struct laid over the packet.
 */
#ifndef PP_SMB_H
#define PP_SMB_H

#include <stddef.h>
#include <stdint.h>

/* The most the probe reads: a NEGOTIATE response is a few hundred bytes. */
#define PP_SMB_REPLY_MAX 65536
/* The request: Direct TCP header, SMB2 header, NEGOTIATE, four dialects. */
#define PP_SMB2_REQUEST_LEN 112

/* SMB2 dialect revisions (MS-SMB2 2.2.4). */
#define PP_SMB2_DIALECT_202 0x0202
#define PP_SMB2_DIALECT_210 0x0210
#define PP_SMB2_DIALECT_300 0x0300
#define PP_SMB2_DIALECT_302 0x0302
#define PP_SMB2_DIALECT_311 0x0311
#define PP_SMB2_DIALECT_WILDCARD 0x02ff

/* SecurityMode bits. */
#define PP_SMB2_SIGNING_ENABLED 0x0001
#define PP_SMB2_SIGNING_REQUIRED 0x0002

/* Capabilities bits. */
#define PP_SMB2_CAP_DFS 0x00000001
#define PP_SMB2_CAP_LEASING 0x00000002
#define PP_SMB2_CAP_LARGE_MTU 0x00000004
#define PP_SMB2_CAP_MULTI_CHANNEL 0x00000008
#define PP_SMB2_CAP_PERSISTENT_HANDLES 0x00000010
#define PP_SMB2_CAP_DIRECTORY_LEASING 0x00000020
#define PP_SMB2_CAP_ENCRYPTION 0x00000040

struct pp_smb2_info {
    size_t msg_len;          /* bytes of the reply used: 4 + transport length */
    uint32_t status;         /* NTSTATUS of the reply (set for "status") */
    uint16_t security_mode;
    uint16_t dialect;
    uint8_t server_guid[16]; /* as sent: the GUID's little-endian form */
    uint32_t capabilities;
    uint32_t max_transact;
    uint32_t max_read;
    uint32_t max_write;
    uint16_t security_buffer_len;
    /* On -1: a short code for the cause: "not-smb", "smb1-only", "status",
     * "too-long" or "malformed".  NULL otherwise. */
    const char *problem;
};

/* Parse the reply to the NEGOTIATE request, starting at its Direct TCP
 * header.  Returns 0 with out filled, 1 when the bytes so far are a valid
 * beginning but more are needed, or -1 with out->problem and a sentence in
 * err.  Decides as early as the bytes allow: garbage is refused at its
 * first bytes, a lying length once the protocol id is in.  Bytes after the
 * message are ignored. */
int pp_smb2_parse_negotiate(const uint8_t *buf, size_t len, struct pp_smb2_info *out,
                            char *err, size_t errlen);

/* Write the NEGOTIATE request (PP_SMB2_REQUEST_LEN bytes) offering dialects
 * 2.0.2, 2.1, 3.0 and 3.0.2 with signing enabled.  Returns its length, or 0
 * if len is too small. */
size_t pp_smb2_negotiate_request(uint8_t *buf, size_t len, const uint8_t client_guid[16]);

/* "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1", "2.???" (the wildcard), or NULL. */
const char *pp_smb2_dialect_name(uint16_t dialect);
/* A GUID as sent on the wire, in its usual text form (37 bytes with NUL). */
void pp_smb2_guid_format(const uint8_t guid[16], char *buf, size_t len);
/* Capability names, comma-separated ("DFS,LEASING,LARGE_MTU"); unknown
 * bits as hex; "" when none. */
void pp_smb2_caps_format(uint32_t caps, char *buf, size_t len);
/* The name of a few NTSTATUS values ("STATUS_NOT_SUPPORTED"), or NULL. */
const char *pp_smb2_status_name(uint32_t status);

/* The probe, for the registry (probes.c). */
struct pp_probe;
extern const struct pp_probe pp_probe_smb;

#endif
