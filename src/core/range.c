/* SPDX-License-Identifier: ISC */
/* Threshold ranges of the monitoring-plugins guidelines; see range.h. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/range.h"

/* A whole finite number of [p, p + n). */
static int
number(const char *p, size_t n, double *out)
{
    char buf[64], *end;

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    if (errno != 0 || *end != '\0' || end == buf || !isfinite(*out) || buf[0] == ' ')
        return -1;
    return 0;
}

int
pp_range_parse(const char *s, struct pp_range *out, char *err, size_t errlen)
{
    const char *p = s, *colon;

    memset(out, 0, sizeof(*out));
    if (*p == '@') {
        out->inside = true;
        p++;
    }
    colon = strchr(p, ':');
    if (colon == NULL) {
        /* "N": 0 to N. */
        if (number(p, strlen(p), &out->end) < 0)
            goto bad;
    } else {
        size_t left = (size_t)(colon - p);
        const char *right = colon + 1;

        if (left == 0 && *right == '\0')
            goto bad;
        if (left == 1 && p[0] == '~')
            out->from_minus = true;
        else if (left > 0 && number(p, left, &out->start) < 0)
            goto bad;
        if (*right == '\0')
            out->to_plus = true;
        else if (number(right, strlen(right), &out->end) < 0)
            goto bad;
    }
    if (!out->from_minus && !out->to_plus && out->start > out->end) {
        snprintf(err, errlen, "range '%.64s': its start is above its end", s);
        return -1;
    }
    out->set = true;
    return 0;
bad:
    snprintf(err, errlen,
             "want a range (10, 10:, ~:10, 10:20 or @10:20), got '%.64s'", s);
    memset(out, 0, sizeof(*out));
    return -1;
}

bool
pp_range_alert(const struct pp_range *r, double v)
{
    bool in;

    if (!r->set)
        return false;
    in = (r->from_minus || v >= r->start) && (r->to_plus || v <= r->end);
    return r->inside ? in : !in;
}

bool
pp_range_warn_above_crit(const struct pp_range *w, const struct pp_range *c)
{
    if (!w->set || !c->set || w->inside || c->inside)
        return false;
    /* The warning's range must lie within the critical's. */
    if (!c->to_plus && (w->to_plus || w->end > c->end))
        return true;
    if (!c->from_minus && (w->from_minus || w->start < c->start))
        return true;
    return false;
}
