/* SPDX-License-Identifier: ISC */
/*
 * The HTTP exchange that HTTP-based probes share (http, dp, mdm, sus,
 * captive): send one request over the check's connection (plain or TLS),
 * read the response through src/engine/http.c, then call the probe's judge.
 */
#ifndef PP_HTTPX_H
#define PP_HTTPX_H

#include "engine/check.h"
#include "engine/http.h"
#include "probes/probe.h"

/* Decide the check's result from a complete (or cut-off) response. */
typedef void (*pp_httpx_judge)(struct pp_check *, struct pp_http_resp *);

/* Queue the request and keep up to body_keep bytes of the body.  With
 * headers_only the judge runs as soon as the headers are in. */
enum pp_probe_rc pp_httpx_start(struct pp_check *, const char *method, const char *path,
                                size_t body_keep, bool headers_only, pp_httpx_judge judge);
enum pp_probe_rc pp_httpx_io(struct pp_check *, short revents);
void pp_httpx_timeout(struct pp_check *);
void pp_httpx_cleanup(struct pp_check *);

/* Record status, Server, Content-Type, Content-Length, Location, body size
 * and time to first byte as details; set a summary "HTTP 200, nginx". */
void pp_httpx_details(struct pp_check *, const struct pp_http_resp *);
/* The common judgement of a status: 2xx ok, 401/403 auth-required (ok),
 * 3xx redirect (ok, Location named), others unexpected http-status. */
void pp_httpx_judge_status(struct pp_check *, struct pp_http_resp *);

#endif
