/* SPDX-License-Identifier: ISC */
/* The machine's context for the ticket (src/diagnose/context.h): the pure parsers
 * on fixed texts (captured-looking, malformed, empty), the JSON and text
 * forms, and one real collection on this machine. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "core/pushprobe.h"
#include "diagnose/context.h"
#include "ui/report.h"
#include "ui/jsonw.h"

/* ---------------------------------------------------------- helpers */

static void
free_strv(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
free_proxies(struct pp_proxy *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    free(p);
}

/* resolv.conf text gives exactly the servers of want (NULL-terminated). */
static void
resolv_is(const char *text, const char *const *want)
{
    char **got = (char **)0x1;
    size_t n = 12345, i, nwant = 0;
    int rc = pp_context_parse_resolv(text, &got, &n);

    while (want[nwant] != NULL)
        nwant++;
    if (n != nwant) {
        free_strv(got, n);
        fail_msg("resolv: %zu servers, want %zu", n, nwant);
    }
    assert_int_equal(rc, nwant > 0 ? 0 : -1);
    if (nwant == 0)
        assert_null(got);
    for (i = 0; i < n; i++)
        assert_string_equal(got[i], want[i]);
    free_strv(got, n);
}

/* The search domains of resolv.conf text (the last search or domain
 * line), as pp_context_parse_search gives them. */
static void
test_search(void **state)
{
    static const struct {
        const char *text, *want;   /* want: the domains joined by spaces */
    } v[] = {
        {"nameserver 10.0.0.1\nsearch corp.example.com example.com\n",
         "corp.example.com example.com"},
        {"domain Corp.Example.\n", "corp.example"},
        /* The last line wins (resolv.conf(5)). */
        {"search a.example\ndomain b.example\n", "b.example"},
        {"domain b.example\nsearch c.example d.example # office\n", "c.example d.example"},
        /* Not host names: left out. */
        {"search . a..b bad/name ok.example -x.example\n", "ok.example -x.example"},
        {"search\n", ""},
        {"nameserver 10.0.0.1\n", ""},
        {"search a.example a.example\n", "a.example"},
    };
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char **got = NULL, joined[512] = "";
        size_t n = 0;
        int rc = pp_context_parse_search(v[i].text, &got, &n);

        for (k = 0; k < n; k++)
            snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
                     k ? " " : "", got[k]);
        assert_string_equal(joined, v[i].want);
        assert_int_equal(rc, n > 0 ? 0 : -1);
        free_strv(got, n);
    }
    {
        char **none = NULL;
        size_t nn = 0;

        assert_int_equal(pp_context_parse_search(NULL, &none, &nn), -1);
        assert_null(none);
    }
}

typedef int (*route_fn)(const char *, char **, char **);

/* A route parser gives ifname and gw (either may be NULL: no route, no
 * gateway). */
static void
route_is(route_fn fn, const char *text, const char *ifname, const char *gw)
{
    char *i = (char *)0x1, *g = (char *)0x1;
    int rc = fn(text, &i, &g);

    if (ifname == NULL) {
        assert_int_equal(rc, -1);
        assert_null(i);
        assert_null(g);
        return;
    }
    assert_int_equal(rc, 0);
    assert_non_null(i);
    assert_string_equal(i, ifname);
    if (gw == NULL) {
        assert_null(g);
    } else {
        assert_non_null(g);
        assert_string_equal(g, gw);
    }
    free(i);
    free(g);
}

/* The entries of p are exactly the "name=value" strings of want. */
static void
proxies_are(const struct pp_proxy *p, size_t n, const char *const *want)
{
    size_t i, nwant = 0;

    while (want[nwant] != NULL)
        nwant++;
    if (n != nwant)
        fail_msg("%zu proxies, want %zu", n, nwant);
    for (i = 0; i < n; i++) {
        size_t nl = strlen(p[i].name);

        if (strncmp(want[i], p[i].name, nl) != 0 || want[i][nl] != '=' ||
            strcmp(want[i] + nl + 1, p[i].value) != 0)
            fail_msg("proxy %zu is %s=%s, want %s", i, p[i].name, p[i].value, want[i]);
    }
}

/* ------------------------------------------------------- resolv.conf */

