/* SPDX-License-Identifier: ISC */
/* The features compiled in, from configure's HAVE_ macros (config.h): one
 * string, so --version, the metrics and the agent's page say the same. */
#include "config.h"

#include "core/build.h"

#ifdef HAVE_MICROHTTPD
#define PP_F_MHD ",microhttpd"
#else
#define PP_F_MHD ""
#endif
#ifdef HAVE_NCURSES
#define PP_F_NCURSES ",ncursesw"
#else
#define PP_F_NCURSES ""
#endif
#ifdef HAVE_NGHTTP2
#define PP_F_NGHTTP2 ",nghttp2"
#else
#define PP_F_NGHTTP2 ""
#endif
#ifdef HAVE_PCAP
#define PP_F_PCAP ",pcap"
#else
#define PP_F_PCAP ""
#endif

const char *
pp_build_features(void)
{
    /* Each piece starts with a comma: skip the first one. */
    static const char all[] = PP_F_MHD PP_F_NCURSES PP_F_NGHTTP2 PP_F_PCAP;

    return all[0] == '\0' ? all : all + 1;
}
