/* SPDX-License-Identifier: ISC */
/* --version; see version.h. */
#include "config.h"

#include <ares.h>
#include <http_parser.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#ifdef HAVE_PCAP
#include <pcap/pcap.h>
#endif
#ifdef HAVE_NCURSES
#include <curses.h>
#endif
#ifdef HAVE_NGHTTP2
#include <nghttp2/nghttp2.h>
#endif
#ifdef HAVE_MICROHTTPD
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>
#endif
#ifdef HAVE_LINUX_ERRQUEUE_H
#include <netinet/in.h>
#endif

#include "app/version.h"

/* "name/version" of a library's own words: "libpcap version 1.10.3 (...)"
 * and "ncurses 6.4.20221231" the way curl -V writes its libraries. */
static void
library(FILE *f, const char *words, const char *name)
{
    size_t n = strlen(name);

    if (strncmp(words, name, n) == 0 && words[n] == ' ') {
        words += n + 1;
        if (strncmp(words, "version ", 8) == 0)
            words += 8;
        fprintf(f, " %s/%s", name, words);
    } else {
        fprintf(f, " %s", words);
    }
}

void
pp_version_print(FILE *f)
{
    unsigned long hp = http_parser_version();

    fprintf(f, "pushprobe %s (%s)\n", PACKAGE_VERSION, PP_HOST);
    /* What the libraries say at run time: the ones loaded, not only the
     * headers built against. */
#ifdef OPENSSL_VERSION_STRING
    fprintf(f, "Libraries: OpenSSL/%s", OpenSSL_version(OPENSSL_VERSION_STRING));
#else
    fputs("Libraries:", f);
    library(f, OpenSSL_version(OPENSSL_VERSION), "OpenSSL");
#endif
    fprintf(f, " c-ares/%s", ares_version(NULL));
#ifdef HAVE_JANSSON_VERSION_STR
    fprintf(f, " jansson/%s", jansson_version_str());
#else
    fprintf(f, " jansson/%s", JANSSON_VERSION);
#endif
    fprintf(f, " http-parser/%lu.%lu.%lu inih", (hp >> 16) & 255, (hp >> 8) & 255, hp & 255);
#ifdef HAVE_PCAP
    library(f, pcap_lib_version(), "libpcap");
#endif
#ifdef HAVE_NCURSES
    library(f, curses_version(), "ncurses");
#endif
#ifdef HAVE_NGHTTP2
    fprintf(f, " nghttp2/%s", nghttp2_version(0)->version_str);
#endif
#ifdef HAVE_MICROHTTPD
    fprintf(f, " libmicrohttpd/%s", MHD_get_version());
#endif
    /* The features compiled in, by the word configure uses. */
    fputs("\nFeatures:", f);
#ifdef HAVE_NGHTTP2
    fputs(" nghttp2", f); /* HTTP/2 probes (api.push.apple.com) */
#endif
#ifdef HAVE_PCAP
    fputs(" pcap", f); /* --sniff, --read */
#endif
#ifdef HAVE_NCURSES
    fputs(" " PP_CURSES_LIB, f); /* the dashboard */
#endif
#ifdef HAVE_MICROHTTPD
    fputs(" microhttpd", f); /* --serve */
#endif
#if defined(HAVE_LINUX_ERRQUEUE_H) && defined(IP_RECVERR)
    fputs(" IP_RECVERR", f); /* the router's ICMP error named */
#endif
    fputs("\nLicense: ISC (see LICENSE)\n", f);
}
