/*
 * Diagnosis: from check results to findings a help desk can read out loud,
 * and one verdict per area.  A table of rules, run in order: each rule
 * looks at the results, may emit one finding, and marks the results it
 * explains, so that one root cause gets one finding (a dead resolver is
 * DNS_FAILED, not thirty failed checks).
 */
#ifndef PP_DIAGNOSE_H
#define PP_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pushprobe.h"

enum pp_severity { PP_SEV_INFO, PP_SEV_WARNING, PP_SEV_CRITICAL };

enum pp_verdict_v { PP_V_NOT_CHECKED, PP_V_OK, PP_V_DEGRADED, PP_V_BLOCKED };

enum pp_area {
    PP_AREA_PUSH,
    PP_AREA_MDM,
    PP_AREA_ENROLLMENT,
    PP_AREA_SOFTWARE_UPDATE,
    PP_AREA_CONTENT,
    PP_AREA_FILE_SHARING,
    PP_AREA__COUNT
};

struct pp_finding {
    const char *code;         /* stable: APNS_BLOCKED, DNS_FAILED, ... */
    enum pp_severity severity;
    char *title;              /* one line */
    char *detail;             /* the evidence */
    char *advice_user;        /* for the person at the device */
    char *advice_admin;       /* for whoever runs the network or the server */
    char **checks;            /* ids of the checks behind it */
    size_t nchecks;
};

struct pp_diagnosis {
    struct pp_finding *f;     /* most severe first */
    size_t n;
    enum pp_verdict_v verdict[PP_AREA__COUNT];
};

void pp_diagnose(const struct pp_report *, struct pp_diagnosis *out);
void pp_diagnosis_free(struct pp_diagnosis *);

const char *pp_area_name(enum pp_area);        /* "push", "software_update" */
const char *pp_area_title(enum pp_area);       /* "Push", "Software update" */
const char *pp_verdict_name(enum pp_verdict_v); /* "ok", "not-checked" */
const char *pp_severity_name(enum pp_severity); /* "critical" */
/* The finding with this code, or NULL. */
const struct pp_finding *pp_diagnosis_find(const struct pp_diagnosis *, const char *code);

#endif
