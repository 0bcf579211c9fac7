/* SPDX-License-Identifier: ISC */
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

/* A run's status: the worst of the area verdicts (blocked: failed,
 * degraded: degraded) and of the checks outside the areas; expected checks
 * never count (see pp_status_of and the man page's EXIT STATUS). */
enum pp_status { PP_STATUS_OK, PP_STATUS_DEGRADED, PP_STATUS_FAILED };

struct pp_finding {
    const char *code;         /* stable: APNS_BLOCKED, DNS_FAILED, ... */
    enum pp_severity severity;
    bool expected;            /* the failed checks it lists are expected (retired,
                               * not applicable): counted apart, never worse */
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
    enum pp_status status;
    size_t checks, ok, expected, failed, required_failed;  /* counted checks */
    size_t targets;           /* targets with a check that is not expected */
    char **expected_ids;      /* the ids of the expected checks */
    size_t nexpected_ids;
};

/* The summary line of a report: the diagnosis's status and counts
 * (rep->diag); without a diagnosis (an audit), from the raw results. */
struct pp_summary {
    size_t checks;
    size_t ok;
    size_t expected;          /* failed, but retired or not applicable */
    size_t failed;            /* failed and not expected */
    size_t required_failed;
    enum pp_status status;
    const char *status_name;  /* "ok", "degraded", "failed" */
    bool push_checked;        /* the push verdict is not not-checked */
};
void pp_summarize(const struct pp_report *, struct pp_summary *);

void pp_diagnose(const struct pp_report *, struct pp_diagnosis *out);
void pp_diagnosis_free(struct pp_diagnosis *);

const char *pp_area_name(enum pp_area);        /* "push", "software_update" */
const char *pp_area_title(enum pp_area);       /* "Push", "Software update" */
const char *pp_verdict_name(enum pp_verdict_v); /* "ok", "not-checked" */
const char *pp_severity_name(enum pp_severity); /* "critical" */
/* The status from the area verdicts and the status of the checks outside
 * the areas (rest): any blocked area fails the run, any degraded one
 * degrades it; not-checked areas count for nothing. */
enum pp_status pp_status_of(const enum pp_verdict_v verdict[PP_AREA__COUNT],
                            enum pp_status rest);
const char *pp_status_name(enum pp_status);   /* "degraded" */
const char *pp_status_word(enum pp_status);   /* "DEGRADED" */
int pp_status_exit(enum pp_status);           /* PP_EXIT_OK, _DEGRADED, _FAILED */
int pp_status_nagios(enum pp_status);         /* 0 OK, 1 WARNING, 2 CRITICAL */
/* The check with this id failed as expected (retired, not applicable). */
bool pp_diagnosis_expected(const struct pp_diagnosis *, const char *check_id);
/* The finding with this code, or NULL. */
const struct pp_finding *pp_diagnosis_find(const struct pp_diagnosis *, const char *code);

#endif
