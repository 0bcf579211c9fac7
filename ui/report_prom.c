/* SPDX-License-Identifier: ISC */
/*
 * The Prometheus text exposition of a report.  Metric names follow
 * blackbox_exporter's where they mean the same (probe_success,
 * probe_duration_seconds, probe_dns_lookup_time_seconds,
 * probe_ssl_earliest_cert_expiry, probe_tls_version_info,
 * probe_http_status_code), so existing dashboards work; pushprobe's own
 * are prefixed pushprobe_.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "capture/capture.h"
#include "core/build.h"
#include "diagnose/diagnose.h"
#include "probes/probe.h"
#include "ui/report.h"
#include "probes/details.h"

/* A label value as the format wants it: \\, \" and \n escaped. */
static void
label(FILE *f, const char *name, const char *v, bool first)
{
    fprintf(f, "%s%s=\"", first ? "" : ",", name);
    for (; v != NULL && *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(f, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
    fputc('"', f);
}

static void
check_labels(FILE *f, const struct pp_result *r)
{
    char port[8];

    snprintf(port, sizeof(port), "%u", r->target->port);
    label(f, "service", pp_service_name(r->target->service), true);
    label(f, "host", r->target->host, false);
    label(f, "address", r->has_address ? r->address : "", false);
    label(f, "family", r->has_address ? (r->family == AF_INET6 ? "ipv6" : "ipv4") : "", false);
    label(f, "port", port, false);
    /* The path: the direct check and its twin through a proxy stay apart. */
    label(f, "via", r->target->via != NULL ? r->target->via->url : "direct", false);
    /* Two URLs on one server stay apart. */
    if (r->target->path != NULL && strcmp(r->target->path, "/") != 0)
        label(f, "path", r->target->path, false);
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* TLSv1.3 -> "TLS 1.3", as blackbox_exporter labels it. */
static void
tls_version(const char *v, char *out, size_t len)
{
    if (strncmp(v, "TLSv", 4) == 0)
        snprintf(out, len, "TLS %s", v + 4);
    else
        snprintf(out, len, "%s", v);
}

/* The capture beside the checks (--sniff): counters since it started. */
static void
capture_metrics(FILE *f, const struct pp_capture *c)
{
    struct pp_flows *fl = pp_capture_flows(c);
    const struct pp_flows_stats *st = pp_flows_stats(fl);
    const struct pp_push_device *d;
    size_t n, i, holding = 0, retrying = 0;
    int s, o;

    head(f, "pushprobe_capture_packets_total", "counter", "Packets the capture read.");
    fprintf(f, "pushprobe_capture_packets_total %llu\n", (unsigned long long)st->frames);
    head(f, "pushprobe_capture_kernel_drops_total", "counter",
         "Packets the kernel dropped before the capture read them.");
    fprintf(f, "pushprobe_capture_kernel_drops_total %llu\n",
            (unsigned long long)pp_capture_kernel_drops(c));
    head(f, "pushprobe_capture_flows_evicted_total", "counter",
         "Flows that left the table for --flows-max.");
    fprintf(f, "pushprobe_capture_flows_evicted_total %llu\n", (unsigned long long)st->evicted);
    head(f, "pushprobe_capture_flows_total", "counter",
         "Flows seen, by service and by their outcome so far.");
    for (s = 0; s < PP_FS__COUNT; s++)
        for (o = 0; o < PP_FO__COUNT; o++) {
            if (st->outcomes[s][o] == 0)
                continue;
            fputs("pushprobe_capture_flows_total{", f);
            label(f, "service", pp_flow_svc_name((enum pp_flow_svc)s), true);
            label(f, "outcome", pp_flow_outcome_name((enum pp_flow_outcome)o), false);
            fprintf(f, "} %llu\n", (unsigned long long)st->outcomes[s][o]);
        }
    d = pp_flows_devices(fl, &n);
    for (i = 0; i < n; i++) {
        holding += d[i].holding;
        retrying += d[i].unanswered > 0;
    }
    head(f, "pushprobe_capture_push_devices", "gauge",
         "Devices seen talking to the push courier: all, holding a connection now, retrying "
         "without an answer.");
    fprintf(f, "pushprobe_capture_push_devices{state=\"seen\"} %zu\n", n);
    fprintf(f, "pushprobe_capture_push_devices{state=\"holding\"} %zu\n", holding);
    fprintf(f, "pushprobe_capture_push_devices{state=\"retrying\"} %zu\n", retrying);
}

/* With --trace: where the paths of the failed push checks end. */
static bool
push_path(const struct pp_result *r)
{
    return r->path != NULL && pp_result_counted(r) && !pp_state_is_ok(r->state) &&
           (r->target->service == PP_SV_APNS_DEVICE || r->target->service == PP_SV_APNS_PROVIDER);
}

static void
path_metrics(FILE *f, const struct pp_report *rep)
{
    size_t i, n = 0;

    for (i = 0; i < rep->n; i++)
        n += push_path(rep->results[i]);
    if (n == 0)
        return;
    head(f, "pushprobe_path_hops", "gauge",
         "Failed push checks (--trace): the hop that ends the path (dropped: the last that "
         "answered).");
    for (i = 0; i < rep->n; i++) {
        if (!push_path(rep->results[i]))
            continue;
        fputs("pushprobe_path_hops{", f);
        check_labels(f, rep->results[i]);
        fprintf(f, "} %d\n", rep->results[i]->path->end_hop);
    }
    head(f, "pushprobe_path_end", "gauge",
         "Failed push checks (--trace): how the path ends and whose network the box is in "
         "(always 1).");
    for (i = 0; i < rep->n; i++) {
        const struct pp_path *p = rep->results[i]->path;

        if (!push_path(rep->results[i]))
            continue;
        fputs("pushprobe_path_end{", f);
        check_labels(f, rep->results[i]);
        label(f, "end", pp_path_end_name(p->end), false);
        label(f, "end_address", p->end_address, false);
        label(f, "end_network", p->end_address[0] ? pp_hop_network_name(p->end_network) : "",
              false);
        fputs("} 1\n", f);
    }
}

/* Every check's success and times (blackbox_exporter's series). */
static void
check_series(FILE *f, const struct pp_report *rep)
{
    size_t i;

    head(f, "probe_success", "gauge", "Whether the check succeeded (1) or not (0).");
    for (i = 0; i < rep->n; i++) {
        if (!pp_result_counted(rep->results[i]))
            continue;
        fputs("probe_success{", f);
        check_labels(f, rep->results[i]);
        fprintf(f, "} %d\n", rep->results[i]->state == PP_ST_OK);
    }
    head(f, "probe_duration_seconds", "gauge", "How long the check took, DNS included.");
    for (i = 0; i < rep->n; i++) {
        if (!pp_result_counted(rep->results[i]))
            continue;
        fputs("probe_duration_seconds{", f);
        check_labels(f, rep->results[i]);
        fprintf(f, "} %.6f\n", rep->results[i]->t_total > 0 ? rep->results[i]->t_total / 1e3 : 0);
    }
    head(f, "probe_dns_lookup_time_seconds", "gauge", "How long the name took to resolve.");
    for (i = 0; i < rep->n; i++) {
        if (!pp_result_counted(rep->results[i]) || rep->results[i]->t_dns < 0)
            continue;
        fputs("probe_dns_lookup_time_seconds{", f);
        check_labels(f, rep->results[i]);
        fprintf(f, "} %.6f\n", rep->results[i]->t_dns / 1e3);
    }
}

/* The certificate, TLS version and HTTP status of the checks that had them. */
static void
protocol_series(FILE *f, const struct pp_report *rep)
{
    size_t i;

    head(f, "probe_ssl_earliest_cert_expiry", "gauge",
         "When the server's certificate expires, in seconds since 1970.");
    for (i = 0; i < rep->n; i++) {
        if (!pp_result_counted(rep->results[i]) || !rep->results[i]->tls.have_cert)
            continue;
        fputs("probe_ssl_earliest_cert_expiry{", f);
        check_labels(f, rep->results[i]);
        fprintf(f, "} %lld\n", (long long)rep->results[i]->tls.not_after_unix);
    }
    head(f, "probe_tls_version_info", "gauge", "The TLS version negotiated.");
    for (i = 0; i < rep->n; i++) {
        char v[32];
        if (!pp_result_counted(rep->results[i]) || !rep->results[i]->tls.handshake_done)
            continue;
        tls_version(rep->results[i]->tls.version, v, sizeof(v));
        fputs("probe_tls_version_info{", f);
        check_labels(f, rep->results[i]);
        label(f, "version", v, false);
        fputs("} 1\n", f);
    }
    head(f, "probe_http_status_code", "gauge", "The HTTP status of the answer.");
    for (i = 0; i < rep->n; i++) {
        const struct pp_kv *kv = pp_detail_get(rep->results[i], PP_DETAIL_HTTP_STATUS);
        if (!pp_result_counted(rep->results[i]) || kv == NULL || kv->type != PP_KV_INT)
            continue;
        fputs("probe_http_status_code{", f);
        check_labels(f, rep->results[i]);
        fprintf(f, "} %lld\n", kv->i);
    }
    head(f, "pushprobe_check_state", "gauge", "The state and reason of each check (always 1).");
    for (i = 0; i < rep->n; i++) {
        if (!pp_result_counted(rep->results[i]))
            continue;
        fputs("pushprobe_check_state{", f);
        check_labels(f, rep->results[i]);
        label(f, "state", pp_state_name(rep->results[i]->state), false);
        label(f, "reason", pp_reason_name(rep->results[i]->reason), false);
        fputs("} 1\n", f);
    }
}

/* The diagnosis: its findings and the verdict of each area. */
static void
diagnosis_series(FILE *f, const struct pp_diagnosis *d)
{
    size_t i;
    int a;

    head(f, "pushprobe_finding", "gauge", "The findings of the diagnosis (always 1).");
    for (i = 0; i < d->n; i++) {
        fputs("pushprobe_finding{", f);
        label(f, "code", d->f[i].code, true);
        label(f, "severity", pp_severity_name(d->f[i].severity), false);
        fputs("} 1\n", f);
    }
    head(f, "pushprobe_verdict", "gauge",
         "The verdict of each area: 1 for the verdict it has, 0 for the others.");
    for (a = 0; a < PP_AREA__COUNT; a++) {
        int v;
        for (v = PP_V_NOT_CHECKED; v <= PP_V_BLOCKED; v++) {
            fputs("pushprobe_verdict{", f);
            label(f, "area", pp_area_name((enum pp_area)a), true);
            label(f, "verdict", pp_verdict_name((enum pp_verdict_v)v), false);
            fprintf(f, "} %d\n", d->verdict[a] == (enum pp_verdict_v)v);
        }
    }
}

void
pp_report_prometheus(FILE *f, const struct pp_report *rep)
{
    check_series(f, rep);
    protocol_series(f, rep);
    path_metrics(f, rep);
    if (rep->diag != NULL)
        diagnosis_series(f, rep->diag);
    if (rep->capture != NULL)
        capture_metrics(f, rep->capture);
    head(f, "pushprobe_last_run_timestamp_seconds", "gauge", "When the last run ended.");
    fprintf(f, "pushprobe_last_run_timestamp_seconds %lld\n", (long long)rep->ended_at);
    head(f, "pushprobe_run_duration_seconds", "gauge", "How long the last run took.");
    fprintf(f, "pushprobe_run_duration_seconds %.6f\n", rep->duration_ms / 1e3);
    head(f, "pushprobe_build_info", "gauge",
         "The version of pushprobe and the optional features compiled in (always 1).");
    fputs("pushprobe_build_info{", f);
    label(f, "version", PACKAGE_VERSION, true);
    label(f, "features", pp_build_features(), false);
    fputs("} 1\n", f);
}
