/* SPDX-License-Identifier: ISC */
/*
 * --version, as curl -V: the version (configure's, one source), the
 * system built for, the libraries' versions as they say at run time, the
 * features compiled in and the licence.  Room: app.
 */
#ifndef PP_VERSION_H
#define PP_VERSION_H

#include <stdio.h>

void pp_version_print(FILE *);

#endif