static void
test_resolv_typical(void **state)
{
    (void)state;
    {
        static const char *const want[] = {"10.255.255.53", NULL};
        resolv_is("nameserver 10.255.255.53\n", want);
        resolv_is("nameserver 10.255.255.53", want);     /* no final newline */
    }
    {
        /* As systemd-resolved and NetworkManager write it. */
        static const char *const want[] = {"192.168.1.1", "2001:db8::53", "fe80::1%eth0",
                                           "203.0.113.9", NULL};
        resolv_is("# Generated by NetworkManager\n"
                  "; old style comment\n"
                  "search corp.test lab.corp.test\n"
                  "domain corp.test\n"
                  "nameserver 192.168.1.1\n"
                  "nameserver 2001:db8::53\n"
                  "nameserver\tfe80::1%eth0\n"
                  "options edns0 trust-ad\n"
                  "  nameserver 203.0.113.9   # indented, with a comment\n"
                  "nameserver 192.168.1.1\n",                /* again: once */
                  want);
    }
    {
        /* macOS: /etc/resolv.conf written by configd. */
        static const char *const want[] = {"192.168.4.1", "fd7a:115c:a1e0::53", NULL};
        resolv_is("#\n# macOS Notice\n#\n# This file is not consulted for DNS hostname "
                  "resolution, address\n# resolution, or the DNS query routing mechanism "
                  "used by most\n# processes on this system.\n#\n"
                  "search home.arpa\nnameserver 192.168.4.1\r\n"
                  "nameserver fd7a:115c:a1e0::53\r\n", want);
    }
}

static void
test_resolv_malformed(void **state)
{
    static const char *const none[] = {NULL};
    static const char *const one[] = {"192.0.2.11", NULL};

    (void)state;
    resolv_is("", none);
    resolv_is("\n\n\n", none);
    resolv_is(NULL, none);
    resolv_is("# nameserver 198.51.100.8\n;nameserver 8.8.4.4\n#nameserver 203.0.113.9\n", none);
    resolv_is("nameserver\n"
              "nameserver   \n"
              "nameserver bogus\n"
              "nameserver 1.2.3\n"
              "nameserver 192.0.2.4.5\n"
              "nameserver 256.1.1.1\n"
              "nameserver 192.0.2.4%eth0\n"         /* a zone on IPv4 */
              "nameserver fe80::1%\n"             /* an empty zone */
              "nameserver fe80::1%a b\n"          /* "fe80::1%a" is fine, see below */
              "nameserver :::\n"
              "nameservers 198.51.100.8\n"
              "NAMESERVER 8.8.4.4\n"
              "xnameserver 203.0.113.9\n"
              "nameserver1.1.1.1\n"
              "nameserver 192.0.2.11\n", (const char *const[]){"fe80::1%a", "192.0.2.11", NULL});
    resolv_is("nameserver 192.0.2.11\0nameserver 198.51.100.8\n", one);
    resolv_is("search a b c\noptions ndots:5\n", none);
}

/* --------------------------------------------------- /proc/net/route */

#define RT_HEAD "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU" \
    "\tWindow\tIRTT                                                       \n"

static void
test_linux_route(void **state)
{
    (void)state;
    /* This machine's table: 192.0.2.1 is 010200C0 little-endian. */
    route_is(pp_context_parse_linux_route, RT_HEAD
             "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0      \n"
             "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0      \n",
             "eth0", "192.0.2.1");

    /* A laptop on wired and wireless, a VPN's 0.0.0.0/1 half, a docker
     * bridge, a blackhole default, one that is down: wired wins. */
    route_is(pp_context_parse_linux_route, RT_HEAD
             "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
             "tun0\t00000000\t0100080A\t0003\t0\t0\t0\t00000080\t0\t0\t0\n"
             "tun0\t00000080\t0100080A\t0003\t0\t0\t0\t00000080\t0\t0\t0\n"
             "eth0\t00000000\t01000A0A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
             "eth1\t00000000\t01000B0A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
             "lo\t00000000\t00000000\t0201\t0\t0\t5\t00000000\t0\t0\t0\n"
             "eth2\t00000000\t01000C0A\t0002\t0\t0\t1\t00000000\t0\t0\t0\n"
             "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
             "wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0\n",
             "eth0", "10.10.0.1");

    /* A default straight onto a point-to-point link: no gateway. */
    route_is(pp_context_parse_linux_route, RT_HEAD
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
             "wg0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0\n",
             "wg0", NULL);

    /* Highest possible gateway octets, a 4-billion metric. */
    route_is(pp_context_parse_linux_route,
             "ens3 00000000 FEFFFFFF 0003 0 0 4294967295 00000000 0 0 0\n",
             "ens3", "255.255.255.254");
}

