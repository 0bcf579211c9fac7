/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for report masking (src/core/redact.h): secrets taken from
 * the input, applied to the rest; never a crash, a leak or a read past
 * the text, and the result agrees with what was registered.
 *
 * Input: one control byte (bits 0-2: how many secret lines follow, bits
 * 3-7: which of the first five are registered as unique kinds), the
 * secret lines ('\n'-terminated), then the text. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A secret that ui/jsonw.c (or the agent's page) would write differently. */
static bool
json_escapes(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 || *s == 0x7f || *s == '&' ||
            *s == '<' || *s == '>' || *s == '\'')
            return true;
    return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kinds[] = {"host", "addr", "user", "corp-host"};
    struct pp_redact *r, *empty;
    char *s, *p, *text, *out, *again;
    bool any_in_text = false;
    unsigned ctl, nsec, i;
    size_t tlen;

    if (size == 0)
        return 0;
    ctl = data[0];
    s = malloc(size);
    if (s == NULL)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';

    r = pp_redact_new();
    nsec = ctl & 7;
    p = s;
    for (i = 0; i < nsec; i++) {
        char *nl = strchr(p, '\n');

        if (nl == NULL)
            break;
        *nl = '\0';
        if (ctl >> 3 & 1u << (i % 5))
            pp_redact_add_unique(r, kinds[i % 4], p);
        else
            pp_redact_add(r, kinds[i % 4], p);
        /* Could this secret (or its JSON form) change the text? */
        if (strlen(p) >= 2)
            any_in_text = any_in_text || json_escapes(p);
        p = nl + 1;
    }
    text = p;
    tlen = strlen(text);
    /* Only secrets read so far are registered; look for each in the text. */
    {
        char *q = s;

        for (i = 0; q < text && i < nsec; i++) {
            if (strlen(q) >= 2 && strcasestr(text, q) != NULL)
                any_in_text = true;
            q += strlen(q) + 1;
        }
    }
    if (pp_redact_count(r) > nsec)
        abort();

    out = pp_redact_apply(r, text);
    if (out == NULL)
        abort();
    /* Untouched unless a secret is there; a placeholder for each change;
     * a placeholder ("<k>" at least) is no shorter than half a secret. */
    if (!any_in_text && strcmp(out, text) != 0)
        abort();
    if (strcmp(out, text) != 0 && strchr(out, '<') == NULL)
        abort();
    if (strlen(out) > 16 * tlen + 1)
        abort();
    /* Applying to its own output is safe (placeholders may be hit again). */
    again = pp_redact_apply(r, out);
    if (again == NULL)
        abort();
    free(again);
    free(out);

    /* No secrets: an identical copy. */
    empty = pp_redact_new();
    out = pp_redact_apply(empty, text);
    if (out == NULL || strcmp(out, text) != 0)
        abort();
    free(out);
    pp_redact_free(empty);

    /* Learning under the first secret taken as a domain: the count grows
     * by what it says, and the HTML form adds no '<' of its own. */
    if (nsec > 0 && s < text) {
        unsigned long before, learned;
        char *h;
        size_t lt = 0, lh = 0;

        pp_redact_add_domain(r, "corp-domain", s);
        before = pp_redact_count(r);
        learned = pp_redact_learn(r, text);
        if (pp_redact_count(r) != before + learned)
            abort();
        h = pp_redact_apply_html(r, text);
        if (h == NULL)
            abort();
        for (p = text; *p != '\0'; p++)
            lt += *p == '<';
        for (p = h; *p != '\0'; p++)
            lh += *p == '<';
        if (lh > lt)
            abort();
        free(h);
    }

    pp_redact_free(r);
    free(s);
    return 0;
}
