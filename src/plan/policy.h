/* SPDX-License-Identifier: ISC */
/* The expectations file of the firewall-audit mode (pushprobe --audit
 * --expect FILE): which host, address or range should be reachable on
 * which TCP ports, which should not, and where TLS must verify. */
#ifndef PP_POLICY_H
#define PP_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "plan/targets.h"

enum pp_expect { PP_EXPECT_OPEN, PP_EXPECT_CLOSED, PP_EXPECT_TLS };

struct pp_rule {
    enum pp_expect want;        /* open: connects; closed: not reachable (closed, filtered or
                                   blocked); tls: open and the TLS chain verifies */
    struct pp_tspec spec;       /* host name, address or CIDR */
    struct pp_ports ports;
    char *source;               /* "FILE:LINE" or "apple-device:3" for built-in sets */
    char *text;                 /* the rule as written, trimmed */
};

struct pp_policy {
    struct pp_rule *r;
    size_t n;
    /* Built by pp_policy_parse, for matching in less than n steps: rules
     * of one address in a hash table (chains from the highest rule down),
     * the others listed from the highest down. */
    size_t *bucket;       /* per bucket: its highest rule + 1, or 0 */
    size_t nbuckets;      /* a power of 2 */
    size_t *chain;        /* per rule: the next lower rule of its bucket + 1, or 0 */
    size_t *others;
    size_t nothers;
};

/* Longest line accepted, in bytes, not counting the line end. */
#define PP_POLICY_LINE_MAX 1024

/* Parse an expectations file of len bytes named name (for messages).
 * One rule a line:
 *     open tcp 17.0.0.0/8 5223
 *     closed tcp files.corp.test 445
 *     tls tcp jss.corp.test 8443
 *     open tcp 10.0.0.0/24 443,5223,8000-8010
 *     include apple-device            (a built-in rule set, in place)
 * '#' starts a comment at the start of a line or after white space; blank
 * lines are ignored.  Only tcp is supported.  Stops at the first error
 * with "NAME:LINE: why" in err (naming the offending word) and returns -1,
 * leaving *out empty; returns 0 on success.  Lines over
 * PP_POLICY_LINE_MAX bytes, NUL and other control bytes, unknown verbs or
 * sets, and including a set twice are errors.  Targets and ports are those
 * of targets.h (the ports are the rest of the line: "443, 5223" is one
 * list), except that a rule's CIDR block may be of any width
 * ("2620:149:a44::/48", "0.0.0.0/0"): a rule only matches addresses, and
 * its spec.count saturates at UINT64_MAX, so a caller that probes a rule's
 * addresses must bound them itself. */
int pp_policy_parse(const char *name, const char *text, size_t len, struct pp_policy *out,
                    char *err, size_t errlen);
/* Frees the rules and empties *p; safe to call twice. */
void pp_policy_free(struct pp_policy *p);

/* The text of a built-in rule set ("apple-device", "apple-mdm-server"), in
 * the syntax above; NULL if unknown. */
const char *pp_policy_builtin(const char *set_name);

/* Which rule governs a check of host (a name, or NULL) at address sa (or
 * NULL) on port: the last matching rule wins.  A name rule matches host
 * case-insensitively (a trailing dot ignored); an address or CIDR rule
 * matches sa.  Returns the rule index, or -1 if none matches. */
long pp_policy_match(const struct pp_policy *p, const char *host, const struct sockaddr *sa,
                     uint16_t port);

/* "open", "closed", "tls" ("?" for anything else). */
const char *pp_expect_name(enum pp_expect e);

#endif
