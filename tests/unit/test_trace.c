/* SPDX-License-Identifier: ISC */
/* Path traces (src/engine/trace.h, trace_raw.h): the ICMP and hop
 * judgement, the path's end, the comparison with a reference trace, which
 * checks are traced, the raw ICMP parser, and one trace on loopback. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <cmocka.h>

#include "app/run.h"
#include "core/loop.h"
#include "core/pushprobe.h"
#include "core/util.h"
#include "engine/trace.h"
#include "engine/trace_raw.h"

static void
test_icmp_reply(void **state)
{
    (void)state;
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 11, 0), PP_HR_TIME_EXCEEDED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 3, 3), PP_HR_UNREACHABLE);
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 3, 1), PP_HR_UNREACHABLE);
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 3, 13), PP_HR_ADMIN_PROHIBITED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 3, 9), PP_HR_ADMIN_PROHIBITED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 3, 10), PP_HR_ADMIN_PROHIBITED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET, 0, 0), PP_HR_NONE);
    assert_int_equal(pp_trace_icmp_reply(AF_INET6, 3, 0), PP_HR_TIME_EXCEEDED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET6, 1, 1), PP_HR_ADMIN_PROHIBITED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET6, 1, 6), PP_HR_ADMIN_PROHIBITED);
    assert_int_equal(pp_trace_icmp_reply(AF_INET6, 1, 4), PP_HR_UNREACHABLE);
    assert_int_equal(pp_trace_icmp_reply(AF_INET6, 128, 0), PP_HR_NONE);
    assert_int_equal(pp_trace_icmp_reply(AF_UNIX, 11, 0), PP_HR_NONE);
}

static void
test_network(void **state)
{
    (void)state;
    assert_int_equal(pp_trace_network("10.20.0.1"), PP_NW_LOCAL);
    assert_int_equal(pp_trace_network("192.168.1.1"), PP_NW_LOCAL);
    assert_int_equal(pp_trace_network("172.31.255.1"), PP_NW_LOCAL);
    assert_int_equal(pp_trace_network("172.32.0.1"), PP_NW_PUBLIC);
    assert_int_equal(pp_trace_network("100.64.0.1"), PP_NW_CGNAT);
    assert_int_equal(pp_trace_network("100.127.255.254"), PP_NW_CGNAT);
    assert_int_equal(pp_trace_network("100.128.0.1"), PP_NW_PUBLIC);
    assert_int_equal(pp_trace_network("17.57.144.10"), PP_NW_APPLE);
    assert_int_equal(pp_trace_network("18.0.0.1"), PP_NW_PUBLIC);
    assert_int_equal(pp_trace_network("198.51.100.1"), PP_NW_PUBLIC);
    assert_int_equal(pp_trace_network("fd00:20::1"), PP_NW_LOCAL);
    assert_int_equal(pp_trace_network("fe80::1"), PP_NW_LOCAL);
    assert_int_equal(pp_trace_network("::1"), PP_NW_LOCAL);
    assert_int_equal(pp_trace_network("2620:149:a44::10"), PP_NW_APPLE);
    assert_int_equal(pp_trace_network("2001:db8::1"), PP_NW_PUBLIC);
    assert_int_equal(pp_trace_network(""), PP_NW_PUBLIC);
    assert_int_equal(pp_trace_network("not an address"), PP_NW_PUBLIC);
}

#define OBS(t, r, f, ms) {(t), (r), f, (ms)}

static const char *DEST = "17.57.144.10";

static void
test_judge_reached(void **state)
{
    struct pp_trace_obs o[] = {
        OBS(4, PP_HR_SYN_ACK, "", 3.0), OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.2),
        OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 0.7),
        OBS(2, PP_HR_TIME_EXCEEDED, "100.64.0.1", 1.0),
        OBS(3, PP_HR_TIME_EXCEEDED, "198.51.100.1", 2.0), OBS(5, PP_HR_SYN_ACK, "", 3.5),
        OBS(6, PP_HR_SYN_ACK, "", 3.5),
    };
    struct pp_path p;

    (void)state;
    pp_trace_judge(o, sizeof(o) / sizeof(o[0]), DEST, 30, &p);
    assert_int_equal(p.end, PP_PE_REACHED);
    assert_int_equal(p.nhops, 4);
    assert_int_equal(p.end_hop, 4);
    assert_int_equal(p.reach_ttl, 4);
    assert_string_equal(p.end_address, DEST);
    assert_int_equal(p.end_network, PP_NW_APPLE);
    assert_true(p.hops[0].rtt_ms == 0.7);   /* the fastest of the probes */
    assert_int_equal(p.hops[0].network, PP_NW_LOCAL);
    assert_int_equal(p.hops[1].network, PP_NW_CGNAT);
    assert_int_equal(p.hops[2].network, PP_NW_PUBLIC);
    assert_string_equal(p.hops[3].address, DEST);
    assert_int_equal(p.hops[3].reply, PP_HR_SYN_ACK);
    free(p.hops);
}

