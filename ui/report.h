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
/* The Prometheus text exposition (blackbox_exporter's names where they
 * mean the same). */
void pp_report_prometheus(FILE *, const struct pp_report *);
/* The agent's page: an HTML document with the verdicts, the findings and
 * the checks, links to /metrics and /report.json, and when the next run
 * starts (next_run in seconds since 1970; 0: not said). */
void pp_report_html(FILE *, const struct pp_report *, int64_t next_run);

struct pp_audit;
struct pp_audit_result;
struct pp_jsonw;
void pp_audit_text(FILE *, const struct pp_report *, const struct pp_audit *,
                   const struct pp_audit_result *, bool color);
void pp_audit_json(struct pp_jsonw *, const struct pp_audit *, const struct pp_audit_result *);
void pp_audit_csv(FILE *, const struct pp_audit *, const struct pp_audit_result *);

/* This machine's context (diagnose/context.h), ui/report_context.c. */
struct pp_context;
/* One JSON object: hostname, os, default_route {interface, gateway},
 * default_route6 (both null when there is none), dns_servers [],
 * vpn_interfaces [], proxies {name: value}, local_addresses []. */
void pp_context_json(const struct pp_context *c, struct pp_jsonw *w);
/* A few lines indented by two spaces ("  Host: ...", "  Route: ..."). */
void pp_context_text(const struct pp_context *c, FILE *f);

/* The capture's section and JSON members ("capture", "flows"). */
struct pp_capture;
void pp_capture_text(FILE *, const struct pp_capture *, bool color);
void pp_capture_json(struct pp_jsonw *, const struct pp_capture *);

#endif
