/* SPDX-License-Identifier: ISC */
/*
 * The unit tests' data files (tests/data/DIR/NAME, captured from real
 * servers or the lab): read whole, or the test fails.  Include after
 * <cmocka.h>.
 */
#ifndef PP_TESTDATA_H
#define PP_TESTDATA_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint8_t *
pp_test_load(const char *dir, const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    uint8_t *buf;
    long n;

    snprintf(path, sizeof(path), "%s/%s/%s", TEST_DATA, dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

#endif