static void
test_linux_route_malformed(void **state)
{
    (void)state;
    route_is(pp_context_parse_linux_route, "", NULL, NULL);
    route_is(pp_context_parse_linux_route, NULL, NULL, NULL);
    route_is(pp_context_parse_linux_route, RT_HEAD, NULL, NULL);
    route_is(pp_context_parse_linux_route, RT_HEAD
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\n"                     /* short */
             "eth0\t0000000\t0101A8C0\t0003\t0\t0\t1\t00000000\t0\t0\t0\n"     /* 7 digits */
             "eth0\t00000000\t0101A8CG\t0003\t0\t0\t1\t00000000\t0\t0\t0\n"    /* not hex */
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t-1\t00000000\t0\t0\t0\n"   /* metric */
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t99999999999\t00000000\t0\t0\t0\n"
             "eth0\t00000000\t0101A8C0\t0003\t0\t0\t1\t0000000\t0\t0\t0\n"     /* mask */
             "eth0\t00000000\t0101A8C0\tZZ\t0\t0\t1\t00000000\t0\t0\t0\n"      /* flags */
             "averyveryverylongname\t00000000\t0101A8C0\t0003\t0\t0\t1\t00000000\n"
             "\t\t\t\n"
             "garbage\n",
             NULL, NULL);
    /* Malformed lines around a good one do not hide it. */
    route_is(pp_context_parse_linux_route,
             "eth0\t00000000\t0101A8CG\t0003\t0\t0\t1\t00000000\t0\t0\t0\n"
             "eth9\t00000000\t0101A8C0\t0003\t0\t0\t7\t00000000\t0\t0\t0\n"
             "\x01\x02\xff\n",
             "eth9", "192.168.1.1");
}

/* ---------------------------------------------- /proc/net/ipv6_route */

#define Z32 "00000000000000000000000000000000"

static void
test_linux_route6(void **state)
{
    (void)state;
    /* This machine's table, with the kernel's unreachable ::/0 on lo. */
    route_is(pp_context_parse_linux_route6,
             "fd000000000000000000000000000000 40 " Z32 " 00 " Z32
             " 00000100 00000001 00000000 00000001     eth0\n"
             "fe800000000000000000000000000000 40 " Z32 " 00 " Z32
             " 00000100 00000002 00000000 00000001     eth0\n"
             Z32 " 00 " Z32 " 00 fd000000000000000000000000000001"
             " 00000400 00000002 00000000 00000003     eth0\n"
             "00000000000000000000000000000001 80 " Z32 " 00 " Z32
             " 00000000 00000002 00000000 80200001       lo\n"
             Z32 " 00 " Z32 " 00 " Z32 " ffffffff 00000001 00000000 00200200       lo\n",
             "eth0", "fd00::1");

    /* Two router advertisements (wlan0 600, eth0 100), a source-specific
     * default, a default with no gateway on a tunnel at 1024. */
    route_is(pp_context_parse_linux_route6,
             Z32 " 00 " Z32 " 00 fe80000000000000022222fffe222222"
             " 00000258 00000001 00000000 00450003    wlan0\n"
             Z32 " 00 20010db8000000000000000000000000 30 fe800000000000000000000000000099"
             " 00000001 00000001 00000000 00000003     eth1\n"
             Z32 " 00 " Z32 " 00 fe80000000000000021111fffe111111"
             " 00000064 00000001 00000000 00450003     eth0\n"
             Z32 " 00 " Z32 " 00 " Z32 " 00000400 00000001 00000000 00000001      wg0\n",
             "eth0", "fe80::211:11ff:fe11:1111");

    /* Only the tunnel: a default with no gateway. */
    route_is(pp_context_parse_linux_route6,
             Z32 " 00 " Z32 " 00 " Z32 " 00000400 00000001 00000000 00000001      wg0\n",
             "wg0", NULL);

    /* Not a default: ::/0 as destination needs prefix length 0. */
    route_is(pp_context_parse_linux_route6,
             Z32 " 80 " Z32 " 00 fd000000000000000000000000000001"
             " 00000400 00000002 00000000 00000003     eth0\n", NULL, NULL);
}

static void
test_linux_route6_malformed(void **state)
{
    (void)state;
    route_is(pp_context_parse_linux_route6, "", NULL, NULL);
    route_is(pp_context_parse_linux_route6, NULL, NULL, NULL);
    route_is(pp_context_parse_linux_route6, "\n", NULL, NULL);
    route_is(pp_context_parse_linux_route6,
             /* 31 digits */
             "0000000000000000000000000000000 00 " Z32 " 00 " Z32
             " 00000400 00000001 00000000 00000003 eth0\n"
             /* no interface */
             Z32 " 00 " Z32 " 00 " Z32 " 00000400 00000001 00000000 00000003\n"
             /* eleven fields */
             Z32 " 00 " Z32 " 00 " Z32 " 00000400 00000001 00000000 00000003 eth0 x\n"
             /* a 3-digit prefix length */
             Z32 " 000 " Z32 " 00 " Z32 " 00000400 00000001 00000000 00000003 eth0\n"
             /* not hex in the next hop */
             Z32 " 00 " Z32 " 00 fd00000000000000000000000000000g"
             " 00000400 00000001 00000000 00000003 eth0\n"
             /* a short metric */
             Z32 " 00 " Z32 " 00 " Z32 " 400 00000001 00000000 00000003 eth0\n"
             /* not up */
             Z32 " 00 " Z32 " 00 " Z32 " 00000400 00000001 00000000 00000002 eth0\n",
             NULL, NULL);
}

