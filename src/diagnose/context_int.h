/* SPDX-License-Identifier: ISC */
/* What context.c (collecting) and ctxparse.c (parsing) share. */
#ifndef PP_DIAGNOSE_CONTEXT_INT_H
#define PP_DIAGNOSE_CONTEXT_INT_H

#include <stddef.h>

#include "diagnose/context.h"

/* Append s (taken over) unless already there (then freed). */
void pp_cx_push_unique(char ***v, size_t *n, char *s);
/* Append name=value (value taken over), its password masked. */
void pp_cx_push_proxy(struct pp_proxy **v, size_t *n, const char *name, char *value);
void pp_cx_free_strv(char **v, size_t n);

#endif /* PP_DIAGNOSE_CONTEXT_INT_H */
