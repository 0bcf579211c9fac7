/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the command line's and the configuration file's
 * values (src/app/settings.c): every value goes through its row of the
 * settings table (pp_setting_apply: the generic checks of its type and
 * range, then the row's own apply, e.g. targets, --listen, --rate,
 * thresholds, formats), as getopt hands it on; then the whole input, as a
 * configuration file, through pp_config_load_buffer and
 * pp_settings_apply_key, as main.c reads one.  Each gives 0, or -1 with a
 * sentence; nothing crashes, leaks or reads past a value.
 *
 * Input: records of one byte (the row, modulo the table), one byte (the
 * value's length) and the value. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/ppconfig.h"
#include "app/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc, const char *err, size_t errlen)
{
    if (rc == 0)
        return;
    if (rc != -1 || err[0] == '\0' || strnlen(err, errlen) == errlen)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_settings st, file;
    char err[512], value[256];
    size_t off = 0;
    int rc;

    pp_settings_init(&st);
    while (off + 2 <= size) {
        const struct pp_setting *row = &pp_settings[data[off] % pp_settings_count];
        size_t n = data[off + 1];

        off += 2;
        if (n > size - off)
            n = size - off;
        memcpy(value, data + off, n);
        value[n] = '\0';
        off += n;
        if (row->type == PP_SET_HELP)
            continue;
        err[0] = '\0';
        rc = pp_setting_apply(&st, row, value, err, sizeof(err));
        check(rc, err, sizeof(err));
    }
    pp_settings_free(&st);

    pp_settings_init(&file);
    err[0] = '\0';
    rc = pp_config_load_buffer("fuzz.conf", (const char *)data, size, pp_settings_apply_key,
                               &file, err, sizeof(err));
    check(rc, err, sizeof(err));
    pp_settings_free(&file);
    return 0;
}
