/* SPDX-License-Identifier: ISC */
/*
 * The loopback baseline for bench/audit.sh: non-blocking connects to
 * 127.0.0.1 ports [lo, hi] with poll(), at most `par` at once; prints
 * connects per second.  No error handling beyond what the count needs.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    int lo = argc > 1 ? atoi(argv[1]) : 20000, hi = argc > 2 ? atoi(argv[2]) : 29999;
    int par = argc > 3 ? atoi(argv[3]) : 128, next = lo, done = 0, n = 0, i;
    struct pollfd *p = calloc((size_t)par, sizeof(*p));
    struct timespec a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    while (done < hi - lo + 1) {
        while (n < par && next <= hi) {
            struct sockaddr_in sin = {0};
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            fcntl(fd, F_SETFL, O_NONBLOCK);
            sin.sin_family = AF_INET;
            sin.sin_port = htons((unsigned short)next++);
            inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
            if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno != EINPROGRESS) {
                close(fd);
                done++;
                continue;
            }
            p[n].fd = fd;
            p[n].events = POLLOUT;
            n++;
        }
        if (n == 0)
            continue;
        poll(p, (nfds_t)n, 1000);
        for (i = 0; i < n;) {
            if (p[i].revents) {
                close(p[i].fd);
                p[i] = p[--n];
                done++;
            } else {
                i++;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.0f\n", done / ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9));
    free(p);
    return 0;
}
