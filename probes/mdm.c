/* SPDX-License-Identifier: ISC */
/*
 * mdm: the MDM server answers over HTTPS, and Jamf Pro's health page says
 * it is healthy.  GET <base>/healthCheck.html: "[]" is healthy; the
 * documented errors are JSON objects named by "description" (sources:
 * apple-network.md 4.2).  The body is parsed as JSON (jansson), never
 * string-matched.  A server without the page is another MDM: it answers
 * over HTTPS with a trusted certificate, and that is what is checked.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "probes/httpx.h"
#include "core/util.h"
#include "probes/details.h"
#include "probes/judge.h"

/* Jamf Pro's documented health codes.  One row each: a new code is a row. */
static const struct {
    const char *description;
    const char *meaning;
} jamf_codes[] = {
    {"DBConnectionError", "an error occurred while testing the database connection"},
    {"SetupAssistant", "the Jamf Pro Setup Assistant was detected (setup is not finished)"},
    {"DBConnectionConfigError", "a configuration error occurred while connecting to the database"},
    {"Initializing", "the Jamf Pro web app is initializing"},
    {"ChildNodeStartUpError", "a web app instance in the cluster failed to start"},
    {"InitializationError", "a fatal error prevented the Jamf Pro web app from starting"},
};

const char *
pp_jamf_meaning(const char *description)
{
    size_t i;

    for (i = 0; i < sizeof(jamf_codes) / sizeof(jamf_codes[0]); i++)
        if (strcmp(jamf_codes[i].description, description) == 0)
            return jamf_codes[i].meaning;
    return NULL;
}

void
pp_judge_mdm(struct pp_result *r, const struct pp_http_resp *h)
{
    json_error_t jerr;
    json_t *doc;
    const json_t *first;
    const char *desc;
    json_int_t code = -1;

    pp_http_details(r, h);
    /* Cut short, "[]" may be the start of a list of problems: no verdict
     * on the part of an answer. */
    if (!h->complete && h->content_length >= 0 && h->body_total < h->content_length) {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                     "the MDM server's answer was cut short (%lld of %lld bytes)",
                     h->body_total, h->content_length);
        return;
    }
    doc = h->body_len > 0 ? json_loadb((const char *)h->body, h->body_len, 0, &jerr) : NULL;
    if (doc == NULL || !json_is_array(doc)) {
        json_decref(doc);
        pp_detail_bool(r, "jamf", false);
        if (h->status >= 500)
            pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_HTTP_STATUS,
                         "the MDM server answers HTTP %d: it is up but failing", h->status);
        else
            pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                         "the MDM server answers over HTTPS (HTTP %d; no Jamf Pro health page)",
                         h->status);
        return;
    }
    pp_detail_bool(r, "jamf", true);
    if (json_array_size(doc) == 0) {
        pp_detail_str(r, PP_DETAIL_HEALTH, "healthy");
        pp_result_summary(r, "Jamf Pro healthy");
        pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                     "Jamf Pro's health check says the web app runs without error");
        json_decref(doc);
        return;
    }
    first = json_array_get(doc, 0);
    desc = json_string_value(json_object_get(first, "description"));
    if (json_is_integer(json_object_get(first, "healthCode")))
        code = json_integer_value(json_object_get(first, "healthCode"));
    pp_detail_str(r, PP_DETAIL_HEALTH, desc ? desc : "unknown");
    if (code >= 0)
        pp_detail_int(r, "health_code", (long long)code);
    pp_result_summary(r, "Jamf Pro: %s", desc ? desc : "unknown error");
    if (desc != NULL && pp_jamf_meaning(desc) != NULL)
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_MDM_UNHEALTHY,
                     "Jamf Pro reports %s (healthCode %lld): %s", desc, (long long)code,
                     pp_jamf_meaning(desc));
    else
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_MDM_UNHEALTHY,
                     "Jamf Pro's health check reports a problem: %.80s",
                     desc ? desc : "(no description)");
    json_decref(doc);
}

static void
mdm_judge(struct pp_check *c, struct pp_http_resp *h)
{
    pp_judge_mdm(pp_check_result(c), h);
}

static enum pp_probe_rc
mdm_ready(struct pp_check *c)
{
    const struct pp_target *t = pp_check_result(c)->target;
    const char *base = t->path ? t->path : "/";
    size_t n = strlen(base);
    char *path;
    enum pp_probe_rc rc;

    if (t->tls && !pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    /* The health page sits at the web app's root: keep a context path
     * ("/jss/") and drop a page name. */
    while (n > 0 && base[n - 1] != '/')
        n--;
    path = pp_xasprintf("%.*shealthCheck.html", (int)(n ? n : 1), n ? base : "/");
    rc = pp_httpx_start(c, "GET", path, PP_MDM_KEEP, false, mdm_judge);
    free(path);
    return rc;
}

const struct pp_probe pp_probe_mdm = {
    .name = "mdm",
    .help = "MDM over HTTPS; Jamf Pro /healthCheck.html read as JSON",
    .ready = mdm_ready,
    .io = pp_httpx_io,
    .timeout = pp_httpx_timeout,
    .cleanup = pp_httpx_cleanup,
};
