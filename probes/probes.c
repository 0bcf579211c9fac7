/* The probe registry: add a new probe's line here. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "probes/afp.h"
#include "engine/engine.h"
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

void
pp_probe_free_data(struct pp_check *c)
{
    free(pp_check_data(c));
    pp_check_set_data(c, NULL);
}

const struct pp_probe *
pp_probe_find(const char *name)
{
    size_t i;

    for (i = 0; pp_probes[i] != NULL; i++)
        if (strcmp(pp_probes[i]->name, name) == 0)
            return pp_probes[i];
    return NULL;
}
