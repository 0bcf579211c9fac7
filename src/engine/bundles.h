/* SPDX-License-Identifier: ISC */
/* Expected-issuer root bundles, compiled in from the PEM files in data/. */
#ifndef PP_BUNDLES_H
#define PP_BUNDLES_H

extern const char pp_bundle_apple_courier[];
extern const char pp_bundle_apple_public[];

#endif
