/* SPDX-License-Identifier: ISC */
/*
 * -v and -vv: every check's steps (engine/step.h) written to standard
 * error as they happen, one line each, masked with --redact.  Room: app.
 */
#ifndef PP_VERBOSE_H
#define PP_VERBOSE_H

#include <stdio.h>

struct pp_app;
struct pp_verbose;

/* Set the engine's step callback when -v was given (and turn the
 * progress line off: the steps take standard error).  With --redact the
 * masks start from this machine and the plan's company targets and grow
 * with what each check shows.  Returns NULL when -v was not given. */
struct pp_verbose *pp_verbose_start(struct pp_app *, FILE *out);
void pp_verbose_free(struct pp_verbose *);

#endif
