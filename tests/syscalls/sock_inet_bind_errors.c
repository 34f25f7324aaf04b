/* bind(2) on AF_INET/AF_INET6: address length and family checks, EADDRINUSE, SO_REUSEADDR, rebinding. */
#include "inet.h"

int main(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = lo4(0);
    CHECK("short length", bind(s, (struct sockaddr *)&a, sizeof a - 1));
    struct sockaddr_in6 a6 = lo6(0);
    CHECK("v6 address on v4 socket", bind(s, (struct sockaddr *)&a6, sizeof a));
    struct sockaddr_in nl = lo4(0);
    nl.sin_addr.s_addr = inet_addr("192.0.2.1");
    CHECK("non-local address", bind(s, (struct sockaddr *)&nl, sizeof nl));
    struct sockaddr_in un = lo4(0);
    un.sin_family = AF_UNSPEC;
    un.sin_addr.s_addr = htonl(INADDR_ANY);
    CHECK("AF_UNSPEC with INADDR_ANY", bind(s, (struct sockaddr *)&un, sizeof un));
    CHECK("bind again", bind(s, (struct sockaddr *)&a, sizeof a));
    close(s);

    s = socket(AF_INET, SOCK_STREAM, 0);
    un.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK("AF_UNSPEC with loopback", bind(s, (struct sockaddr *)&un, sizeof un));
    CHECK("bind", bind(s, (struct sockaddr *)&a, sizeof a));
    int port = port_of(s);
    CHECK("listen", listen(s, 4));

    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in same = lo4(port);
    CHECK("same port (listening)", bind(t, (struct sockaddr *)&same, sizeof same));
    int one = 1;
    setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    CHECK("same port, REUSEADDR, listener without", bind(t, (struct sockaddr *)&same, sizeof same));
    struct sockaddr_in any = lo4(port);
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    CHECK("INADDR_ANY same port", bind(t, (struct sockaddr *)&any, sizeof any));
    close(t);

    /* Two sockets with SO_REUSEPORT may share a port. */
    int p1 = socket(AF_INET, SOCK_STREAM, 0), p2 = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(p1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    setsockopt(p2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    CHECK("reuseport 1", bind(p1, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in rp = lo4(port_of(p1));
    CHECK("reuseport 2", bind(p2, (struct sockaddr *)&rp, sizeof rp));
    CHECK("reuseport listen 1", listen(p1, 1));
    CHECK("reuseport listen 2", listen(p2, 1));

    /* UDP: the same rules without listen. */
    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("udp bind", bind(u1, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in up = lo4(port_of(u1));
    CHECK("udp same port", bind(u2, (struct sockaddr *)&up, sizeof up));
    CHECK("udp rebind", bind(u1, (struct sockaddr *)&a, sizeof a));

    /* AF_INET6 */
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK("v6 short (RFC 2133 length)", bind(s6, (struct sockaddr *)&a6, 24));
    close(s6);
    s6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK("v6 too short", bind(s6, (struct sockaddr *)&a6, 23));
    CHECK("v4 address on v6 socket", bind(s6, (struct sockaddr *)&a, sizeof a6));
    struct sockaddr_in6 m = lo6(0);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr);
    CHECK("v4-mapped loopback", bind(s6, (struct sockaddr *)&m, sizeof m));
    close(s6);
    s6 = socket(AF_INET6, SOCK_STREAM, 0);
    setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    CHECK("v4-mapped on V6ONLY", bind(s6, (struct sockaddr *)&m, sizeof m));
    return 0;
}
