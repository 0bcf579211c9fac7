/* SPDX-License-Identifier: ISC */
/*
 * The configuration file: INI, read with inih.  Settings sit at the top or
 * under [pushprobe]; the keys are those of the settings table
 * (app/settings.h: a long option's name, "mdm", "timeout") and a value is
 * what that option takes.  This reader checks the file's form and the key
 * names; the apply callback checks and keeps the values.
 *
 * (The file is ppconfig.h because autoconf's generated header is config.h.)
 */
#ifndef PP_PPCONFIG_H
#define PP_PPCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Apply one setting; return 0, or -1 with a sentence in err. */
typedef int (*pp_config_apply)(void *ctx, const char *key, const char *value,
                               char *err, size_t errlen);

/* Read FILE; call apply for every key in order.  Returns 0; 1 when the file
 * does not exist and missing_ok; -1 with err = "FILE:LINE: key 'K': why" (or
 * "FILE: why" for an unreadable file).  Reading stops at the first error:
 * apply is never called for a line after it.  apply may be NULL (check
 * only). */
int pp_config_load(const char *path, bool missing_ok, pp_config_apply apply, void *ctx,
                   char *err, size_t errlen);

/* The same over a string, for tests and fuzzers (name used in messages). */
int pp_config_load_string(const char *name, const char *text, pp_config_apply apply,
                          void *ctx, char *err, size_t errlen);

/* The same over len bytes that may hold NUL bytes (an error). */
int pp_config_load_buffer(const char *name, const char *data, size_t len,
                          pp_config_apply apply, void *ctx, char *err, size_t errlen);

/* The default paths in the order read: /etc/pushprobe.conf, then
 * $XDG_CONFIG_HOME/pushprobe/pushprobe.conf (or ~/.config/...). Writes up to n
 * paths into out (caller frees each); returns how many. */
size_t pp_config_default_paths(char **out, size_t n);

#endif
