/* SPDX-License-Identifier: ISC */
/* The run's PAC file before the checks; see pacrun.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "app/pacrun.h"
#include "core/loop.h"
#include "core/url.h"
#include "core/util.h"
#include "engine/dns.h"
#include "engine/fetch.h"
#include "engine/tlscore.h"
#include "plan/proxy.h"

struct pac_load {
    struct pp_loop *loop;
    struct pp_dns *dns;
    struct pp_fetch *fetch;
    struct pp_tls_ctx *tls;  /* an https:// PAC URL */
    char *script;
    size_t len;
    bool fetching;
    const char *fail_status;
    char *fail_error;
    size_t dns_pending;
    struct pp_pac_name *names;
    size_t nnames;
    struct pp_pac_job *job;
    bool job_done;
    struct pp_timer deadline;
    bool expired;
};

struct name_ask {
    struct pac_load *l;
    char *host;
};

static void
fail(struct pac_load *l, const char *status, const char *why)
{
    if (l->fail_status != NULL)
        return;
    l->fail_status = status;
    l->fail_error = pp_xstrdup(why);
}

static void
on_name(const struct pp_dns_answer *a, void *arg)
{
    struct name_ask *q = arg;
    struct pac_load *l = q->l;
    size_t i;

    for (i = 0; i < a->naddr; i++) {
        char buf[INET6_ADDRSTRLEN];
        const void *p = a->addr[i].ss_family == AF_INET6
                            ? (const void *)&((const struct sockaddr_in6 *)&a->addr[i])->sin6_addr
                            : (const void *)&((const struct sockaddr_in *)&a->addr[i])->sin_addr;

        if (inet_ntop(a->addr[i].ss_family, p, buf, sizeof(buf)) == NULL)
            continue;
        l->names = pp_xrealloc(l->names, l->nnames + 1, sizeof(*l->names));
        l->names[l->nnames].name = pp_xstrdup(q->host);
        l->names[l->nnames].addr = pp_xstrdup(buf);
        l->nnames++;
    }
    l->dns_pending--;
    free(q->host);
    free(q);
}

static void
on_fetched(struct pp_fetch_result *r, void *arg)
{
    struct pac_load *l = arg;

    l->fetching = false;
    if (r->error != NULL) {
        fail(l, r->too_large ? "pac-invalid" : "pac-unreachable", r->error);
        return;
    }
    l->script = r->body;
    l->len = r->len;
    r->body = NULL;
}

static void
on_deadline(void *arg)
{
    ((struct pac_load *)arg)->expired = true;
}

/* A file, at most PP_PAC_SCRIPT_MAX bytes. */
static void
read_file(struct pac_load *l, const char *path)
{
    FILE *f = fopen(path, "rb");
    char msg[600];
    size_t n;

    if (f == NULL) {
        snprintf(msg, sizeof(msg), "cannot read %s: %s", path, strerror(errno));
        fail(l, "pac-unreachable", msg);
        return;
    }
    l->script = pp_xmalloc(PP_PAC_SCRIPT_MAX + 2);
    n = fread(l->script, 1, PP_PAC_SCRIPT_MAX + 1, f);
    if (ferror(f)) {
        snprintf(msg, sizeof(msg), "cannot read %s: %s", path, strerror(errno));
        fail(l, "pac-unreachable", msg);
    } else if (n > PP_PAC_SCRIPT_MAX) {
        snprintf(msg, sizeof(msg), "%s is over %d bytes", path, PP_PAC_SCRIPT_MAX);
        fail(l, "pac-invalid", msg);
    }
    fclose(f);
    l->script[n] = '\0';
    l->len = n;
}

/* WPAD's candidate URLs (plan/pac.h). */
struct wpad {
    bool on;
    char *url[PP_PAC_WPAD_MAX];
    size_t n;
};

/* The PAC to use: --pac (wpad: discovered), else the system's URL, else
 * WPAD when macOS's Auto Proxy Discovery is on; and myIpAddress(). */