static void
test_judge_dropped(void **state)
{
    struct pp_trace_obs o[] = {
        OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0),
        OBS(2, PP_HR_TIME_EXCEEDED, "100.64.0.1", 1.0),
    };
    struct pp_path p;
    char words[300];

    (void)state;
    pp_trace_judge(o, 2, DEST, 30, &p);
    assert_int_equal(p.end, PP_PE_DROPPED);
    assert_int_equal(p.end_hop, 2);
    assert_string_equal(p.end_address, "100.64.0.1");
    assert_int_equal(p.end_network, PP_NW_CGNAT);
    assert_int_equal(p.nhops, 3);   /* and the first silent hop */
    assert_int_equal(p.hops[2].reply, PP_HR_NONE);
    assert_true(p.hops[2].rtt_ms < 0);
    assert_string_equal(p.hops[2].address, "");
    pp_path_sentence(&p, words, sizeof(words));
    assert_string_equal(words,
                        "dropped after hop 2 (100.64.0.1, the provider's carrier-grade NAT)");
    free(p.hops);

    /* Nothing at all: dropped before the first hop. */
    pp_trace_judge(NULL, 0, DEST, 30, &p);
    assert_int_equal(p.end, PP_PE_DROPPED);
    assert_int_equal(p.end_hop, 0);
    assert_int_equal(p.nhops, 1);
    assert_string_equal(p.end_address, "");
    pp_path_sentence(&p, words, sizeof(words));
    assert_string_equal(words, "dropped before the first hop: nothing answered");
    free(p.hops);

    /* A silent router on the way is not the end: hop 2 says nothing, hop 3
     * answers, then silence. */
    {
        struct pp_trace_obs q[] = {
            OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0),
            OBS(3, PP_HR_TIME_EXCEEDED, "198.51.100.1", 1.0),
        };
        pp_trace_judge(q, 2, DEST, 30, &p);
        assert_int_equal(p.end, PP_PE_DROPPED);
        assert_int_equal(p.end_hop, 3);
        assert_int_equal(p.nhops, 4);
        assert_int_equal(p.hops[1].reply, PP_HR_NONE);
        free(p.hops);
    }
    /* Out-of-range TTLs and replies are ignored; max_ttl bounded. */
    {
        struct pp_trace_obs q[] = {
            OBS(0, PP_HR_SYN_ACK, "", 1.0), OBS(99, PP_HR_SYN_ACK, "", 1.0),
            OBS(2, (enum pp_hop_reply)99, "", 1.0),
        };
        pp_trace_judge(q, 3, DEST, 1000, &p);
        assert_int_equal(p.end, PP_PE_DROPPED);
        assert_int_equal(p.end_hop, 0);
        free(p.hops);
    }
}

static void
test_judge_rejected(void **state)
{
    /* A router that filters as it forwards: time-exceeded for TTL 3,
     * admin-prohibited for TTL 4 from the same address: the box is hop 3. */
    struct pp_trace_obs o[] = {
        OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0),
        OBS(2, PP_HR_TIME_EXCEEDED, "100.64.0.1", 1.0),
        OBS(3, PP_HR_TIME_EXCEEDED, "198.51.100.1", 1.0),
        OBS(4, PP_HR_ADMIN_PROHIBITED, "198.51.100.1", 1.0),
        OBS(5, PP_HR_ADMIN_PROHIBITED, "198.51.100.1", 1.0),
    };
    struct pp_path p;
    char words[300];

    (void)state;
    pp_trace_judge(o, 5, DEST, 30, &p);
    assert_int_equal(p.end, PP_PE_REJECTED);
    assert_int_equal(p.end_hop, 3);
    assert_int_equal(p.nhops, 4);
    assert_string_equal(p.end_address, "198.51.100.1");
    pp_path_sentence(&p, words, sizeof(words));
    assert_non_null(strstr(words, "rejected by hop 3 (198.51.100.1"));
    assert_non_null(strstr(words, "administratively prohibited"));
    free(p.hops);

    /* An unreachable from a box never seen before: its own TTL. */
    {
        struct pp_trace_obs q[] = {
            OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0),
            OBS(2, PP_HR_UNREACHABLE, "10.99.0.1", 1.0),
        };
        pp_trace_judge(q, 2, DEST, 30, &p);
        assert_int_equal(p.end, PP_PE_REJECTED);
        assert_int_equal(p.end_hop, 2);
        assert_string_equal(p.end_address, "10.99.0.1");
        assert_int_equal(p.end_network, PP_NW_LOCAL);
        free(p.hops);
    }
}

