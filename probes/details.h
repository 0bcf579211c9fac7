/* SPDX-License-Identifier: ISC */
/*
 * The detail keys other rooms read (diagnosis, reports, redaction), named
 * here, in the probes' room, by the probe that writes them.  A probe's
 * other details are its own business and stay string constants in its
 * file; every key appears in the JSON report's "details" object.
 * Constants only: no include, so any room may include this.
 */
#ifndef PP_DETAILS_H
#define PP_DETAILS_H

/* probes/time.c: the clock's offset from the time server, in seconds
 * (number; positive: this clock is behind). */
#define PP_DETAIL_OFFSET_S "offset_s"

/* probes/httpx.c and probes/apns.c: the HTTP status code (integer). */
#define PP_DETAIL_HTTP_STATUS "http_status"

/* probes/mdm.c: the MDM server's health word ("healthy", "Initializing",
 * "unknown"...; string). */
#define PP_DETAIL_HEALTH "health"

/* probes/publicip.c: this network's public address (string). */
#define PP_DETAIL_PUBLIC_ADDRESS "public_address"

#endif
