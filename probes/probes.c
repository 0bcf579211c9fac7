/* SPDX-License-Identifier: ISC */
/* The probe registry: add a new probe's line here.  A leaf: it lists the
 * probes and finds one by name, and calls nothing else. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "probes/afp.h"
#include "probes/probe.h"
#include "probes/smb.h"

const struct pp_probe *const pp_probes[] = {
    &pp_probe_tcp,
    &pp_probe_tls,
    &pp_probe_http,
    &pp_probe_mdm,
    &pp_probe_sus,
    &pp_probe_captive,
    &pp_probe_courier,
    &pp_probe_apns,
    &pp_probe_time,
    &pp_probe_publicip,
    &pp_probe_smb,
    &pp_probe_afp,
    NULL
};

const struct pp_probe *
pp_probe_find(const char *name)
{
    size_t i;

    for (i = 0; pp_probes[i] != NULL; i++)
        if (strcmp(pp_probes[i]->name, name) == 0)
            return pp_probes[i];
    return NULL;
}
