/* SPDX-License-Identifier: ISC */
/* Small helpers: clocks, allocation that never returns NULL, strings. */
#ifndef PP_UTIL_H
#define PP_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Milliseconds on the monotonic clock. */
int64_t pp_now_ms(void);
/* Microsecond-resolution monotonic time in milliseconds, as a double. */
double pp_now_msf(void);
/* RFC 3339 UTC timestamp of time t ("2026-11-28T02:24:30Z"). */
void pp_rfc3339(time_t t, char *buf, size_t len);

/* Allocation: on failure these print a message and exit(3). */
void *pp_xmalloc(size_t);
void *pp_xcalloc(size_t, size_t);
void *pp_xrealloc(void *, size_t, size_t);
char *pp_xstrdup(const char *);
char *pp_xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* An error's message into err (truncated to errlen); returns -1, so a
 * parser can `return pp_errf(err, errlen, ...);`. */
int pp_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse a decimal number in [lo, hi]; returns 0 on success, -1 otherwise. */
int pp_parse_long(const char *s, long lo, long hi, long *out);
/* fopen(path, "rb") for a file the user names: it does not wait on a FIFO
 * nobody writes to, and refuses a directory (EISDIR). */
FILE *pp_fopen_read(const char *path);
/* Parse seconds with an optional fraction ("2", "0.5") in (0, hi]. */
int pp_parse_seconds(const char *s, double hi, double *out);

#endif
