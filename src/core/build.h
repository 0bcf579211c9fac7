/* SPDX-License-Identifier: ISC */
/* What this build of pushprobe has: the optional libraries configure found. */
#ifndef PP_BUILD_H
#define PP_BUILD_H

/* The optional features compiled in, comma-separated in alphabetical order
 * ("microhttpd,ncursesw,nghttp2,pcap"); "" when none. */
const char *pp_build_features(void);

#endif