static char *
pick_source(const struct pp_settings *st, const char **from, char **my_ip, struct wpad *w)
{
    struct pp_context cx;
    char *src = NULL;
    size_t i;
    bool discover = false;

    pp_context_collect(&cx);
    for (i = 0; i < cx.nlocal && *my_ip == NULL; i++)
        if (pp_host_literal(cx.local_addrs[i]) == 4)
            *my_ip = pp_xstrdup(cx.local_addrs[i]);
    if (st->pac != NULL) {
        src = pp_xstrdup(st->pac);
        *from = "option";
        discover = strcasecmp(st->pac, "wpad") == 0;
    }
    for (i = 0; src == NULL && i < cx.nproxies; i++)
        if (strcmp(cx.proxies[i].name, "system_pac_url") == 0) {
            src = pp_xstrdup(cx.proxies[i].value);
            *from = "system";
        }
    /* macOS's Auto Proxy Discovery, when no PAC URL is set. */
    for (i = 0; src == NULL && i < cx.nproxies; i++)
        if (strcmp(cx.proxies[i].name, "system_auto_discovery") == 0) {
            src = pp_xstrdup("wpad");
            *from = "system";
            discover = true;
        }
    if (discover && cx.nsearch > 0)
        w->n = pp_pac_wpad_urls(cx.search[0], w->url, PP_PAC_WPAD_MAX);
    w->on = discover;
    pp_context_free(&cx);
    return src;
}

/* The plan's (scheme, host, port) rows and their names' lookups. */
static void
add_rows(struct pac_load *l, const struct pp_plan *plan, struct pp_pac_table *t)
{
    size_t k, before;

    for (k = 0; k < plan->n; k++) {
        const struct pp_target *tg = plan->t[k];
        enum pp_service sv = tg->service;
        bool apple = sv != PP_SV_MDM && sv != PP_SV_SUS && sv != PP_SV_DP && sv != PP_SV_SMB &&
                     sv != PP_SV_AFP && sv != PP_SV_CUSTOM;
        /* The scheme pp_plan_add_proxied() asks pp_proxy_select() about;
         * the courier's 5223 (not sent through a proxy) is asked too, for
         * the context. */
        const char *scheme = tg->tls || tg->port == 443 ? "https" : "http";
        int fam;

        if (!pp_proxy_eligible(tg) && !tg->tls)
            continue;
        before = t->n;
        pp_pac_table_add(t, scheme, tg->host, tg->port, tg->path, apple);
        if (t->n == before || pp_host_literal(tg->host) != 0)
            continue;
        for (fam = 0; fam < 2 && l->dns != NULL; fam++) {
            struct name_ask *q = pp_xmalloc(sizeof(*q));
            size_t j;

            /* One lookup per name (a host may be on several rows). */
            for (j = 0; j + 1 < t->n && strcasecmp(t->v[j].host, tg->host) != 0; j++)
                ;
            if (j + 1 < t->n) {
                free(q);
                break;
            }
            q->l = l;
            q->host = pp_xstrdup(tg->host);
            l->dns_pending++;
            pp_dns_lookup(l->dns, tg->host, fam == 0 ? AF_INET : AF_INET6, on_name, q);
        }
    }
}

static void
on_job(int fd, short revents, void *arg)
{
    struct pac_load *l = arg;

    (void)revents;
    if (pp_pac_job_read(l->job) == 1) {
        pp_loop_unwatch(l->loop, fd);
        l->job_done = true;
    }
}

/* The script in its child, on the loop, until done or the deadline. */
static void
run_script(struct pac_load *l, struct pp_pac_table *t, const char *my_ip)
{
    struct pp_pac_env env = {.my_ip = my_ip, .names = l->names, .nnames = l->nnames};
    struct pp_pac_query *q = pp_xcalloc(t->n + 1, sizeof(*q));
    struct pp_pac_out *out = pp_xcalloc(t->n + 1, sizeof(*out));
    char err[300];
    size_t i;

    for (i = 0; i < t->n; i++) {
        q[i].url = t->v[i].url;
        q[i].host = t->v[i].host;
    }
    l->job = pp_pac_job_start(l->script, l->len, &env, q, t->n, err, sizeof(err));
    if (l->job == NULL) {
        fail(l, "pac-invalid", err);
    } else {
        l->expired = false;
        pp_loop_timer(l->loop, &l->deadline, pp_now_ms() + PP_PAC_TIMEOUT_MS + 500);
        pp_loop_watch(l->loop, pp_pac_job_fd(l->job), POLLIN, on_job, l);
        while (!l->job_done && !l->expired)
            if (pp_loop_run_once(l->loop, -1) < 0)
                break;
        if (!l->job_done)
            pp_loop_unwatch(l->loop, pp_pac_job_fd(l->job));
        if (pp_pac_job_finish(l->job, out, err, sizeof(err)) < 0)
            fail(l, "pac-invalid", err);
        pp_pac_table_settle(t, out);
    }
    pp_pac_out_free(out, t->n);
    free(out);
    free(q);
}

