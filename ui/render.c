/* SPDX-License-Identifier: ISC */
/* A report in a given format, to a stream or a string (ui/report.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ui/report.h"

void
pp_report_write(FILE *f, const struct pp_report *rep, enum pp_format fmt, bool color)
{
    if (fmt == PP_FMT_JSON)
        pp_report_json(f, rep);
    else if (fmt == PP_FMT_PROMETHEUS)
        pp_report_prometheus(f, rep);
    else
        pp_report_text(f, rep, color);
}

char *
pp_report_render(const struct pp_report *rep, enum pp_format fmt, bool color, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);

    if (m == NULL)
        return NULL;
    pp_report_write(m, rep, fmt, color);
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    if (len != NULL)
        *len = n;
    return buf;
}