/* ------------------------------------------- macOS route -n get default */

static void
test_route_get(void **state)
{
    (void)state;
    route_is(pp_context_parse_route_get,
             "   route to: default\n"
             "destination: default\n"
             "       mask: default\n"
             "    gateway: 192.168.4.1\n"
             "  interface: en0\n"
             "      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING,GLOBAL>\n"
             " recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire\n"
             "       0         0         0         0         0         0      1500"
             "         0 \n",
             "en0", "192.168.4.1");

    /* A full-tunnel VPN: the default goes to utun4 with no gateway. */
    route_is(pp_context_parse_route_get,
             "   route to: default\n"
             "destination: default\n"
             "       mask: default\n"
             "  interface: utun4\n"
             "      flags: <UP,DONE,STATIC,PRCLONING>\n",
             "utun4", NULL);

    /* A gateway that is a link, not an address; then an IPv6 one. */
    route_is(pp_context_parse_route_get,
             "    gateway: link#12\n  interface: bridge100\n", "bridge100", NULL);
    route_is(pp_context_parse_route_get,
             "   route to: ::\n    gateway: fe80::1%en0\n  interface: en0\n",
             "en0", "fe80::1%en0");

    /* The first of each line counts. */
    route_is(pp_context_parse_route_get,
             "gateway: 10.0.0.1\ninterface: en1\ngateway: 10.0.0.2\ninterface: en2\n",
             "en1", "10.0.0.1");
}

static void
test_route_get_malformed(void **state)
{
    (void)state;
    route_is(pp_context_parse_route_get, "", NULL, NULL);
    route_is(pp_context_parse_route_get, NULL, NULL, NULL);
    route_is(pp_context_parse_route_get,
             "route: writing to routing socket: not in table\n", NULL, NULL);
    /* A gateway but no interface is no route. */
    route_is(pp_context_parse_route_get, "    gateway: 192.168.4.1\n", NULL, NULL);
    route_is(pp_context_parse_route_get,
             "  interface:\n  interface: has space\n  interface: waytoolonginterfacename\n"
             "interface\n: en0\n", NULL, NULL);
    route_is(pp_context_parse_route_get,
             "gateway: 300.1.1.1\ninterface: en0\n", "en0", NULL);
}

/* ------------------------------------------------ macOS scutil --proxy */

/* An HTTPS proxy and a PAC file, HTTP off, an exception list, and the
 * per-interface copy of another setup that must be ignored. */
static const char scutil_sample[] =
    "<dictionary> {\n"
    "  ExceptionsList : <array> {\n"
    "    0 : *.local\n"
    "    1 : 169.254/16\n"
    "    2 : *.corp.test\n"
    "  }\n"
    "  ExcludeSimpleHostnames : 1\n"
    "  FTPPassive : 1\n"
    "  HTTPEnable : 0\n"
    "  HTTPPort : 8080\n"
    "  HTTPProxy : old-proxy.corp.test\n"
    "  HTTPSEnable : 1\n"
    "  HTTPSPort : 3128\n"
    "  HTTPSProxy : proxy.corp.test\n"
    "  ProxyAutoConfigEnable : 1\n"
    "  ProxyAutoConfigURLString : http://wpad.corp.test/proxy.pac\n"
    "  ProxyAutoDiscoveryEnable : 0\n"
    "  SOCKSEnable : 0\n"
    "  __SCOPED__ : <dictionary> {\n"
    "    en0 : <dictionary> {\n"
    "      ExceptionsList : <array> {\n"
    "        0 : *.other\n"
    "      }\n"
    "      HTTPEnable : 1\n"
    "      HTTPPort : 9999\n"
    "      HTTPProxy : scoped.example\n"
    "      SOCKSEnable : 1\n"
    "      SOCKSProxy : socks.example\n"
    "    }\n"
    "  }\n"
    "}\n";