/* Start reading src: a fetch (http, https) or a file, read now. */
static void
start_source(struct pac_load *l, const struct pp_settings *st, const char *src, int ms)
{
    char err[600];
    bool https = strncasecmp(src, "https://", 8) == 0;

    if (https && l->tls == NULL &&
        (l->tls = pp_tls_ctx_new(st->ca_file, st->apple_ca, err, sizeof(err))) == NULL) {
        fail(l, "pac-unreachable", err);
    } else if (https || strncasecmp(src, "http://", 7) == 0) {
        l->fetch = pp_fetch_start(l->loop, st->resolver, l->tls, src, PP_PAC_SCRIPT_MAX, ms,
                                  on_fetched, l, err, sizeof(err));
        if (l->fetch == NULL)
            fail(l, "pac-unreachable", err);
        l->fetching = l->fetch != NULL;
    } else if (strncmp(src, "file://", 7) == 0) {
        read_file(l, src + 7);
    } else if (strstr(src, "://") != NULL) {
        snprintf(err, sizeof(err), "only http:// and https:// PAC URLs are fetched, not %.40s",
                 src);
        fail(l, "pac-unreachable", err);
    } else {
        read_file(l, src);
    }
}

/* Turn the loop until the fetch and the names are in, or time is up. */
static void
wait_source(struct pac_load *l)
{
    while ((l->fetching || l->dns_pending > 0) && !l->expired)
        if (pp_loop_run_once(l->loop, -1) < 0)
            break;
}

/* WPAD: each candidate in turn, within the one deadline; the first that
 * gives a file is the PAC (*found: its URL).  When none does, the error
 * names what was tried and why the last one failed. */
static void
gather_wpad(struct pac_load *l, const struct pp_settings *st, const struct wpad *w, int ms,
            const char **found)
{
    char tried[900] = "", last[300] = "";
    size_t i;

    if (w->n == 0) {
        fail(l, "pac-unreachable", "WPAD: no search domain (resolv.conf) to look for "
             "wpad.DOMAIN in");
        return;
    }
    for (i = 0; i < w->n && !l->expired && l->script == NULL; i++) {
        start_source(l, st, w->url[i], ms);
        while (l->fetching && !l->expired)
            if (pp_loop_run_once(l->loop, -1) < 0)
                break;
        pp_fetch_free(l->fetch);
        l->fetch = NULL;
        if (l->script != NULL) {
            *found = w->url[i];
            break;
        }
        snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s",
                 tried[0] ? ", " : "", w->url[i]);
        snprintf(last, sizeof(last), "%s", l->fetching ? "no answer in time"
                 : l->fail_error != NULL ? l->fail_error : "not fetched");
        l->fetching = false;
        l->fail_status = NULL;
        free(l->fail_error);
        l->fail_error = NULL;
    }
    if (l->script == NULL) {
        char msg[1300];

        snprintf(msg, sizeof(msg), "WPAD: no PAC file at %s (%s)", tried[0] ? tried : "-",
                 last[0] ? last : "no time left");
        fail(l, "pac-unreachable", msg);
    }
}

static void
gather(struct pac_load *l, const struct pp_settings *st, const char *src,
       const struct wpad *w, int ms, const char **found)
{
    pp_loop_timer(l->loop, &l->deadline, pp_now_ms() + ms);
    if (w != NULL)
        gather_wpad(l, st, w, ms, found);
    else
        start_source(l, st, src, ms);
    wait_source(l);
    if (l->fetching)
        fail(l, "pac-unreachable", "the PAC file did not come in time");
}

