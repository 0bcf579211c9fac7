/* SPDX-License-Identifier: ISC */
/* PAC answers, the route they give, and the child that runs the script;
 * see pac.h (why a child and not libproxy) and pacjs.c (the engine). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/url.h"
#include "core/util.h"
#include "plan/pac.h"
#include "plan/proxy.h"

/* ------------------------------------------------------------ answers */

static const struct {
    const char *word;
    enum pp_pac_kind kind;
} pac_words[] = {
    {"DIRECT", PP_PAC_DIRECT}, {"PROXY", PP_PAC_PROXY}, {"HTTP", PP_PAC_PROXY},
    {"HTTPS", PP_PAC_HTTPS},   {"SOCKS", PP_PAC_SOCKS}, {"SOCKS4", PP_PAC_SOCKS4},
    {"SOCKS5", PP_PAC_SOCKS5},
};

const char *
pp_pac_kind_name(enum pp_pac_kind k)
{
    static const char *const names[] = {"DIRECT", "PROXY", "HTTPS", "SOCKS", "SOCKS4",
                                        "SOCKS5"};

    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *
pp_pac_route_name(enum pp_pac_route r)
{
    return r == PP_PAC_ROUTE_DIRECT ? "direct" : r == PP_PAC_ROUTE_PROXY ? "proxy" : "none";
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One entry, s[0..len) trimmed of nothing yet.  Returns 1 for an entry, 0
 * for an empty one (";;"), -1 with err set. */
static int
parse_entry(const char *s, size_t len, struct pp_pac_entry *e, char *err, size_t errlen)
{
    size_t i = 0, w, k;
    char word[8], hp[300];
    uint16_t port = 0;
    char *host = NULL;

    while (i < len && is_space(s[i]))
        i++;
    while (len > i && is_space(s[len - 1]))
        len--;
    if (i == len)
        return 0;
    for (w = i; w < len && !is_space(s[w]); w++)
        ;
    for (k = 0; k < sizeof(pac_words) / sizeof(pac_words[0]); k++)
        if (w - i == strlen(pac_words[k].word) &&
            strncasecmp(s + i, pac_words[k].word, w - i) == 0)
            break;
    if (k == sizeof(pac_words) / sizeof(pac_words[0])) {
        snprintf(word, sizeof(word), "%.*s", (int)(w - i < 7 ? w - i : 7), s + i);
        snprintf(err, errlen, "unknown PAC keyword '%s%s'", word, w - i > 7 ? "..." : "");
        return -1;
    }
    e->kind = pac_words[k].kind;
    e->host = NULL;
    e->port = 0;
    while (w < len && is_space(s[w]))
        w++;
    if (e->kind == PP_PAC_DIRECT) {
        if (w != len) {
            snprintf(err, errlen, "DIRECT takes no host");
            return -1;
        }
        return 1;
    }
    if (w == len || len - w >= sizeof(hp)) {
        snprintf(err, errlen, "%s needs one host:port", pac_words[k].word);
        return -1;
    }
    memcpy(hp, s + w, len - w);
    hp[len - w] = '\0';
    if (strpbrk(hp, " \t") != NULL || pp_hostport_parse(hp, &host, &port, err, errlen) < 0 ||
        port == 0 || !pp_host_valid(host)) {
        free(host);
        snprintf(err, errlen, "%s needs one host:port, not '%.60s'", pac_words[k].word, hp);
        return -1;
    }
    e->host = host;
    e->port = port;
    return 1;
}

int
pp_pac_parse_answer(const char *s, size_t len, struct pp_pac_answer *a, char *err,
                    size_t errlen)
{
    size_t i = 0;

    a->v = NULL;
    a->n = 0;
    if (s == NULL)
        len = 0;
    if (memchr(s == NULL ? "" : s, '\0', len) != NULL) {
        snprintf(err, errlen, "a NUL byte in the answer");
        return -1;
    }
    while (i <= len) {
        const char *semi = len > i ? memchr(s + i, ';', len - i) : NULL;
        size_t end = semi != NULL ? (size_t)(semi - s) : len;
        struct pp_pac_entry e;
        int rc = len > i ? parse_entry(s + i, end - i, &e, err, errlen) : 0;

        if (rc < 0 || (rc > 0 && a->n == PP_PAC_ENTRIES_MAX)) {
            if (rc > 0) {
                free(e.host);
                snprintf(err, errlen, "more than %d entries", PP_PAC_ENTRIES_MAX);
            }
            pp_pac_answer_free(a);
            return -1;
        }
        if (rc > 0) {
            a->v = pp_xrealloc(a->v, a->n + 1, sizeof(*a->v));
            a->v[a->n++] = e;
        }
        i = end + 1;
    }
    if (a->n == 0) {
        a->v = pp_xcalloc(1, sizeof(*a->v));
        a->v[0].kind = PP_PAC_DIRECT;
        a->n = 1;
    }
    return 0;
}

void
pp_pac_answer_free(struct pp_pac_answer *a)
{
    size_t i;

    for (i = 0; i < a->n; i++)
        free(a->v[i].host);
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

enum pp_pac_route
pp_pac_first_usable(const struct pp_pac_answer *a, char **url)
{
    size_t i;

    *url = NULL;
    for (i = 0; i < a->n; i++) {
        const struct pp_pac_entry *e = &a->v[i];
        bool v6 = e->host != NULL && strchr(e->host, ':') != NULL;

        if (e->kind == PP_PAC_DIRECT)
            return PP_PAC_ROUTE_DIRECT;
        if (e->kind != PP_PAC_PROXY)
            continue;
        *url = pp_xasprintf("http://%s%s%s:%u", v6 ? "[" : "", e->host, v6 ? "]" : "",
                            (unsigned)e->port);
        return PP_PAC_ROUTE_PROXY;
    }
    return PP_PAC_ROUTE_NONE;
}

char *
pp_pac_query_url(const char *scheme, const char *host, uint16_t port, const char *path)
{
    bool https = strcmp(scheme, "https") == 0;
    bool v6 = strchr(host, ':') != NULL;
    unsigned deflt = https ? 443 : strcmp(scheme, "http") == 0 ? 80 : 0;
    char portbuf[8] = "";

    if (port != 0 && port != deflt)
        snprintf(portbuf, sizeof(portbuf), ":%u", (unsigned)port);
    if (https || path == NULL || path[0] != '/')
        path = "/";
    return pp_xasprintf("%s://%s%s%s%s%s", scheme, v6 ? "[" : "", host, v6 ? "]" : "",
                        portbuf, path);
}

size_t
pp_pac_wpad_urls(const char *domain, char **out, size_t max)
{
    const char *d = domain;
    size_t n = 0;

    while (d != NULL && *d != '\0' && n < max) {
        const char *dot = strchr(d, '.');

        /* Two labels at least: "example.com" yes, "com" no. */
        if (dot == NULL || dot[1] == '\0')
            break;
        out[n++] = pp_xasprintf("http://wpad.%s/wpad.dat", d);
        d = dot + 1;
    }
    return n;
}

/* ------------------------------------------------------------ the table */

size_t
pp_pac_table_add(struct pp_pac_table *t, const char *scheme, const char *host, uint16_t port,
                 const char *path, bool apple)
{
    struct pp_pac_result *r;
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->v[i].scheme, scheme) == 0 && strcasecmp(t->v[i].host, host) == 0 &&
            t->v[i].port == port) {
            t->v[i].apple = t->v[i].apple || apple;
            return i;
        }
    t->v = pp_xrealloc(t->v, t->n + 1, sizeof(*t->v));
    r = &t->v[t->n];
    memset(r, 0, sizeof(*r));
    snprintf(r->scheme, sizeof(r->scheme), "%s", scheme);
    r->host = pp_xstrdup(host);
    r->port = port;
    r->apple = apple;
    r->url = pp_pac_query_url(scheme, host, port, path);
    r->route = PP_PAC_ROUTE_DIRECT;
    return t->n++;
}

void
pp_pac_table_settle(struct pp_pac_table *t, struct pp_pac_out *out)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        struct pp_pac_result *r = &t->v[i];
        struct pp_pac_answer a;
        char err[200];

        r->answer = out[i].answer;
        r->error = out[i].error;
        out[i].answer = out[i].error = NULL;
        r->route = PP_PAC_ROUTE_DIRECT;
        if (r->answer == NULL)
            continue;
        if (pp_pac_parse_answer(r->answer, strlen(r->answer), &a, err, sizeof(err)) < 0) {
            r->error = pp_xasprintf("the answer does not parse: %s", err);
            continue;
        }
        r->route = pp_pac_first_usable(&a, &r->proxy);
        pp_pac_answer_free(&a);
        if (r->proxy != NULL && pp_via_parse(r->proxy, false, &r->via, err, sizeof(err)) < 0) {
            r->error = pp_xasprintf("the proxy %s: %s", r->proxy, err);
            r->route = PP_PAC_ROUTE_DIRECT;
        }
    }
}

