/* SPDX-License-Identifier: ISC */
/* Small helpers: clocks, allocation that never returns NULL, strings. */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pushprobe.h"
#include "core/util.h"

int64_t
pp_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
pp_now_msf(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void
pp_rfc3339(time_t t, char *buf, size_t len)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
oom(void)
{
    fputs("pushprobe: out of memory\n", stderr);
    exit(PP_EXIT_INTERNAL);
}

void *
pp_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom();
    return p;
}

void *
pp_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);

    if (p == NULL)
        oom();
    return p;
}

void *
pp_xrealloc(void *p, size_t n, size_t sz)
{
    if (sz != 0 && n > SIZE_MAX / sz)
        oom();
    p = realloc(p, (n * sz) != 0 ? n * sz : 1);
    if (p == NULL)
        oom();
    return p;
}

char *
pp_xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        oom();
    return p;
}

int
pp_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

char *
pp_xasprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    p = pp_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int
pp_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int
pp_parse_seconds(const char *s, double hi, double *out)
{
    char *end;
    double v;

    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !(v > 0.0) || v > hi)
        return -1;
    *out = v;
    return 0;
}

FILE *
pp_fopen_read(const char *path)
{
    /* Opened without waiting, then back to blocking reads: a writer's
     * data, or at once the end of the file. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fl, e;
    struct stat st;
    FILE *f;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return NULL;
    }
    if ((fl = fcntl(fd, F_GETFL)) >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    if ((f = fdopen(fd, "rb")) == NULL) {
        e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
