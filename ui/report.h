/* SPDX-License-Identifier: ISC */
/*
 * Reports: leaves that read a struct pp_report and write it out.  They
 * never touch sockets.
 *
 * Room: ui (the text, JSON, Prometheus, audit and capture reports, the
 * context's sections, the dashboard and its view model).  It may read
 * core/'s result model and the structs of the diagnosis, the audit and
 * the capture; it calls nothing that opens a socket or a file.  A new
 * report format is a new file here and a word in enum pp_format.
 */
#ifndef PP_REPORT_H
#define PP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/pushprobe.h"

/* Every format a report is written in (--json, --format). */
enum pp_format { PP_FMT_TEXT, PP_FMT_JSON, PP_FMT_PROMETHEUS };

/* The report in the format asked for: the one way main, the agent and the
 * dashboard write a report. */
void pp_report_write(FILE *, const struct pp_report *, enum pp_format, bool color);
/* The same into a string of *len bytes (len may be NULL); NULL when out
 * of memory. */
char *pp_report_render(const struct pp_report *, enum pp_format, bool color, size_t *len);

void pp_report_text(FILE *, const struct pp_report *, bool color);
void pp_report_json(FILE *, const struct pp_report *);
/* The chain a TLS check judged, one line: "chain: 'leaf' (EC 256, ...) <-
 * 'CA' (...)", the Apple rule broken and the warnings after it.  Empty
 * when there is nothing to show.  For the text report and the dashboard. */
void pp_tls_chain_text(const struct pp_tls_info *, char *buf, size_t len);
/* The Prometheus text exposition (blackbox_exporter's names where they
 * mean the same). */
void pp_report_prometheus(FILE *, const struct pp_report *);
/* The agent's page: an HTML document with the verdicts, the findings and
 * the checks, links to /metrics and /report.json, and when the next run
 * starts (next_run in seconds since 1970; 0: not said). */
void pp_report_html(FILE *, const struct pp_report *, int64_t next_run);

struct pp_capture;
struct pp_jsonw;
/* The members of one check's JSON object (the caller opens and closes it);
 * the report NULL for the audit's streams (no diagnosis, no capture). */
void pp_json_check_fields(struct pp_jsonw *, const struct pp_result *,
                          const struct pp_report *);

/* The audit's outputs, written as checks finish: CSV and JSON Lines row by
 * row, the JSON document with its checks array streamed; the text report
 * at the end from the tallies.  Any stream may be NULL. */
struct pp_audit;
struct pp_audit_result;
struct pp_audit_out {
    const struct pp_audit *a;
    struct pp_audit_result *ar;
    FILE *csv, *jsonl, *json, *text;
    bool color;
    bool adaptive;           /* --timeout auto */
    double timeout_s;        /* fixed: the timeout; adaptive: its upper bound */
    char started_at[40];
    double duration_ms;      /* set before pp_audit_out_end */
    struct pp_jsonw *jw;     /* the JSON document's writer */
};
void pp_audit_out_begin(struct pp_audit_out *);
/* Judge, count and write one finished check.  True when it is a deviation
 * kept for the report (pp_audit_result_free frees it); false when the
 * caller frees it. */
bool pp_audit_out_check(struct pp_audit_out *, struct pp_result *);
/* The summary: JSON Lines' last object, the JSON document's tail, the
 * text report. */
void pp_audit_out_end(struct pp_audit_out *);

/* This machine's context (diagnose/context.h), ui/report_context.c. */
struct pp_context;
/* One JSON object: hostname, os, default_route {interface, gateway},
 * default_route6 (both null when there is none), dns_servers [],
 * vpn_interfaces [], proxies {name: value}, local_addresses []. */
void pp_context_json(const struct pp_context *c, struct pp_jsonw *w);
/* A few lines indented by two spaces ("  Host: ...", "  Route: ..."). */
void pp_context_text(const struct pp_context *c, const struct pp_nat64_info *nat64, FILE *f);
/* The report's "nat64" object (IPv6-only, the NAT64 prefix, a CLAT), when
 * the run saw any of them; nothing otherwise. */
void pp_nat64_json(const struct pp_nat64_info *n, const struct pp_context *c,
                   struct pp_jsonw *w);

/* The capture's section and JSON members ("capture", "flows"). */
/* rd (--redact, or NULL) masks the flows' ends and details before the
 * table is laid out. */
struct pp_redact;
void pp_capture_text(FILE *, const struct pp_capture *, bool color, const struct pp_redact *rd);
void pp_capture_json(struct pp_jsonw *, const struct pp_capture *);

#endif
