/*
 * Reports: leaves that read a struct pp_report and write it out.  They
 * never touch sockets.
 */
#ifndef PP_REPORT_H
#define PP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/pushprobe.h"

void pp_report_text(FILE *, const struct pp_report *, bool color);
void pp_report_json(FILE *, const struct pp_report *);
/* The Prometheus text exposition (blackbox_exporter's names where they
 * mean the same). */
void pp_report_prometheus(FILE *, const struct pp_report *);

struct pp_audit;
struct pp_audit_result;
struct pp_jsonw;
void pp_audit_text(FILE *, const struct pp_report *, const struct pp_audit *,
                   const struct pp_audit_result *, bool color);
void pp_audit_json(struct pp_jsonw *, const struct pp_audit *, const struct pp_audit_result *);
void pp_audit_csv(FILE *, const struct pp_audit *, const struct pp_audit_result *);

/* The capture's section and JSON members ("capture", "flows"). */
struct pp_capture;
void pp_capture_text(FILE *, const struct pp_capture *, bool color);
void pp_capture_json(struct pp_jsonw *, const struct pp_capture *);

#endif