static void
test_scutil(void **state)
{
    struct pp_proxy *p = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(pp_context_parse_scutil(scutil_sample, &p, &n), 0);
    proxies_are(p, n, (const char *const[]){
        "system_https_proxy=proxy.corp.test:3128",
        "system_pac_url=http://wpad.corp.test/proxy.pac",
        "system_no_proxy=*.local,169.254/16,*.corp.test",
        NULL});
    free_proxies(p, n);

    /* Appended after what is there (the environment's). */
    p = NULL;
    n = 0;
    {
        char *envp[] = {(char *)"https_proxy=http://envproxy:8080", NULL};
        assert_int_equal(pp_context_parse_env_proxies(envp, &p, &n), 0);
    }
    assert_int_equal(pp_context_parse_scutil(
        "<dictionary> {\n  HTTPEnable : 1\n  HTTPProxy : fd00::3128\n  HTTPPort : 3128\n"
        "  SOCKSEnable : 1\n  SOCKSProxy : socks.corp.test\n  SOCKSPort : 99999\n"
        "  ProxyAutoDiscoveryEnable : 1\n  ProxyAutoConfigEnable : 1\n"
        "  ProxyAutoConfigURLString : https://svc:hunter2@pac.corp.test/p.pac\n}\n", &p, &n), 0);
    proxies_are(p, n, (const char *const[]){
        "https_proxy=http://envproxy:8080",
        "system_http_proxy=[fd00::3128]:3128",
        "system_socks_proxy=socks.corp.test",
        "system_pac_url=https://svc:***@pac.corp.test/p.pac",
        "system_auto_discovery=on",
        NULL});
    free_proxies(p, n);
}

static void
test_scutil_none(void **state)
{
    struct pp_proxy *p = NULL;
    size_t n = 0;

    (void)state;
    /* A Mac with no proxy: only the defaults. */
    assert_int_equal(pp_context_parse_scutil(
        "<dictionary> {\n"
        "  ExceptionsList : <array> {\n"
        "    0 : *.local\n"
        "    1 : 169.254/16\n"
        "  }\n"
        "  FTPPassive : 1\n"
        "}\n", &p, &n), -1);
    assert_null(p);
    assert_int_equal(n, 0);
    assert_int_equal(pp_context_parse_scutil("", &p, &n), -1);
    assert_int_equal(pp_context_parse_scutil(NULL, &p, &n), -1);
    /* Enabled with no host, or a host with a space; keys at depth 0, 2. */
    assert_int_equal(pp_context_parse_scutil(
        "HTTPEnable : 1\nHTTPProxy : top.example\n"
        "<dictionary> {\n"
        "  HTTPEnable : 1\n"
        "  HTTPSEnable : 1\n"
        "  HTTPSProxy : a b\n"
        "  ProxyAutoConfigEnable : 2\n"
        "  ProxyAutoConfigURLString : http://x/\n"
        "  x : <dictionary> {\n"
        "    SOCKSEnable : 1\n"
        "    SOCKSProxy : nested.example\n"
        "  }\n"
        "}\n}\n}\n{\n", &p, &n), -1);
    assert_null(p);
    assert_int_equal(n, 0);
}

/* ------------------------------------------------------ environment */

static void
test_env_proxies(void **state)
{
    char *envp[] = {
        (char *)"PATH=/usr/bin:/bin",
        (char *)"no_proxy=localhost,.corp.test",
        (char *)"HTTPS_PROXY=http://jdoe:s3cr%40t@proxy.corp.test:3128/",
        (char *)"http_proxyX=http://not-this/",
        (char *)"Http_Proxy=http://mixed-case/",
        (char *)"http_proxy=http://proxy.corp.test:3128",
        (char *)"ALL_PROXY=",
        (char *)"all_proxy=socks5h://tok@socks.corp.test:1080",
        (char *)"http_proxy=http://second-definition/",
        NULL,
    };
    char *none[] = {(char *)"HOME=/root", NULL};
    struct pp_proxy *p = NULL;
    size_t n = 0;

    (void)state;
    assert_int_equal(pp_context_parse_env_proxies(envp, &p, &n), 0);
    proxies_are(p, n, (const char *const[]){
        "http_proxy=http://proxy.corp.test:3128",
        "HTTPS_PROXY=http://jdoe:***@proxy.corp.test:3128/",
        "all_proxy=socks5h://tok@socks.corp.test:1080",
        "no_proxy=localhost,.corp.test",
        NULL});
    free_proxies(p, n);

    p = NULL;
    n = 0;
    assert_int_equal(pp_context_parse_env_proxies(none, &p, &n), -1);
    assert_int_equal(pp_context_parse_env_proxies(NULL, &p, &n), -1);
    assert_null(p);
    assert_int_equal(n, 0);
}

static void
mask_is(const char *in, const char *want)
{
    char *got = pp_context_mask_proxy(in);

    assert_non_null(got);
    if (strcmp(got, want) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "mask(\"%s\") = \"%s\", want \"%s\"", in, got, want);
        free(got);
        fail_msg("%s", msg);
    }
    free(got);
}

