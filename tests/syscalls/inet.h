/* Helpers for the AF_INET/AF_INET6 differential tests: loopback addresses, listeners on
 * ephemeral ports (never printed: they differ between runs). */
#ifndef SYSCALLS_INET_H
#define SYSCALLS_INET_H

#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static inline struct sockaddr_in lo4(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static inline struct sockaddr_in6 lo6(int port)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    return a;
}

/* The port a socket is bound to. */
static inline int port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
}

/* A TCP listener on 127.0.0.1 and an ephemeral port (type may carry SOCK_NONBLOCK). */
static inline int tcp_listener4(int type)
{
    int s = socket(AF_INET, SOCK_STREAM | type, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = lo4(0);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 16) < 0) { perror("listener"); exit(1); }
    return s;
}

/* A blocking TCP connection to 127.0.0.1:port, or -1. */
static inline int tcp_connect4(int port)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(port);
    if (connect(c, (struct sockaddr *)&a, sizeof a) < 0) { close(c); return -1; }
    return c;
}

/* Reads exactly n bytes unless EOF or an error comes first; the count read. */
static inline long read_full(int fd, void *buf, long n)
{
    long done = 0;
    while (done < n) {
        long r = read(fd, (char *)buf + done, n - done);
        if (r <= 0) break;
        done += r;
    }
    return done;
}

static inline const char *addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
    if (sa->sa_family == AF_INET) return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, len);
    if (sa->sa_family == AF_INET6) return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, len);
    snprintf(buf, len, "family %d", sa->sa_family);
    return buf;
}

#endif