void
pp_app_pac_load(const struct pp_settings *st, const struct pp_plan *plan, struct pp_pac_table *t)
{
    struct pac_load l;
    struct wpad w;
    char err[300], *my_ip = NULL, *src;
    const char *from = NULL, *found = NULL;
    int ms = st->o.timeout_s > 0 ? (int)(st->o.timeout_s * 1000) : 5000;
    size_t i;

    memset(t, 0, sizeof(*t));
    memset(&w, 0, sizeof(w));
    src = pick_source(st, &from, &my_ip, &w);
    if (src == NULL) {
        free(my_ip);
        return;
    }
    memset(&l, 0, sizeof(l));
    t->source = src;
    t->from = from;
    l.loop = pp_loop_new();
    pp_timer_init(&l.deadline, on_deadline, &l);
    l.dns = pp_dns_new(l.loop, st->resolver, ms, err, sizeof(err));
    add_rows(&l, plan, t);
    gather(&l, st, src, w.on ? &w : NULL, ms, &found);
    if (found != NULL) {
        /* Discovered: the source is the URL that answered. */
        free(t->source);
        t->source = pp_xstrdup(found);
    }
    for (i = 0; i < w.n; i++)
        free(w.url[i]);
    if (l.fail_status == NULL && t->n > 0)
        run_script(&l, t, my_ip);
    t->status = l.fail_status != NULL ? l.fail_status : "ok";
    t->error = l.fail_error;
    for (i = 0; i < t->n; i++)
        if (t->v[i].answer == NULL && t->v[i].error == NULL)
            t->v[i].error = pp_xstrdup(t->error != NULL ? t->error : "not evaluated");
    pp_loop_cancel(l.loop, &l.deadline);
    pp_fetch_free(l.fetch);
    pp_tls_ctx_free(l.tls);
    pp_dns_free(l.dns);
    pp_loop_free(l.loop);
    for (i = 0; i < l.nnames; i++) {
        free((char *)l.names[i].name);
        free((char *)l.names[i].addr);
    }
    free(l.names);
    free(l.script);
    free(my_ip);
}

/* What the rows of one kind (Apple's or not) say: one phrase, or NULL. */
static char *
group_words(const struct pp_pac_table *t, bool apple)
{
    char *words[16], *out = NULL;
    size_t count[16], nw = 0, i, k;

    for (i = 0; i < t->n; i++) {
        char *w;

        if (t->v[i].apple != apple)
            continue;
        w = pp_pac_result_words(&t->v[i]);
        for (k = 0; k < nw && strcmp(words[k], w) != 0; k++)
            ;
        if (k < nw || nw == 16) {
            count[k < nw ? k : 15]++;
            free(w);
            continue;
        }
        words[nw] = w;
        count[nw++] = 1;
    }
    if (nw == 1)
        return words[0];
    for (k = 0; k < nw; k++) {
        char *prev = out;
        out = pp_xasprintf("%s%s%s (%zu)", prev ? prev : "mixed: ", prev ? ", " : "", words[k],
                           count[k]);
        free(prev);
        free(words[k]);
    }
    return out;
}

struct pp_context_pac *
pp_app_pac_context(const struct pp_pac_table *t)
{
    struct pp_context_pac *p;
    bool answered = false;
    size_t i;

    if (t->status == NULL)
        return NULL;
    p = pp_xcalloc(1, sizeof(*p));
    p->source = pp_xstrdup(t->source);
    p->from = pp_xstrdup(t->from);
    p->status = pp_xstrdup(t->status);
    p->error = t->error != NULL ? pp_xstrdup(t->error) : NULL;
    p->apple = group_words(t, true);
    p->other = group_words(t, false);
    p->answers = pp_xcalloc(t->n + 1, sizeof(*p->answers));
    for (i = 0; i < t->n; i++) {
        const struct pp_pac_result *r = &t->v[i];

        p->answers[i].name = pp_xstrdup(r->url);
        if (r->answer == NULL)
            p->answers[i].value = pp_xasprintf("error: %s", r->error);
        else if (r->error != NULL)
            p->answers[i].value = pp_xasprintf("%s (error: %s)", r->answer, r->error);
        else
            p->answers[i].value = pp_xstrdup(r->answer);
        answered = answered || r->answer != NULL;
    }
    p->nanswers = t->n;
    if (!answered) {
        /* Nothing ran: the error says it all. */
        free(p->apple);
        free(p->other);
        p->apple = p->other = NULL;
    }
    return p;
}