const struct pp_pac_result *
pp_pac_table_find(const struct pp_pac_table *t, const char *scheme, const char *host,
                  uint16_t port)
{
    size_t i;

    for (i = 0; t != NULL && i < t->n; i++)
        if (strcmp(t->v[i].scheme, scheme) == 0 && strcasecmp(t->v[i].host, host) == 0 &&
            t->v[i].port == port)
            return &t->v[i];
    return NULL;
}

int
pp_pac_table_answer(void *ctx, const char *url, const char *host, const struct pp_via **via)
{
    const struct pp_pac_table *t = ctx;
    const struct pp_pac_result *r;
    struct pp_url u;
    char err[200];

    *via = NULL;
    (void)host;
    if (t == NULL || t->status == NULL || strcmp(t->status, "ok") != 0 ||
        pp_url_parse(url, &u, err, sizeof(err)) < 0)
        return 0;
    r = pp_pac_table_find(t, u.scheme, u.host,
                          u.port != 0 ? u.port : strcmp(u.scheme, "https") == 0 ? 443 : 80);
    pp_url_free(&u);
    if (r == NULL)
        return 0;
    *via = r->via;
    return 1;
}

char *
pp_pac_result_words(const struct pp_pac_result *r)
{
    if (r->error != NULL)
        return pp_xstrdup("error");
    if (r->route == PP_PAC_ROUTE_NONE)
        return pp_xstrdup("no proxy pushprobe can use (HTTPS, SOCKS)");
    if (r->route == PP_PAC_ROUTE_DIRECT)
        return pp_xstrdup("DIRECT");
    return pp_xasprintf("PROXY %s", r->proxy + strlen("http://"));
}