static void
reference(struct pp_path *ref)
{
    struct pp_trace_obs o[] = {
        OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0),
        OBS(2, PP_HR_TIME_EXCEEDED, "100.64.0.1", 1.0),
        OBS(3, PP_HR_TIME_EXCEEDED, "198.51.100.1", 1.0), OBS(4, PP_HR_SYN_ACK, "", 2.0),
    };
    pp_trace_judge(o, 4, DEST, 30, ref);
}

static void
test_compare(void **state)
{
    struct pp_trace_obs rst[] = {
        OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0), OBS(2, PP_HR_RST, "", 1.0),
        OBS(3, PP_HR_RST, "", 1.0),
    };
    struct pp_trace_obs syn[] = {
        OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0), OBS(2, PP_HR_SYN_ACK, "", 1.0),
    };
    struct pp_path ref, p;
    char words[300];

    (void)state;
    reference(&ref);
    pp_trace_judge(rst, 3, DEST, 30, &p);
    assert_int_equal(p.end, PP_PE_REACHED);   /* alone, it cannot know */
    pp_trace_compare(&p, &ref);
    assert_int_equal(p.end, PP_PE_RESET);
    assert_int_equal(p.end_hop, 2);
    assert_int_equal(p.distance, 4);
    assert_string_equal(p.end_address, "100.64.0.1");
    assert_int_equal(p.end_network, PP_NW_CGNAT);
    pp_path_sentence(&p, words, sizeof(words));
    assert_non_null(strstr(words, "reset by hop 2 (100.64.0.1"));
    assert_non_null(strstr(words, "not by the server (4 hops away)"));
    free(p.hops);

    pp_trace_judge(syn, 2, DEST, 30, &p);
    pp_trace_compare(&p, &ref);
    assert_int_equal(p.end, PP_PE_ANSWERED);
    assert_int_equal(p.end_hop, 2);
    pp_path_sentence(&p, words, sizeof(words));
    assert_non_null(strstr(words, "transparent proxy"));
    free(p.hops);

    /* The same distance: the server itself (a closed port). */
    {
        struct pp_trace_obs q[] = {
            OBS(1, PP_HR_TIME_EXCEEDED, "10.20.0.1", 1.0), OBS(4, PP_HR_RST, "", 1.0),
        };
        pp_trace_judge(q, 2, DEST, 30, &p);
        pp_trace_compare(&p, &ref);
        assert_int_equal(p.end, PP_PE_REACHED);
        assert_int_equal(p.distance, 4);
        free(p.hops);
    }
    /* A reference that did not reach proves nothing; a dropped path keeps
     * its end. */
    {
        struct pp_path dropped;
        pp_trace_judge(NULL, 0, DEST, 30, &dropped);
        pp_trace_judge(rst, 3, DEST, 30, &p);
        pp_trace_compare(&p, &dropped);
        assert_int_equal(p.end, PP_PE_REACHED);
        pp_trace_compare(&dropped, &ref);
        assert_int_equal(dropped.end, PP_PE_DROPPED);
        pp_trace_compare(&p, NULL);
        assert_int_equal(p.end, PP_PE_REACHED);
        free(p.hops);
        free(dropped.hops);
    }
    free(ref.hops);
}

static struct pp_target courier = {.service = PP_SV_APNS_DEVICE, .port = 5223,
                                   .trust = PP_TRUST_APPLE_COURIER};
static struct pp_target courier443 = {.service = PP_SV_APNS_DEVICE, .port = 443,
                                      .trust = PP_TRUST_APPLE_COURIER};
static struct pp_target mdm = {.service = PP_SV_MDM, .port = 8443};

