/* SPDX-License-Identifier: ISC */
/*
 * Masking for reports a user emails: a table of sensitive strings (host
 * names, user names, addresses) and their placeholders, applied to the
 * finished text (plain or JSON) in one pass.
 *
 * Placeholders are "<kind-N>", numbered per kind in order of registration
 * ("<corp-host-1>", "<corp-host-2>", "<addr-1>"), or "<kind>" for kinds
 * registered with pp_redact_add_unique ("<user>").
 *
 * Matching: longest secrets first; ASCII case is ignored; only whole
 * words are replaced:
 *  - an IPv4 or IPv6 literal is not replaced inside a longer address: not
 *    after a hex digit or "N.", not before a hex digit or ".N", and for
 *    IPv6 not next to another group (":N", "N:").  "10.0.0.1" is left
 *    alone in "10.0.0.10" but replaced in "10.0.0.1:443" and "10.0.0.1.";
 *  - any other secret, when it starts (ends) with [A-Za-z0-9-], is not
 *    preceded (followed) by [A-Za-z0-9-], nor by a dot that continues a
 *    name: "corp.test" is left alone in "mycorp.testing", "x.corp.test"
 *    and "corp.test.example", but replaced in "*.corp.test",
 *    "user@corp.test" and "corp.test.".
 * A secret holding '"' or '\' is matched in its JSON-escaped form too, and
 * one holding & < > " ' in its HTML-escaped form (the agent's page).
 */
#ifndef PP_REDACT_H
#define PP_REDACT_H

struct pp_redact;

struct pp_redact *pp_redact_new(void);
void pp_redact_free(struct pp_redact *r);

/* Register secret with a placeholder of that kind (a word: "host", "addr",
 * "corp-host"; other characters become '-', NULL or "" is "secret").
 * Secrets shorter than 2 characters are ignored; one registered again (in
 * any case) keeps its first placeholder. */
void pp_redact_add(struct pp_redact *r, const char *kind, const char *secret);
void pp_redact_add_unique(struct pp_redact *r, const char *kind, const char *secret);

/* Register a domain ("corp.test") of that kind: a secret itself (unless a
 * single label: "local"), and the domain of the names pp_redact_learn
 * finds. */
void pp_redact_add_domain(struct pp_redact *r, const char *kind, const char *domain);
/* Register every name in text that lies under a registered domain
 * ("sso.corp.test", "a.b.corp.test"), with the domain's kind, in the
 * order they appear; a name is a run of [A-Za-z0-9._-] with at least one
 * label before the domain.  Learning from one rendering before applying
 * to all keeps the placeholders the same in each.  Returns how many names
 * were new. */
unsigned long pp_redact_learn(struct pp_redact *r, const char *text);

/* How many secrets are registered (JSON-escaped forms not counted). */
unsigned long pp_redact_count(const struct pp_redact *r);

/* A new string: text with every registered secret replaced.  NULL text
 * gives NULL; no secrets give an identical copy. */
char *pp_redact_apply(const struct pp_redact *r, const char *text);
/* The same for an HTML document: the placeholders written &lt;kind-N&gt;. */
char *pp_redact_apply_html(const struct pp_redact *r, const char *text);

#endif
