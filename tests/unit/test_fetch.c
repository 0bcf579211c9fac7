/* SPDX-License-Identifier: ISC */
/* One HTTP GET on the loop (src/engine/fetch.h), against a server on
 * loopback in the same loop: a body, a chunked body, an HTTP error, a
 * body over the cap, a body cut short, garbage, silence until the
 * deadline, a closed port, a URL it does not fetch.  A watchdog alarm
 * turns a hang into a failure. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/loop.h"
#include "core/util.h"
#include "engine/fetch.h"

struct server {
    struct pp_loop *loop;
    int lfd, cfd;
    const char *reply;     /* NULL: say nothing */
    bool done;
    struct pp_fetch_result res;
};

static void
on_client(int fd, short revents, void *arg)
{
    struct server *s = arg;
    char buf[2048];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);

    (void)revents;
    if (n > 0 && s->reply != NULL && memmem(buf, (size_t)n, "\r\n\r\n", 4) != NULL) {
        assert_int_equal(send(fd, s->reply, strlen(s->reply), 0), (ssize_t)strlen(s->reply));
        shutdown(fd, SHUT_WR);
    }
    if (n <= 0) {
        pp_loop_unwatch(s->loop, fd);
        close(fd);
        s->cfd = -1;
    }
}

static void
on_accept(int fd, short revents, void *arg)
{
    struct server *s = arg;

    (void)revents;
    s->cfd = accept(fd, NULL, NULL);
    if (s->cfd >= 0)
        pp_loop_watch(s->loop, s->cfd, POLLIN, on_client, s);
}

static void
on_fetched(struct pp_fetch_result *r, void *arg)
{
    struct server *s = arg;

    s->res = *r;
    r->body = r->error = NULL;
    s->done = true;
}

/* Fetch from a fresh loopback server that answers reply; the port of a
 * closed socket when closed. */
static struct pp_fetch_result
fetch(const char *reply, bool closed, size_t max, int timeout_ms)
{
    struct server s;
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    struct pp_fetch *f;
    char url[64], err[200];

    memset(&s, 0, sizeof(s));
    s.loop = pp_loop_new();
    s.reply = reply;
    s.cfd = -1;
    s.lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(s.lfd, (struct sockaddr *)&a, &al), 0);
    if (closed) {
        close(s.lfd);
        s.lfd = -1;
    } else {
        assert_int_equal(listen(s.lfd, 4), 0);
        pp_loop_watch(s.loop, s.lfd, POLLIN, on_accept, &s);
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/proxy.pac", (unsigned)ntohs(a.sin_port));
    f = pp_fetch_start(s.loop, NULL, NULL, url, max, timeout_ms, on_fetched, &s, err, sizeof(err));
    if (f == NULL)
        fail_msg("%s", err);
    while (!s.done)
        assert_true(pp_loop_run_once(s.loop, -1) >= 0);
    pp_fetch_free(f);
    if (s.cfd >= 0) {
        pp_loop_unwatch(s.loop, s.cfd);
        close(s.cfd);
    }
    if (s.lfd >= 0) {
        pp_loop_unwatch(s.loop, s.lfd);
        close(s.lfd);
    }
    pp_loop_free(s.loop);
    return s.res;
}

static void
test_cases(void **state)
{
    static const struct {
        const char *reply;
        bool closed;
        size_t max;
        int status;
        const char *body, *error;
        bool too_large;
    } v[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 100, 200, "hello", NULL,
         false},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
         false, 100, 200, "abcde", NULL, false},
        {"HTTP/1.0 200 OK\r\n\r\nuntil close", false, 100, 200, "until close", NULL, false},
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", false, 100, 404, NULL,
         "answered HTTP 404", false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789", false, 10, 200,
         NULL, "over 10 bytes", true},
        {"garbage\r\n\r\n", false, 100, 0, NULL, "not an HTTP response", false},
        {"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nhello", false, 100, 200, NULL,
         "closed in the middle of the response body", false},
        {NULL, false, 100, 0, NULL, "in time", false},
        {NULL, true, 100, 0, NULL, "cannot connect", false},
    };
    size_t i;

    (void)state;
    alarm(30);
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        int64_t t0 = pp_now_ms();
        struct pp_fetch_result r = fetch(v[i].reply, v[i].closed, v[i].max, 300);

        assert_true(pp_now_ms() - t0 < 2000);
        if (r.status != v[i].status || r.too_large != v[i].too_large ||
            (v[i].body == NULL) != (r.body == NULL) ||
            (v[i].body != NULL && strcmp(r.body, v[i].body) != 0) ||
            (v[i].error == NULL) != (r.error == NULL) ||
            (v[i].error != NULL && strstr(r.error, v[i].error) == NULL))
            fail_msg("case %zu: status %d body '%s' error '%s'", i, r.status,
                     r.body ? r.body : "(none)", r.error ? r.error : "(none)");
        pp_fetch_result_free(&r);
    }
    alarm(0);
}

static void
test_refused_urls(void **state)
{
    struct pp_loop *loop = pp_loop_new();
    char err[200];

    (void)state;
    /* https:// wants a TLS context; no context, no https. */
    assert_null(pp_fetch_start(loop, NULL, NULL, "https://127.0.0.1/p.pac", 10, 100, on_fetched,
                               NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "only http:// URLs"));
    assert_null(pp_fetch_start(loop, NULL, NULL, "not a url", 10, 100, on_fetched, NULL, err,
                               sizeof(err)));
    pp_loop_free(loop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_refused_urls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