static struct pp_result
res(const struct pp_target *t, int family, const char *addr, enum pp_state st)
{
    struct pp_result r;

    memset(&r, 0, sizeof(r));
    r.target = t;
    r.family = family;
    r.has_address = addr != NULL;
    if (addr != NULL)
        snprintf(r.address, sizeof(r.address), "%s", addr);
    r.state = st;
    return r;
}

static void
test_select(void **state)
{
    struct pp_result r[] = {
        res(&courier, AF_INET, "17.57.144.10", PP_ST_FILTERED),      /* 0 failed */
        res(&courier, AF_INET6, "2620:149:a44::10", PP_ST_OK),       /* 1 first v6 courier */
        res(&courier443, AF_INET, "17.57.144.10", PP_ST_OK),         /* 2 reference of 0 */
        res(&courier443, AF_INET6, "2620:149:a44::10", PP_ST_OK),    /* 3 */
        res(&mdm, AF_INET, "10.20.0.10", PP_ST_OK),                  /* 4 */
        res(&mdm, AF_INET, NULL, PP_ST_DNS_FAILED),                  /* 5 no address */
        res(&mdm, AF_INET, "10.20.0.11", PP_ST_BLOCKED),             /* 6 failed */
    };
    struct pp_result *rp[7];
    bool want[7];
    size_t i;

    (void)state;
    for (i = 0; i < 7; i++)
        rp[i] = &r[i];
    r[6].retry_of = NULL;
    pp_run_trace_select(rp, 7, false, want);
    assert_true(want[0]);
    assert_true(want[1]);
    assert_true(want[2]);   /* the courier that got through, and 0's reference */
    assert_false(want[3]);
    assert_false(want[4]);
    assert_false(want[5]);
    assert_true(want[6]);
    pp_run_trace_select(rp, 7, true, want);
    for (i = 0; i < 7; i++)
        assert_int_equal(want[i], i != 5);
    /* A small-segment retry is never traced (it is evidence, not a check). */
    r[0].retry_of = (char *)"x";
    pp_run_trace_select(rp, 7, true, want);
    assert_false(want[0]);
}

/* An IPv4 packet: 20-byte header (protocol ICMP) + ICMP header + quoted
 * IPv4 header + TCP ports. */
static size_t
icmp4(uint8_t *b, uint8_t type, uint8_t code, uint8_t qproto, size_t cut)
{
    size_t n = 0;

    memset(b, 0, 128);
    b[0] = 0x45;
    b[9] = 1;
    n = 20;
    b[n] = type;
    b[n + 1] = code;
    n += 8;
    b[n] = 0x45;
    b[n + 9] = qproto;
    b[n + 16] = 17;
    b[n + 17] = 57;
    b[n + 18] = 144;
    b[n + 19] = 10;
    n += 20;
    b[n] = 0xc3;
    b[n + 1] = 0x50;   /* source port 50000 */
    b[n + 2] = 0x14;
    b[n + 3] = 0x67;   /* destination port 5223 */
    n += 8;
    return cut > 0 && cut < n ? cut : n;
}

static void
test_parse_icmp(void **state)
{
    uint8_t b[128];
    struct pp_trace_icmp ic;
    size_t n, k;

    (void)state;
    n = icmp4(b, 11, 0, 6, 0);
    assert_true(pp_trace_parse_icmp(AF_INET, b, n, &ic));
    assert_int_equal(ic.type, 11);
    assert_string_equal(ic.quoted_dst, "17.57.144.10");
    assert_int_equal(ic.sport, 50000);
    assert_int_equal(ic.dport, 5223);
    n = icmp4(b, 3, 13, 6, 0);
    assert_true(pp_trace_parse_icmp(AF_INET, b, n, &ic));
    assert_int_equal(ic.code, 13);
    /* Not TCP, not an error, cut anywhere: refused, never read past. */
    n = icmp4(b, 11, 0, 17, 0);
    assert_false(pp_trace_parse_icmp(AF_INET, b, n, &ic));
    n = icmp4(b, 0, 0, 6, 0);
    assert_false(pp_trace_parse_icmp(AF_INET, b, n, &ic));
    n = icmp4(b, 11, 0, 6, 0);
    for (k = 0; k < n - 4; k++) {
        uint8_t *cut = malloc(k > 0 ? k : 1);
        memcpy(cut, b, k);
        assert_false(pp_trace_parse_icmp(AF_INET, cut, k, &ic));
        free(cut);
    }
    assert_false(pp_trace_parse_icmp(AF_UNIX, b, n, &ic));

    /* ICMPv6 time exceeded quoting IPv6 + TCP. */
    memset(b, 0, sizeof(b));
    b[0] = 3;
    b[8] = 0x60;
    b[8 + 6] = 6;
    inet_pton(AF_INET6, "2620:149:a44::10", b + 8 + 24);
    b[48] = 0xc3;
    b[49] = 0x50;
    b[50] = 0x14;
    b[51] = 0x67;
    assert_true(pp_trace_parse_icmp(AF_INET6, b, 56, &ic));
    assert_string_equal(ic.quoted_dst, "2620:149:a44::10");
    assert_int_equal(ic.dport, 5223);
    b[8 + 6] = 17;
    assert_false(pp_trace_parse_icmp(AF_INET6, b, 56, &ic));
    b[8 + 6] = 6;
    assert_false(pp_trace_parse_icmp(AF_INET6, b, 50, &ic));
    b[0] = 128;
    assert_false(pp_trace_parse_icmp(AF_INET6, b, 56, &ic));
}

