/* SPDX-License-Identifier: ISC */
/*
 * HTTP/1.1 responses, parsed with http-parser (Debian's libhttp-parser):
 * a pure function of the bytes fed in, bounded in what it keeps, so tests
 * and fuzzers drive it without a socket.  Plus the exchange that HTTP-based
 * probes share: send one request, read the response, hand it to a judge.
 */
#ifndef PP_HTTP_H
#define PP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_HTTP_MAX_HEADERS_BYTES (16 * 1024)

enum pp_http_rc { PP_HTTP_MORE, PP_HTTP_DONE, PP_HTTP_ERROR };

struct pp_http_resp {
    int status;               /* 0 until the status line is parsed */
    char *server;
    char *content_type;
    char *location;
    char *proxy_authenticate; /* the first Proxy-Authenticate, or NULL */
    char *proxy_error;        /* a proxy's own error: RFC 9209 Proxy-Status or
                               * squid's X-Squid-Error, or NULL */
    long long content_length; /* -1 when absent */
    unsigned char *body;      /* the first body_keep bytes, NUL-terminated */
    size_t body_len;          /* bytes kept */
    long long body_total;     /* bytes seen */
    size_t body_keep;         /* how much of the body to keep */
    size_t header_bytes;
    bool headers_done;
    bool complete;
    bool head;                /* response to HEAD: no body */
    char error[128];          /* why PP_HTTP_ERROR */
    /* The status line's version and reason phrase ("OK"), for -v. */
    int version_major, version_minor;
    char reason[48];
    /* -vv: every header line, "Field: value\n" each, when keep_all is set
     * before the first pp_http_feed (NULL otherwise). */
    bool keep_all;
    char *all_headers;
    size_t all_len;
    void *parser;             /* http_parser, opaque here */
    char *cur_field;          /* header being read */
    size_t cur_field_len;
    int last_cb;
    char *cur_value;
    size_t cur_value_len;
};

/* Start parsing a response; keep up to body_keep bytes of its body. */
void pp_http_init(struct pp_http_resp *, size_t body_keep, bool head);
/* Feed bytes; len 0 means the server closed the connection. */
enum pp_http_rc pp_http_feed(struct pp_http_resp *, const char *buf, size_t len);
void pp_http_free(struct pp_http_resp *);

/* A proxy's answer to CONNECT: the bytes up to and including the end of
 * its header block (at most PP_HTTP_MAX_HEADERS_BYTES). */
struct pp_connect_answer {
    int status;              /* 0 when unreadable */
    char auth_scheme[32];    /* 407: the first Proxy-Authenticate's scheme
                              * ("Basic", "Negotiate"), or "" */
    char reason[64];         /* the status line's reason phrase, printable */
    char error[128];         /* why unreadable */
};
/* The length of the header block at the start of buf (up to and including
 * its empty line), 0 when it is not complete yet, or -1 when none can
 * come within PP_HTTP_MAX_HEADERS_BYTES (or the bytes are not HTTP). */
long pp_http_header_end(const char *buf, size_t len);
/* Parse a header block with the response parser (the body, if any, is not
 * read: it is the proxy's error page).  0, or -1 with a->error. */
int pp_http_parse_connect(const char *buf, size_t len, struct pp_connect_answer *a);
/* "CONNECT host:port HTTP/1.1" with Host, User-Agent and, when auth is not
 * NULL, "Proxy-Authorization: Basic auth".  The caller frees it. */
char *pp_http_connect_request(const char *host, uint16_t port, const char *auth);
/* An absolute-URI request for a proxy ("GET http://host:port/path
 * HTTP/1.1"), otherwise as pp_http_request (tls false). */
char *pp_http_request_proxied(const char *method, const char *host, uint16_t port,
                              const char *path, const char *auth);

/* The text between <title> and </title> (case-insensitive), trimmed,
 * printable, at most 80 characters; NULL when none. */
char *pp_http_title(const unsigned char *body, size_t len);
/* Case-insensitive search for needle in the first len bytes of hay. */
bool pp_http_contains(const unsigned char *hay, size_t len, const char *needle);

/* Build "METHOD path HTTP/1.1" with Host, User-Agent, Accept and
 * Connection: close.  The caller frees the string. */
char *pp_http_request(const char *method, const char *host, uint16_t port,
                      bool tls, const char *path);

#endif
