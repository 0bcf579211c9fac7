/* SPDX-License-Identifier: ISC */
/* The history of each check over runs (see hist.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "core/util.h"

void
pp_hist_add(struct pp_hist *h, const struct pp_result *r)
{
    bool ok = pp_state_is_ok(r->state);
    float v = -1.0f;

    if (r->state == PP_ST_PENDING)
        return;
    if (h->runs > 0 && r->state != h->last_state)
        h->flaps++;
    h->runs++;
    h->last_state = r->state;
    h->last_ms = -1;
    if (!ok)
        h->lost++;
    if (ok && r->t_total >= 0) {
        if (h->nlat == 0 || r->t_total < h->min_ms)
            h->min_ms = r->t_total;
        if (h->nlat == 0 || r->t_total > h->max_ms)
            h->max_ms = r->t_total;
        h->sum_ms += r->t_total;
        h->nlat++;
        h->last_ms = r->t_total;
        v = (float)r->t_total;
    }
    if (h->count < PP_HIST_LEN) {
        h->lat[(h->head + h->count) % PP_HIST_LEN] = v;
        h->count++;
    } else {
        h->lat[h->head] = v;
        h->head = (h->head + 1) % PP_HIST_LEN;
    }
}

/* Where id is, or would go (*found tells which). */
static size_t
hists_at(const struct pp_hists *hs, const char *id, bool *found)
{
    size_t lo = 0, hi = hs->n;

    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(id, hs->v[mid]->id);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

struct pp_hist *
pp_hists_find(struct pp_hists *hs, const char *id, bool create)
{
    bool found;
    size_t at = hists_at(hs, id, &found);
    struct pp_hist *h;

    if (found)
        return hs->v[at];
    if (!create)
        return NULL;
    if (hs->n == hs->cap) {
        hs->cap = hs->cap ? hs->cap * 2 : 64;
        hs->v = pp_xrealloc(hs->v, hs->cap, sizeof(*hs->v));
    }
    h = pp_xcalloc(1, sizeof(*h));
    h->id = pp_xstrdup(id);
    h->last_ms = -1;
    memmove(&hs->v[at + 1], &hs->v[at], (hs->n - at) * sizeof(*hs->v));
    hs->v[at] = h;
    hs->n++;
    return h;
}

const struct pp_hist *
pp_hists_get(const struct pp_hists *hs, const char *id)
{
    bool found;
    size_t at;

    if (hs == NULL || id == NULL)
        return NULL;
    at = hists_at(hs, id, &found);
    return found ? hs->v[at] : NULL;
}

void
pp_hists_add_report(struct pp_hists *hs, const struct pp_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++)
        if (rep->results[i]->id != NULL)
            pp_hist_add(pp_hists_find(hs, rep->results[i]->id, true), rep->results[i]);
    hs->rounds++;
}

void
pp_hists_free(struct pp_hists *hs)
{
    size_t i;

    for (i = 0; i < hs->n; i++) {
        free(hs->v[i]->id);
        pp_path_free(hs->v[i]->path);
        free(hs->v[i]);
    }
    free(hs->v);
    memset(hs, 0, sizeof(*hs));
}
