/* SPDX-License-Identifier: ISC */
/* A test-only harness with one deliberate undefined behaviour: an input
 * that starts with "UB" overflows a signed int.  tests/fuzz/ubsan.sh
 * replays it and expects the run to fail, which proves that sanitized
 * builds (--enable-debug, --enable-fuzzing) stop on UBSan errors instead
 * of printing them and going on.  It reads nothing else. */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    volatile int x = INT_MAX;

    if (size >= 2 && data[0] == 'U' && data[1] == 'B')
        x = x + (int)size;      /* signed overflow: undefined */
    return x == 0;
}