static void
test_mask_proxy(void **state)
{
    (void)state;
    mask_is("http://proxy:3128", "http://proxy:3128");
    mask_is("http://user:pw@proxy:3128", "http://user:***@proxy:3128");
    mask_is("http://user:p@ss:w0rd@proxy:3128/x", "http://user:***@proxy:3128/x");
    mask_is("user:pw@proxy:3128", "user:***@proxy:3128");
    mask_is("http://user@proxy:3128", "http://user@proxy:3128");
    mask_is("http://:pw@proxy", "http://:***@proxy");
    mask_is("http://proxy/path@x:y", "http://proxy/path@x:y");
    mask_is("http://proxy/?q=a:b@c", "http://proxy/?q=a:b@c");
    mask_is("", "");
    mask_is("://a:b@", "://a:***@");
    assert_null(pp_context_mask_proxy(NULL));
}

static void
test_vpn_names(void **state)
{
    static const char *const yes[] = {
        "utun0", "utun3", "utun12", "tun0", "tap1", "wg0", "wg", "wg-corp", "wg_home",
        "ppp0", "ipsec0", "gif0", "tun",
    };
    static const char *const no[] = {
        "en0", "eth0", "lo", "lo0", "wlan0", "tunl0", "tape", "wgx", "gretap0", "bridge100",
        "awdl0", "llw0", "anpi0", "docker0", "veth1a2b", "pppoe", "", "UTUN0",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!pp_context_is_vpn_name(yes[i]))
            fail_msg("%s is a tunnel", yes[i]);
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (pp_context_is_vpn_name(no[i]))
            fail_msg("%s is not a tunnel", no[i]);
    assert_int_equal(pp_context_is_vpn_name(NULL), 0);
}

static void
test_clat_names(void **state)
{
    static const char *const yes[] = {"clat", "clat0", "clat4", "v4-wlan0", "v4-rmnet_data0"};
    static const char *const no[] = {"clatd", "clat-x", "v4-", "v4", "eth0", "v6-wlan0", "",
                                     "CLAT", "xclat"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!pp_context_is_clat_name(yes[i]))
            fail_msg("%s is a CLAT", yes[i]);
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (pp_context_is_clat_name(no[i]))
            fail_msg("%s is not a CLAT", no[i]);
    assert_int_equal(pp_context_is_clat_name(NULL), 0);
    /* RFC 7335's 192.0.0.0/29: macOS's CLAT46 (192.0.0.2, via 192.0.0.1). */
    assert_int_equal(pp_context_is_clat_addr("192.0.0.1"), 1);
    assert_int_equal(pp_context_is_clat_addr("192.0.0.2"), 1);
    assert_int_equal(pp_context_is_clat_addr("192.0.0.7"), 1);
    assert_int_equal(pp_context_is_clat_addr("192.0.0.8"), 0);
    assert_int_equal(pp_context_is_clat_addr("192.0.0.170"), 0);
    assert_int_equal(pp_context_is_clat_addr("10.0.0.1"), 0);
    assert_int_equal(pp_context_is_clat_addr("192.0.0"), 0);
    assert_int_equal(pp_context_is_clat_addr("fe80::1"), 0);
    assert_int_equal(pp_context_is_clat_addr(NULL), 0);
}

/* -------------------------------------------------------- the output */

/* The JSON of c, as a string. */
static char *
json_of(const struct pp_context *c, bool pretty)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    struct pp_jsonw w;

    assert_non_null(f);
    pp_jw_init(&w, f, pretty);
    pp_context_json(c, &w);
    assert_int_equal(fclose(f), 0);
    assert_non_null(s);
    return s;
}

static char *
text_of(const struct pp_context *c)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);

    assert_non_null(f);
    pp_context_text(c, NULL, f);
    assert_int_equal(fclose(f), 0);
    assert_non_null(s);
    return s;
}