void
pp_pac_table_free(struct pp_pac_table *t)
{
    size_t i;

    for (i = 0; i < t->n; i++) {
        free(t->v[i].host);
        free(t->v[i].url);
        free(t->v[i].answer);
        free(t->v[i].error);
        free(t->v[i].proxy);
        pp_via_free(t->v[i].via);
    }
    free(t->v);
    free(t->source);
    free(t->error);
    memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------ the child */

struct pp_pac_job {
    pid_t pid;
    int fd;
    size_t nq;
    int timeout_ms;
    char *buf;
    size_t len, cap;
    bool eof, overflow;
};

/* What the child writes: per query an answer or an error, after one record
 * for the script; the cap is what that many records can take. */
static size_t
job_cap(size_t n)
{
    return 512 + n * (PP_PAC_ANSWER_MAX + 512);
}

/* In the child, as root: the script runs as nobody.  Returns 0, or -1
 * when root could not be dropped (then it does not run). */
static int
child_unroot(void)
{
    struct passwd *pw;

    if (geteuid() != 0 && getuid() != 0)
        return 0;
    pw = getpwnam("nobody");
    if (pw == NULL || pw->pw_uid == 0)
        return -1;
    if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
        return -1;
    return setuid(0) == 0 ? -1 : 0;
}

/* In the child: the limits, then the script.  Never returns. */
static void __attribute__((noreturn))
child_main(const char *script, size_t len, const struct pp_pac_env *env,
           const struct pp_pac_query *q, size_t n, int fd)
{
    struct itimerval it;
    struct rlimit rl;
    int ms = env->timeout_ms > 0 ? env->timeout_ms : PP_PAC_TIMEOUT_MS;

    signal(SIGALRM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    memset(&it, 0, sizeof(it));
    it.it_value.tv_sec = ms / 1000;
    it.it_value.tv_usec = (ms % 1000) * 1000;
    (void)setitimer(ITIMER_REAL, &it, NULL);
    rl.rlim_cur = rl.rlim_max = (rlim_t)(ms / 1000 + 2);
    (void)setrlimit(RLIMIT_CPU, &rl);
    if (child_unroot() < 0) {
        static const char msg[] = "Ecannot drop root for the PAC script";
        unsigned char h[5] = {'E', 0, 0, 0, (unsigned char)(sizeof(msg) - 2)};

        if (write(fd, h, 5) == 5 && write(fd, msg + 1, sizeof(msg) - 2) < 0)
            _exit(2);
        _exit(2);
    }
    _exit(pp_pac_run_child(script, len, env, q, n, fd) == 0 ? 0 : 2);
}

struct pp_pac_job *
pp_pac_job_start(const char *script, size_t len, const struct pp_pac_env *env,
                 const struct pp_pac_query *q, size_t n, char *err, size_t errlen)
{
    struct pp_pac_job *j;
    int p[2];

    if (!pp_pac_available()) {
        snprintf(err, errlen, "built without PAC support (duktape)");
        return NULL;
    }
    if (len > PP_PAC_SCRIPT_MAX) {
        snprintf(err, errlen, "the PAC script has %zu bytes, over the limit of %d", len,
                 PP_PAC_SCRIPT_MAX);
        return NULL;
    }
    if (pipe(p) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return NULL;
    }
    fflush(NULL);
    j = pp_xcalloc(1, sizeof(*j));
    j->pid = fork();
    if (j->pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        free(j);
        return NULL;
    }
    if (j->pid == 0) {
        close(p[0]);
        child_main(script, len, env, q, n, p[1]);
    }
    close(p[1]);
    (void)fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
    (void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
    j->fd = p[0];
    j->nq = n;
    j->timeout_ms = env->timeout_ms > 0 ? env->timeout_ms : PP_PAC_TIMEOUT_MS;
    j->cap = job_cap(n);
    j->buf = pp_xmalloc(j->cap);
    return j;
}

int
pp_pac_job_fd(const struct pp_pac_job *j)
{
    return j->fd;
}

int
pp_pac_job_read(struct pp_pac_job *j)
{
    while (!j->eof) {
        char tmp[4096];
        ssize_t r = read(j->fd, tmp, sizeof(tmp));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (r <= 0) {
            j->eof = true;
            break;
        }
        if ((size_t)r > j->cap - j->len) {
            /* More than the records can be: the child is not ours to trust. */
            j->overflow = true;
            j->eof = true;
            break;
        }
        memcpy(j->buf + j->len, tmp, (size_t)r);
        j->len += (size_t)r;
    }
    return 1;
}

/* The child's end: how it ended, as a sentence when it did not exit 0. */
static int
job_reap(struct pp_pac_job *j, char *why, size_t whylen)
{
    int status = 0;
    pid_t r;

    /* After the end of the pipe the child is on its way out (it closes
     * the pipe only by exiting): wait for it.  Before, it is over time. */
    if (j->eof)
        while ((r = waitpid(j->pid, &status, 0)) < 0 && errno == EINTR)
            ;
    else
        r = 0;
    if (r == 0) {
        kill(j->pid, SIGKILL);
        while ((r = waitpid(j->pid, &status, 0)) < 0 && errno == EINTR)
            ;
        snprintf(why, whylen, "the PAC script ran over its time budget (%d ms)", j->timeout_ms);
        return -1;
    }
    if (r < 0) {
        snprintf(why, whylen, "the PAC child: %s", strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM || sig == SIGXCPU || sig == SIGKILL)
            snprintf(why, whylen, "the PAC script ran over its time budget (%d ms)",
                     j->timeout_ms);
        else
            snprintf(why, whylen, "the PAC engine died (signal %d)", sig);
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
        snprintf(why, whylen, "the PAC engine stopped (out of memory or a fatal error)");
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* One record: a type byte, a 4-byte length (big-endian), the text. */
static int
next_record(const struct pp_pac_job *j, size_t *at, char *type, char **text)
{
    uint32_t n;

    if (j->len - *at < 5)
        return -1;
    *type = j->buf[*at];
    n = (uint32_t)(unsigned char)j->buf[*at + 1] << 24 |
        (uint32_t)(unsigned char)j->buf[*at + 2] << 16 |
        (uint32_t)(unsigned char)j->buf[*at + 3] << 8 | (unsigned char)j->buf[*at + 4];
    if (n > j->len - *at - 5)
        return -1;
    *text = pp_xmalloc((size_t)n + 1);
    memcpy(*text, j->buf + *at + 5, n);
    (*text)[n] = '\0';
    *at += 5 + (size_t)n;
    return 0;
}

int
pp_pac_job_finish(struct pp_pac_job *j, struct pp_pac_out *out, char *err, size_t errlen)
{
    char why[200] = "", type, *text, *script_err = NULL;
    size_t at = 0, k = 0, i;
    int ended = job_reap(j, why, sizeof(why));
    bool script_ok = false;

    memset(out, 0, j->nq * sizeof(*out));
    if (!j->overflow && next_record(j, &at, &type, &text) == 0) {
        script_ok = type == 'C';
        if (type == 'E')
            script_err = text;
        else
            free(text);
        while (script_ok && k < j->nq && next_record(j, &at, &type, &text) == 0) {
            if (type == 'A')
                out[k].answer = text;
            else
                out[k].error = text;
            k++;
        }
    }
    if (j->overflow)
        snprintf(why, sizeof(why), "the PAC engine wrote more than its answers can be");
    if (script_err != NULL)
        snprintf(why, sizeof(why), "%s", script_err);
    else if (why[0] == '\0' && (!script_ok || k < j->nq || ended != 0))
        snprintf(why, sizeof(why), "the PAC engine ended before its answers");
    for (i = k; i < j->nq; i++)
        out[i].error = pp_xstrdup(why);
    free(script_err);
    close(j->fd);
    free(j->buf);
    free(j);
    if (!script_ok || k < i || ended != 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    return 0;
}

int
pp_pac_eval(const char *script, size_t len, const struct pp_pac_env *env,
            const struct pp_pac_query *q, size_t n, struct pp_pac_out *out, char *err,
            size_t errlen)
{
    struct pp_pac_job *j = pp_pac_job_start(script, len, env, q, n, err, errlen);
    int ms = env->timeout_ms > 0 ? env->timeout_ms : PP_PAC_TIMEOUT_MS;
    int64_t end;

    if (j == NULL) {
        size_t i;

        for (i = 0; i < n; i++) {
            out[i].answer = NULL;
            out[i].error = pp_xstrdup(err);
        }
        return -1;
    }
    end = pp_now_ms() + ms;
    while (pp_pac_job_read(j) == 0) {
        struct pollfd pfd = {.fd = pp_pac_job_fd(j), .events = POLLIN};
        int64_t left = end - pp_now_ms();

        if (left <= 0 || (poll(&pfd, 1, (int)left) < 0 && errno != EINTR))
            break;
    }
    return pp_pac_job_finish(j, out, err, errlen);
}

void
pp_pac_out_free(struct pp_pac_out *out, size_t n)
{
    size_t i;

    for (i = 0; out != NULL && i < n; i++) {
        free(out[i].answer);
        free(out[i].error);
        out[i].answer = out[i].error = NULL;
    }
}
