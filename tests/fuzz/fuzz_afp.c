/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the DSIGetStatus parser (probes/afp.h): any bytes
 * from a server give 0, 1 or -1, never a crash or a read past the end, and
 * what it copies out is printable. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/afp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No control characters, and NUL-terminated within the field. */
static void
printable(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);

    if (n == cap)
        abort();
    while (n-- > 0)
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
            abort();
}

/* Pascal strings keep printable ASCII only. */
static void
ascii(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);

    if (n == cap)
        abort();
    while (n-- > 0)
        if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
            abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_afp_info info, again;
    char err[256], flags[256];
    int rc;

    err[0] = 'x';
    rc = pp_afp_parse_status(data, size, &info, err, sizeof(err));
    switch (rc) {
    case 0:
        if (info.problem != NULL || err[0] != '\0' || info.msg_len > size ||
            info.msg_len < 16 + 11 || info.nversions == 0)
            abort();
        if (pp_afp_parse_status(data, info.msg_len, &again, err, sizeof(err)) != 0 ||
            again.msg_len != info.msg_len || strcmp(again.server_name, info.server_name) != 0)
            abort();
        ascii(info.server_name, sizeof(info.server_name));
        ascii(info.machine_type, sizeof(info.machine_type));
        ascii(info.versions, sizeof(info.versions));
        ascii(info.best_version, sizeof(info.best_version));
        ascii(info.uams, sizeof(info.uams));
        ascii(info.addresses, sizeof(info.addresses));
        printable(info.utf8_name, sizeof(info.utf8_name));
        pp_afp_flags_format(info.flags, flags, sizeof(flags));
        printable(flags, sizeof(flags));
        break;
    case 1:
        if (info.problem == NULL && err[0] == '\0')
            break;
        abort();
    case -1:
        if (info.problem == NULL || err[0] == '\0' || strlen(err) >= sizeof(err))
            abort();
        break;
    default:
        abort();
    }
    if (size >= 2)
        pp_afp_flags_format((uint16_t)(data[0] << 8 | data[1]), flags, 9);
    return 0;
}
