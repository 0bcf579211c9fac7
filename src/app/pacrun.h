/* SPDX-License-Identifier: ISC */
/*
 * The run's PAC file, before the checks: --pac (a file read with a size
 * cap, or an http:// URL fetched on a loop of its own with a deadline), or
 * else the system's PAC URL (macOS ProxyAutoConfigURLString, as the
 * context reads it).  The plan's names are resolved on the same loop (the
 * table dnsResolve() reads), then the script runs in its child for each
 * (scheme, host, port) of the plan.  Everything has one deadline; nothing
 * blocks.  Room: app.
 */
#ifndef PP_PACRUN_H
#define PP_PACRUN_H

#include "app/settings.h"
#include "diagnose/context.h"
#include "plan/pac.h"
#include "plan/plan.h"

/* Fill *t (cleared first).  No PAC at all: t->status stays NULL.  A PAC
 * that cannot be had or run: t->status says which, t->error why, every
 * row carries the error, and pp_pac_table_answer() answers nothing (the
 * environment's proxies decide). */
void pp_app_pac_load(const struct pp_settings *, const struct pp_plan *, struct pp_pac_table *t);
/* The table as the context's PAC section (NULL when no PAC). */
struct pp_context_pac *pp_app_pac_context(const struct pp_pac_table *t);

#endif
