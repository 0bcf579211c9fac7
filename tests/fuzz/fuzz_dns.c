/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for what a lookup reads of c-ares' answer
 * (src/engine/dns.c): an ares_addrinfo list built from the bytes (nodes
 * of any family, any address length, any address) goes through
 * pp_dns_take_answer as on_answer hands it on, for each family and
 * status; a reverse lookup's hostent through pp_dns_ptr_name.  The answer
 * keeps at most PP_DNS_MAX_ADDRS addresses, each of the family asked for,
 * no two the same; none on success is no-address.
 *
 * Input: byte 0 the status (modulo 32), then nodes of one byte (family:
 * bit 0 AF_INET6, bit 1 some other family), one byte (ai_addrlen) and
 * that many address bytes (an address shorter than its family's is
 * refused). */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "engine/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NODES 64

static void
check(const struct pp_dns_answer *ans, int family, int status)
{
    size_t i, k, len = family == AF_INET ? sizeof(struct sockaddr_in)
                                         : sizeof(struct sockaddr_in6);

    if (ans->naddr > PP_DNS_MAX_ADDRS)
        abort();
    if (status != ARES_SUCCESS && (ans->naddr != 0 || ans->status != status))
        abort();
    if (status == ARES_SUCCESS && ans->naddr == 0 &&
        (ans->status != ARES_ENODATA || ans->reason != PP_RS_NO_ADDRESS))
        abort();
    if (ans->naddr > 0 && (ans->status != ARES_SUCCESS || ans->reason != PP_RS_NONE))
        abort();
    for (i = 0; i < ans->naddr; i++) {
        if (ans->addr[i].ss_family != family)
            abort();
        for (k = 0; k < i; k++)
            if (memcmp(&ans->addr[i], &ans->addr[k], len) == 0)
                abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int fams[] = {AF_INET, AF_INET6};
    struct ares_addrinfo ai;
    struct ares_addrinfo_node nodes[MAX_NODES], **tail = &ai.nodes;
    void *addrs[MAX_NODES];
    struct pp_dns_answer *ans;
    struct hostent h;
    size_t off = 1, n = 0, i;
    int status;

    if (size < 1)
        return 0;
    status = data[0] % 32;
    memset(&ai, 0, sizeof(ai));
    memset(nodes, 0, sizeof(nodes));
    while (off + 2 <= size && n < MAX_NODES) {
        size_t len = data[off + 1];
        int fam = data[off] & 2 ? AF_UNIX : data[off] & 1 ? AF_INET6 : AF_INET;

        off += 2;
        if (len > size - off)
            len = size - off;
        /* An exact-size copy, so ASan sees a read past the address. */
        addrs[n] = malloc(len ? len : 1);
        memcpy(addrs[n], data + off, len);
        if (len >= sizeof(sa_family_t))
            memcpy(addrs[n], &(sa_family_t){(sa_family_t)fam}, sizeof(sa_family_t));
        off += len;
        nodes[n].ai_family = fam;
        nodes[n].ai_addrlen = (unsigned)len;
        nodes[n].ai_addr = data[0] & 0x80 && n == 0 ? NULL : addrs[n];
        *tail = &nodes[n];
        tail = &nodes[n].ai_next;
        n++;
    }
    ans = malloc(sizeof(*ans));
    for (i = 0; i < 2; i++) {
        memset(ans, 0, sizeof(*ans));
        ans->family = fams[i];
        pp_dns_take_answer(ans, fams[i], status, &ai);
        check(ans, fams[i], status);
        memset(ans, 0, sizeof(*ans));
        pp_dns_take_answer(ans, fams[i], status, NULL);
        if (ans->naddr != 0)
            abort();
    }
    free(ans);
    /* A reverse answer: the name as c-ares gives it, or none. */
    memset(&h, 0, sizeof(h));
    if (n > 0) {
        char *name = malloc(nodes[0].ai_addrlen + 1);
        memcpy(name, addrs[0], nodes[0].ai_addrlen);
        name[nodes[0].ai_addrlen] = '\0';
        h.h_name = name;
        if (pp_dns_ptr_name(status, &h) != NULL &&
            (status != ARES_SUCCESS || pp_dns_ptr_name(status, &h)[0] == '\0'))
            abort();
        free(name);
    }
    if (pp_dns_ptr_name(status, NULL) != NULL)
        abort();
    for (i = 0; i < n; i++)
        free(addrs[i]);
    return 0;
}
