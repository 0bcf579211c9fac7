/* SPDX-License-Identifier: ISC */
/*
 * PAC files (proxy auto-config): which proxy a device uses for a URL.
 *
 * The script runs in duktape (an embedded JavaScript engine), never in
 * this process: pp_pac_job_start() forks a child that compiles the script
 * and calls FindProxyForURL(url, host) for each query, under a memory cap
 * (its allocator) and a time limit (an interval timer in the child, and the
 * caller's deadline, which kills it); a child of root runs as nobody.  The
 * caller reads the answers from a pipe on its own poll() loop.
 *
 * Why a child: Debian's duktape is built without DUK_USE_EXEC_TIMEOUT_CHECK
 * (duk_config.h), so nothing inside the engine can stop a `while (true)
 * {}`; a process can be killed.  Why not libproxy (libproxy-dev 0.4.18):
 * px_proxy_factory_get_proxies() "always blocks" (its header says so),
 * downloads the PAC (and finds one by WPAD) itself with no deadline, lets
 * the script resolve names with blocking lookups, and takes no script from
 * the caller; none of which fits one non-blocking poll() loop with a
 * deadline per check.
 *
 * The PAC helpers never touch the network: dnsResolve(), isResolvable()
 * and isInNet() on a name read the table the caller fills (addresses the
 * run already resolved) and give null / false for a name not in it;
 * myIpAddress() is the caller's address (or 127.0.0.1).
 *
 * Room: plan.  The answer parser and the route are pure functions.
 */
#ifndef PP_PAC_H
#define PP_PAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_via;

#define PP_PAC_SCRIPT_MAX (1024 * 1024)  /* bytes of a PAC file */
#define PP_PAC_ANSWER_MAX 4096           /* bytes of one answer */
#define PP_PAC_ENTRIES_MAX 32            /* entries of one answer */
#define PP_PAC_MEM_MAX (32u * 1024 * 1024)
#define PP_PAC_TIMEOUT_MS 3000

/* One entry of an answer ("PROXY host:port"). */
enum pp_pac_kind {
    PP_PAC_DIRECT,
    PP_PAC_PROXY,    /* PROXY and HTTP: an HTTP proxy */
    PP_PAC_HTTPS,    /* an HTTP proxy spoken to over TLS */
    PP_PAC_SOCKS,    /* SOCKS, SOCKS4, SOCKS5: not used by pushprobe */
    PP_PAC_SOCKS4,
    PP_PAC_SOCKS5
};

struct pp_pac_entry {
    enum pp_pac_kind kind;
    char *host;      /* NULL for DIRECT */
    uint16_t port;
};

struct pp_pac_answer {
    struct pp_pac_entry *v;
    size_t n;
};

/* "PROXY a:8080; HTTPS b:443; SOCKS c:1080; DIRECT": entries separated by
 * ';', keywords in any case, white space around them.  An empty answer is
 * DIRECT (as browsers read it).  Returns 0, or -1 with err set for an
 * unknown keyword, a missing or bad host:port, or more than
 * PP_PAC_ENTRIES_MAX entries; a is empty then. */
int pp_pac_parse_answer(const char *s, size_t len, struct pp_pac_answer *a,
                        char *err, size_t errlen);
void pp_pac_answer_free(struct pp_pac_answer *a);
const char *pp_pac_kind_name(enum pp_pac_kind);

enum pp_pac_route {
    PP_PAC_ROUTE_DIRECT,
    PP_PAC_ROUTE_PROXY,
    PP_PAC_ROUTE_NONE    /* only entries pushprobe cannot use (HTTPS, SOCKS) */
};
/* The first entry pushprobe can use, in the answer's order: DIRECT, or an
 * HTTP proxy (PROXY, HTTP) whose URL ("http://host:port", an IPv6 host
 * bracketed) goes to *url (malloc'd; NULL otherwise).  HTTPS proxies (TLS
 * to the proxy itself) and SOCKS are skipped: pushprobe speaks plain
 * HTTP to a proxy. */
enum pp_pac_route pp_pac_first_usable(const struct pp_pac_answer *, char **url);
const char *pp_pac_route_name(enum pp_pac_route);

/* The URL a device gives FindProxyForURL for a connection: "https://host/"
 * (port 443) or "https://host:port/", "http://host/path"; https URLs
 * carry no path (as macOS and browsers strip it).  malloc'd. */
char *pp_pac_query_url(const char *scheme, const char *host, uint16_t port,
                       const char *path);

/* WPAD by DNS (what macOS's "Auto Proxy Discovery" and browsers do
 * without a PAC URL): http://wpad.DOMAIN/wpad.dat for the search domain
 * and each parent down to two labels (corp.example.com:
 * wpad.corp.example.com, then wpad.example.com; never wpad.com).  Up to
 * max URLs into out (malloc'd); returns how many. */
size_t pp_pac_wpad_urls(const char *domain, char **out, size_t max);
#define PP_PAC_WPAD_MAX 8   /* candidate URLs tried, at most */

/* A name the run resolved, and one of its addresses (text). */
struct pp_pac_name {
    const char *name;
    const char *addr;
};