struct got {
    struct pp_path *path;
    struct pp_loop *loop;
};

static void
on_done(struct pp_path *path, const char *err, void *arg)
{
    struct got *g = arg;

    (void)err;
    g->path = path;
    pp_loop_stop(g->loop);
}

/* A real trace on loopback: a listener answers at hop 1 (SYN-ACK); a port
 * nothing listens on answers with a reset. */
static void
test_loopback(void **state)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    struct pp_trace_opts o;
    struct got g;
    char err[200];
    int lfd;
    struct pp_tracer *t;

    (void)state;
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(listen(lfd, 64), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);


    memset(&o, 0, sizeof(o));
    o.max_ttl = 4;
    o.timeout_s = 5;
    memset(&g, 0, sizeof(g));
    g.loop = pp_loop_new();
    t = pp_trace_start(g.loop, NULL, (struct sockaddr *)&sin, &o, on_done, &g, err, sizeof(err));
    assert_non_null(t);
    while (g.path == NULL && pp_loop_run_once(g.loop, 1000) >= 0 && !pp_loop_stopped(g.loop))
        ;
    assert_non_null(g.path);
    assert_int_equal(g.path->end, PP_PE_REACHED);
    assert_int_equal(g.path->end_hop, 1);
    assert_int_equal(g.path->hops[0].reply, PP_HR_SYN_ACK);
    assert_string_equal(g.path->end_address, "127.0.0.1");
    assert_int_equal(g.path->end_network, PP_NW_LOCAL);
    assert_string_equal(g.path->method, "errqueue");
    pp_path_free(g.path);
    close(lfd);

    /* Closed now: a reset. */
    g.path = NULL;
    pp_loop_free(g.loop);
    g.loop = pp_loop_new();
    t = pp_trace_start(g.loop, NULL, (struct sockaddr *)&sin, &o, on_done, &g, err, sizeof(err));
    assert_non_null(t);
    while (g.path == NULL && pp_loop_run_once(g.loop, 1000) >= 0 && !pp_loop_stopped(g.loop))
        ;
    assert_non_null(g.path);
    assert_int_equal(g.path->end, PP_PE_REACHED);
    assert_int_equal(g.path->hops[0].reply, PP_HR_RST);
    pp_path_free(g.path);
    /* Cancelled before its end: no callback, nothing left open. */
    g.path = NULL;
    t = pp_trace_start(g.loop, NULL, (struct sockaddr *)&sin, &o, on_done, &g, err, sizeof(err));
    assert_non_null(t);
    pp_trace_cancel(t);
    assert_int_equal(pp_loop_nwatched(g.loop), 0);
    assert_null(g.path);
    pp_loop_free(g.loop);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(pp_hop_reply_name(PP_HR_ADMIN_PROHIBITED), "admin-prohibited");
    assert_string_equal(pp_hop_reply_name(PP_HR_SYN_ACK), "syn-ack");
    assert_string_equal(pp_hop_network_name(PP_NW_CGNAT), "cgnat");
    assert_string_equal(pp_path_end_name(PP_PE_ANSWERED), "answered");
    assert_string_equal(pp_path_end_name((enum pp_path_end)99), "dropped");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_icmp_reply),
        cmocka_unit_test(test_network),
        cmocka_unit_test(test_judge_reached),
        cmocka_unit_test(test_judge_dropped),
        cmocka_unit_test(test_judge_rejected),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_parse_icmp),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
