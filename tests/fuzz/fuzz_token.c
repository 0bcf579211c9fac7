/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the agent's --serve-token file (src/app/agent.c):
 * the input is the file's bytes.  pp_agent_token_length judges them as
 * read_token does (the first 511 bytes, the token before the first NUL,
 * CR or LF, at least 16 characters); the file itself, written out, goes
 * through pp_agent_check_token as --list and pp_agent_run read it, and
 * must be judged alike.  An accepted token has no NUL, CR or LF, is
 * bounded, and then only "Bearer TOKEN" exactly gets past pp_agent_route:
 * the token less its last character, or with one more, does not. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/agent.h"
#include "tests/fuzz/fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header "Bearer " + hdr (hlen bytes) against the token. */
static enum pp_agent_route
route(const char *token, const char *hdr, size_t hlen)
{
    char h[7 + PP_AGENT_TOKEN_READ + 2];

    memcpy(h, "Bearer ", 7);
    memcpy(h + 7, hdr, hlen);
    h[7 + hlen] = '\0';
    return pp_agent_route("GET", "/metrics", h, token, false);
}

static void
check_token(const char *buf, size_t len)
{
    char token[PP_AGENT_TOKEN_READ + 1], longer[PP_AGENT_TOKEN_READ + 1];
    size_t i;

    if (len < PP_AGENT_TOKEN_MIN || len > PP_AGENT_TOKEN_READ)
        abort();
    for (i = 0; i < len; i++)
        if (buf[i] == '\0' || buf[i] == '\r' || buf[i] == '\n')
            abort();
    memcpy(token, buf, len);
    token[len] = '\0';
    if (route(token, token, len) != PP_AGENT_METRICS)
        abort();
    if (route(token, token, len - 1) != PP_AGENT_UNAUTHORIZED)
        abort();
    memcpy(longer, token, len);
    longer[len] = 'x';
    if (route(token, longer, len + 1) != PP_AGENT_UNAUTHORIZED)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data, *path;
    char err[256];
    int len = pp_agent_token_length(buf, size);
    size_t read = size > PP_AGENT_TOKEN_READ ? PP_AGENT_TOKEN_READ : size;

    if (len >= 0) {
        /* The whole read, or up to its first terminator. */
        if ((size_t)len != read && buf[len] != '\0' && buf[len] != '\r' && buf[len] != '\n')
            abort();
        check_token(buf, (size_t)len);
    } else if (read >= PP_AGENT_TOKEN_MIN &&
               memchr(buf, '\0', PP_AGENT_TOKEN_MIN) == NULL &&
               memchr(buf, '\r', PP_AGENT_TOKEN_MIN) == NULL &&
               memchr(buf, '\n', PP_AGENT_TOKEN_MIN) == NULL) {
        abort();
    }
#ifdef HAVE_MICROHTTPD
    if ((path = pp_fuzz_file("token", data, size)) != NULL) {
        err[0] = '\0';
        if ((pp_agent_check_token(path, err, sizeof(err)) == 0) != (len >= 0))
            abort();
        if (len < 0 && strstr(err, "at least 16 characters") == NULL)
            abort();
    }
#else
    (void)path;
    (void)err;
#endif
    return 0;
}
