/*
 * Reports: leaves that read a struct pp_report and write it out.  They
 * never touch sockets.
 */
#ifndef PP_REPORT_H
#define PP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "pushprobe.h"

void pp_report_text(FILE *, const struct pp_report *, bool color);
void pp_report_json(FILE *, const struct pp_report *);

#endif
