/* SPDX-License-Identifier: ISC */
/*
 * afp: DSIGetStatus on TCP 548, and the FPGetSrvrInfo status block it
 * returns (Apple AFP Reference; netatalk etc/afpd/status.c).  AFP is
 * deprecated on current macOS; the probe says so in every message.
 *
 * The parser is pure: bytes in, findings out, no I/O and no allocation, so
 * unit tests and fuzzers call it directly.  Every offset in the status
 * block is checked against the payload before anything is read there.
 */
#ifndef PP_AFP_H
#define PP_AFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most the probe reads: the DSI header and the status block. */
#define PP_AFP_REPLY_MAX 65536
#define PP_DSI_HEADER_LEN 16
#define PP_DSI_GETSTATUS 3

/* Server flags (FPGetSrvrInfo). */
#define PP_AFP_FLAG_SIGNATURE 0x0010
#define PP_AFP_FLAG_TCPIP 0x0020
#define PP_AFP_FLAG_DIRECTORY 0x0100
#define PP_AFP_FLAG_UTF8_NAME 0x0200

/* Strings from the server, made printable: Pascal strings (Mac charset)
 * keep printable ASCII and show other bytes as '?'; the UTF-8 name keeps
 * valid UTF-8 but no control characters.  Lists are comma-separated and
 * end in "..." when they do not fit. */
struct pp_afp_info {
    size_t msg_len;             /* bytes of the reply used: header + payload */
    uint16_t request_id;
    uint32_t error_code;        /* DSI error code (set for "dsi-error") */
    uint16_t flags;
    char server_name[256];      /* the Pascal ServerName */
    char utf8_name[256];        /* UTF8ServerName, when has_utf8_name */
    bool has_utf8_name;
    char machine_type[256];
    char versions[256];         /* "AFP3.2,AFP3.3,AFP3.4" */
    unsigned nversions;
    char best_version[32];      /* the highest AFPx.y listed, or the first */
    char uams[256];             /* "DHX2,DHCAST128" */
    unsigned nuams;
    char addresses[256];        /* "10.20.0.10,files.corp.test:548" */
    unsigned naddresses;
    bool has_signature;
    uint8_t signature[16];
    /* On -1: "not-dsi", "dsi-error", "too-long" or "malformed".  NULL
     * otherwise. */
    const char *problem;
};

/* Parse the reply to DSIGetStatus, starting at the DSI header.  Returns 0
 * with out filled, 1 when the bytes so far are a valid beginning but more
 * are needed, or -1 with out->problem and a sentence in err.  Bytes after
 * the payload are ignored. */
int pp_afp_parse_status(const uint8_t *buf, size_t len, struct pp_afp_info *out, char *err,
                        size_t errlen);

/* Write the DSIGetStatus request (PP_DSI_HEADER_LEN bytes).  Returns its
 * length, or 0 if len is too small. */
size_t pp_afp_getstatus_request(uint8_t *buf, size_t len, uint16_t request_id);

/* Server flag names, comma-separated ("CopyFile,ServerMessages"); unknown
 * bits as hex; "" when none. */
void pp_afp_flags_format(uint16_t flags, char *buf, size_t len);

/* The probe, for the registry (probes.c). */
struct pp_probe;
extern const struct pp_probe pp_probe_afp;

#endif