struct pp_pac_env {
    const char *my_ip;               /* myIpAddress(); NULL: 127.0.0.1 */
    const struct pp_pac_name *names; /* dnsResolve()'s table */
    size_t nnames;
    int64_t now_ms;                  /* the date functions' clock; 0: now */
    size_t mem_max;                  /* 0: PP_PAC_MEM_MAX */
    int timeout_ms;                  /* the whole job; 0: PP_PAC_TIMEOUT_MS */
};

struct pp_pac_query {
    const char *url;
    const char *host;
};

/* What a query came to: the script's answer, or why there is none. */
struct pp_pac_out {
    char *answer;
    char *error;
};

/*
 * The child.  start() forks it (the script and the environment are
 * copied into it by fork); fd() is the pipe to watch for POLLIN; read()
 * takes what is there without blocking and returns 1 once the child has
 * closed it, 0 while more may come; finish() kills the child if it still
 * runs, reaps it and fills out[0..n-1].  finish() returns 0 when the
 * script compiled and ran to the end, -1 with err set when it did not
 * (a syntax error, an exception at the top, no FindProxyForURL, over the
 * time or memory budget); queries it did not reach then carry that error.
 */
struct pp_pac_job;
struct pp_pac_job *pp_pac_job_start(const char *script, size_t len,
                                    const struct pp_pac_env *,
                                    const struct pp_pac_query *q, size_t n,
                                    char *err, size_t errlen);
int pp_pac_job_fd(const struct pp_pac_job *);
int pp_pac_job_read(struct pp_pac_job *);
int pp_pac_job_finish(struct pp_pac_job *, struct pp_pac_out *out,
                      char *err, size_t errlen);
/* start(), a poll() on the one pipe until the child is done or the
 * environment's timeout, finish(): for the tests, fuzzers and callers
 * without a loop. */
int pp_pac_eval(const char *script, size_t len, const struct pp_pac_env *,
                const struct pp_pac_query *q, size_t n, struct pp_pac_out *out,
                char *err, size_t errlen);
void pp_pac_out_free(struct pp_pac_out *out, size_t n);

/*
 * What a run's PAC said: one row per (scheme, host, port) of the plan.
 * status is "ok", "pac-unreachable" (the file could not be fetched or
 * read) or "pac-invalid" (it is not a PAC script that runs: a syntax
 * error, an exception, over its budget, no FindProxyForURL); NULL when
 * the run has no PAC.  A row whose query failed, or whose answer does not
 * parse, keeps its error and goes DIRECT, as browsers do when
 * FindProxyForURL fails; a table whose status is not "ok" answers nothing
 * (pp_pac_table_answer()).
 */
struct pp_pac_result {
    char scheme[8];
    char *host;
    uint16_t port;
    bool apple;            /* one of Apple's hosts (the profile's services) */
    char *url;             /* what FindProxyForURL was given */
    char *answer;          /* what it returned, or NULL */
    char *error;           /* why there is no usable answer, or NULL */
    enum pp_pac_route route;
    char *proxy;           /* PP_PAC_ROUTE_PROXY: "http://host:port" */
    struct pp_via *via;    /* the same for pp_proxy_select() (plan/proxy.h) */
};

struct pp_pac_table {
    char *source;          /* the URL or file */
    const char *from;      /* "option" (--pac, pac =) or "system" */
    const char *status;
    char *error;
    struct pp_pac_result *v;
    size_t n;
};

/* Add a row (once per scheme, host and port); returns its index. */
size_t pp_pac_table_add(struct pp_pac_table *, const char *scheme, const char *host,
                        uint16_t port, const char *path, bool apple);
/* The rows' answers from out[0..t->n) (taken: out is left empty). */
void pp_pac_table_settle(struct pp_pac_table *, struct pp_pac_out *out);
/* The row of a check, or NULL (no PAC, or not asked about). */
const struct pp_pac_result *pp_pac_table_find(const struct pp_pac_table *, const char *scheme,
                                              const char *host, uint16_t port);
/* The table as plan/proxy.h's PAC evaluator (pp_proxy_pac_fn; ctx is the
 * table): for a URL "scheme://host:port/" 1 with *via the row's proxy
 * (NULL: DIRECT, also for a failed query or an answer with no entry
 * pushprobe can use), or 0 when the table has no answer (no PAC file, one
 * that could not be fetched or run, a check it was not asked about): then
 * the environment decides. */
int pp_pac_table_answer(void *ctx, const char *url, const char *host,
                        const struct pp_via **via);
/* "PROXY 10.0.0.2:3128", "DIRECT", "no usable proxy (SOCKS)", "error" */
char *pp_pac_result_words(const struct pp_pac_result *);
void pp_pac_table_free(struct pp_pac_table *);

/* Inside the child (pacjs.c): compile and run the script, then answer
 * each query, writing records to fd.  Returns 0, or -1 when the script
 * did not compile or run (a record says why). */
int pp_pac_run_child(const char *script, size_t len, const struct pp_pac_env *,
                     const struct pp_pac_query *q, size_t n, int fd);
/* Whether this build has a JavaScript engine for PAC files. */
bool pp_pac_available(void);

#endif