/* The NAT64 line and the "nat64" object, for each shape of network. */
static void
test_output_nat64(void **state)
{
    static const struct {
        struct pp_nat64_info n;
        const char *clat;
        const char *line;   /* the text line, "" for none */
        const char *json;   /* "" for none */
    } cases[] = {
        {{false, false, false, "", false, 0}, NULL, "", ""},
        {{true, true, true, "64:ff9b::/96", true, 1}, NULL,
         "  Network: IPv6-only network with NAT64 (prefix 64:ff9b::/96, discovered through "
         "ipv4only.arpa)\n",
         "\"nat64\":{\"ipv6_only\":true,\"ipv4_route\":false,\"prefix\":\"64:ff9b::/96\","
         "\"source\":\"discovered\",\"discovery\":\"found\",\"clat_interface\":null}"},
        {{true, false, true, "2001:db8:64::/96", true, 1}, "clat",
         "  Network: IPv6-only network with NAT64 (prefix 2001:db8:64::/96, discovered "
         "through ipv4only.arpa); 464XLAT CLAT interface clat\n",
         "\"nat64\":{\"ipv6_only\":true,\"ipv4_route\":true,\"prefix\":\"2001:db8:64::/96\","
         "\"source\":\"discovered\",\"discovery\":\"found\",\"clat_interface\":\"clat\"}"},
        {{true, true, true, "", false, 0}, NULL,
         "  Network: IPv6-only network, no NAT64 prefix found (ipv4only.arpa has no IPv6 "
         "address)\n",
         "\"nat64\":{\"ipv6_only\":true,\"ipv4_route\":false,\"prefix\":null,"
         "\"source\":null,\"discovery\":\"none\",\"clat_interface\":null}"},
        {{false, false, false, "64:ff9b::/96", false, 0}, NULL,
         "  NAT64: prefix 64:ff9b::/96 (well-known) in the answers\n",
         "\"nat64\":{\"ipv6_only\":false,\"ipv4_route\":true,\"prefix\":\"64:ff9b::/96\","
         "\"source\":\"well-known\",\"discovery\":\"not-run\",\"clat_interface\":null}"},
        {{false, false, false, "", false, 0}, "v4-wlan0", "  464XLAT: CLAT interface v4-wlan0\n",
         "\"nat64\":{\"ipv6_only\":false,\"ipv4_route\":true,\"prefix\":null,"
         "\"source\":null,\"discovery\":\"not-run\",\"clat_interface\":\"v4-wlan0\"}"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pp_context c;
        struct pp_jsonw w;
        char *s = NULL, want[512];
        size_t n = 0;
        FILE *f;

        memset(&c, 0, sizeof(c));
        c.clat_if = (char *)cases[i].clat;
        f = open_memstream(&s, &n);
        assert_non_null(f);
        pp_context_text(&c, &cases[i].n, f);
        assert_int_equal(fclose(f), 0);
        snprintf(want, sizeof(want), "  Host: (unknown)\n  Route: none\n  Route6: none\n%s"
                 "  DNS: none\n  VPN: none\n  Proxy: none\n  Addresses: none\n",
                 cases[i].line);
        assert_string_equal(s, want);
        free(s);
        s = NULL;
        f = open_memstream(&s, &n);
        assert_non_null(f);
        pp_jw_init(&w, f, false);
        pp_jw_obj(&w);
        pp_nat64_json(&cases[i].n, &c, &w);
        pp_jw_obj_end(&w);
        assert_int_equal(fclose(f), 0);
        snprintf(want, sizeof(want), "{%s}", cases[i].json);
        assert_string_equal(s, want);
        free(s);
    }
}

static void
test_output_fixed(void **state)
{
    char *dns[] = {(char *)"10.0.0.53", (char *)"fd00::53"};
    char *addrs[] = {(char *)"10.0.0.7", (char *)"2001:db8::7"};
    char *vpns[] = {(char *)"utun3"};
    struct pp_proxy prox[] = {
        {(char *)"https_proxy", (char *)"http://proxy:3128"},
        {(char *)"no_proxy", (char *)".corp.test"},
    };
    struct pp_context c;
    char *s;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.hostname = (char *)"mac-042.corp.test";
    c.os = (char *)"Darwin 23.4.0 arm64";
    c.default_if = (char *)"en0";
    c.default_gw = (char *)"10.0.0.1";
    c.dns_servers = dns;
    c.ndns = 2;
    c.local_addrs = addrs;
    c.nlocal = 2;
    c.vpn_ifs = vpns;
    c.nvpn = 1;
    c.proxies = prox;
    c.nproxies = 2;

    s = json_of(&c, false);
    assert_string_equal(s,
        "{\"hostname\":\"mac-042.corp.test\",\"os\":\"Darwin 23.4.0 arm64\","
        "\"default_route\":{\"interface\":\"en0\",\"gateway\":\"10.0.0.1\"},"
        "\"default_route6\":null,"
        "\"dns_servers\":[\"10.0.0.53\",\"fd00::53\"],"
        "\"vpn_interfaces\":[\"utun3\"],"
        "\"proxies\":{\"https_proxy\":\"http://proxy:3128\",\"no_proxy\":\".corp.test\"},"
        "\"local_addresses\":[\"10.0.0.7\",\"2001:db8::7\"]}");
    free(s);

    s = text_of(&c);
    assert_string_equal(s,
        "  Host: mac-042.corp.test (Darwin 23.4.0 arm64)\n"
        "  Route: default via 10.0.0.1 on en0\n"
        "  Route6: none\n"
        "  DNS: 10.0.0.53, fd00::53\n"
        "  VPN: utun3\n"
        "  Proxy: https_proxy=http://proxy:3128, no_proxy=.corp.test\n"
        "  Addresses: 10.0.0.7, 2001:db8::7\n");
    free(s);

    /* Nothing known at all. */
    memset(&c, 0, sizeof(c));
    c.default_if6 = (char *)"wg0";
    s = json_of(&c, false);
    assert_string_equal(s,
        "{\"hostname\":null,\"os\":null,\"default_route\":null,"
        "\"default_route6\":{\"interface\":\"wg0\",\"gateway\":null},"
        "\"dns_servers\":[],\"vpn_interfaces\":[],\"proxies\":{},\"local_addresses\":[]}");
    free(s);
    s = text_of(&c);
    assert_string_equal(s,
        "  Host: (unknown)\n"
        "  Route: none\n"
        "  Route6: default on wg0\n"
        "  DNS: none\n"
        "  VPN: none\n"
        "  Proxy: none\n"
        "  Addresses: none\n");
    free(s);
}

static void
expect_array_of_strings(json_t *o, const char *key)
{
    json_t *a = json_object_get(o, key);
    size_t i;

    if (a == NULL || !json_is_array(a))
        fail_msg("\"%s\" is not an array", key);
    for (i = 0; i < json_array_size(a); i++) {
        json_t *s = json_array_get(a, i);
        assert_true(json_is_string(s));
        assert_true(json_string_length(s) > 0);
    }
}

static void
expect_route(json_t *o, const char *key)
{
    json_t *r = json_object_get(o, key);

    if (r == NULL)
        fail_msg("no \"%s\"", key);
    if (json_is_null(r))
        return;
    assert_true(json_is_object(r));
    assert_true(json_is_string(json_object_get(r, "interface")));
    assert_non_null(json_object_get(r, "gateway"));
    assert_true(json_is_string(json_object_get(r, "gateway")) ||
                json_is_null(json_object_get(r, "gateway")));
}

/* The real thing, on whatever machine runs the tests. */
static void
test_collect(void **state)
{
    struct pp_context c;
    json_error_t err;
    json_t *o, *h, *p;
    char *s, *t;
    const char *k;
    json_t *v;
    size_t i;

    (void)state;
    memset(&c, 0xa5, sizeof(c));    /* collect fills it all */
    pp_context_collect(&c);
    assert_non_null(c.hostname);
    assert_true(c.hostname[0] != '\0');
    assert_non_null(c.os);
    for (i = 0; i < c.ndns; i++)
        assert_non_null(c.dns_servers[i]);
    for (i = 0; i < c.nvpn; i++)
        assert_true(pp_context_is_vpn_name(c.vpn_ifs[i]));

    s = json_of(&c, true);
    o = json_loads(s, 0, &err);
    if (o == NULL)
        fail_msg("not JSON (%s): %s", err.text, s);
    assert_true(json_is_object(o));
    h = json_object_get(o, "hostname");
    assert_true(json_is_string(h));
    assert_string_equal(json_string_value(h), c.hostname);
    assert_true(json_is_string(json_object_get(o, "os")));
    expect_route(o, "default_route");
    expect_route(o, "default_route6");
    expect_array_of_strings(o, "dns_servers");
    expect_array_of_strings(o, "vpn_interfaces");
    expect_array_of_strings(o, "local_addresses");
    p = json_object_get(o, "proxies");
    assert_true(json_is_object(p));
    json_object_foreach(p, k, v) {
        assert_true(json_is_string(v));
        assert_true(k[0] != '\0');
    }
    assert_int_equal(json_object_size(o), 8);
    json_decref(o);
    free(s);

    t = text_of(&c);
    assert_true(strncmp(t, "  Host: ", 8) == 0);
    assert_non_null(strstr(t, "\n  Route: "));
    assert_non_null(strstr(t, "\n  DNS: "));
    assert_non_null(strstr(t, "\n  VPN: "));
    assert_non_null(strstr(t, "\n  Proxy: "));
    free(t);

    pp_context_free(&c);
    assert_null(c.hostname);
    assert_int_equal(c.ndns, 0);
    pp_context_free(&c);    /* twice is fine */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolv_typical),
        cmocka_unit_test(test_resolv_malformed),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_linux_route),
        cmocka_unit_test(test_linux_route_malformed),
        cmocka_unit_test(test_linux_route6),
        cmocka_unit_test(test_linux_route6_malformed),
        cmocka_unit_test(test_route_get),
        cmocka_unit_test(test_route_get_malformed),
        cmocka_unit_test(test_scutil),
        cmocka_unit_test(test_scutil_none),
        cmocka_unit_test(test_env_proxies),
        cmocka_unit_test(test_mask_proxy),
        cmocka_unit_test(test_vpn_names),
        cmocka_unit_test(test_clat_names),
        cmocka_unit_test(test_output_nat64),
        cmocka_unit_test(test_output_fixed),
        cmocka_unit_test(test_collect),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
