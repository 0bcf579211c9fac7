/* SPDX-License-Identifier: ISC */
/* What the file-reading harnesses share (fuzz_cafile, fuzz_read): the
 * input written to a file of its own, one per process, rewritten on every
 * run and removed at exit. */
#ifndef PP_FUZZ_FILE_H
#define PP_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char pp_fuzz_path[64];

static void
pp_fuzz_file_cleanup(void)
{
    if (pp_fuzz_path[0] != '\0')
        unlink(pp_fuzz_path);
}

/* Writes data to the process's file, named after tag on first use;
 * returns its path, or NULL when it cannot be written. */
static inline const char *
pp_fuzz_file(const char *tag, const uint8_t *data, size_t size)
{
    FILE *f;

    if (pp_fuzz_path[0] == '\0') {
        int fd;

        snprintf(pp_fuzz_path, sizeof(pp_fuzz_path), "%s/pp-fuzz-%s-XXXXXX",
            P_tmpdir, tag);
        if ((fd = mkstemp(pp_fuzz_path)) < 0) {
            pp_fuzz_path[0] = '\0';
            return NULL;
        }
        close(fd);
        atexit(pp_fuzz_file_cleanup);
    }
    if ((f = fopen(pp_fuzz_path, "wb")) == NULL)
        return NULL;
    if (size > 0 && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return NULL;
    }
    return fclose(f) == 0 ? pp_fuzz_path : NULL;
}

#endif /* PP_FUZZ_FILE_H */
