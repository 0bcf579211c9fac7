/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the SMB2 NEGOTIATE parser (probes/smb.h): any bytes
 * from a server give 0, 1 or -1, never a crash or a read past the end, and
 * the answer is self-consistent. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/smb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_smb2_info info, again;
    char err[256], guid[40], caps[160];
    int rc;

    err[0] = 'x';
    rc = pp_smb2_parse_negotiate(data, size, &info, err, sizeof(err));
    switch (rc) {
    case 0:
        /* A whole message, inside the input, with a dialect that exists;
         * the same message alone parses the same way. */
        if (info.problem != NULL || err[0] != '\0' || info.msg_len > size ||
            info.msg_len < 4 + 128 || pp_smb2_dialect_name(info.dialect) == NULL)
            abort();
        if (pp_smb2_parse_negotiate(data, info.msg_len, &again, err, sizeof(err)) != 0 ||
            again.msg_len != info.msg_len || again.dialect != info.dialect)
            abort();
        pp_smb2_guid_format(info.server_guid, guid, sizeof(guid));
        pp_smb2_caps_format(info.capabilities, caps, sizeof(caps));
        if (strlen(guid) != 36)
            abort();
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
    /* The helpers take any value. */
    if (size >= 4) {
        uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        pp_smb2_caps_format(v, caps, sizeof(caps));
        pp_smb2_caps_format(v, caps, 7);
        (void)pp_smb2_status_name(v);
        (void)pp_smb2_dialect_name((uint16_t)v);
    }
    return 0;
}
