/* SPDX-License-Identifier: ISC */
/*
 * Threshold ranges in the monitoring-plugins development guidelines'
 * syntax: "10" (alert outside 0..10), "10:" (below 10), "~:10" (above 10),
 * "10:20" (outside 10..20), "@10:20" (inside 10..20, inclusive).  A pure
 * parser and a test, for --warning and --critical.  Room: core.
 */
#ifndef PP_RANGE_H
#define PP_RANGE_H

#include <stdbool.h>
#include <stddef.h>

struct pp_range {
    bool set;         /* given at all */
    bool inside;      /* '@': alert inside the range, not outside */
    bool from_minus;  /* '~': no lower end */
    bool to_plus;     /* "N:": no upper end */
    double start, end;
};

/* 0, or -1 with a sentence in err (a malformed range, start above end). */
int pp_range_parse(const char *s, struct pp_range *out, char *err, size_t errlen);
/* Does v raise the alert of r?  Never when r is not set. */
bool pp_range_alert(const struct pp_range *r, double v);
/* Is warning's range wider than critical's (a value would go critical
 * before it went warning)?  Only for two outside ranges; false otherwise. */
bool pp_range_warn_above_crit(const struct pp_range *warn, const struct pp_range *crit);

#endif
