/* AF_INET6 on loopback: ::1, a dual-stack listener on :: taking IPv4 clients as v4-mapped
 * peers, and IPV6_V6ONLY turning them away. */
#include "inet.h"

static void peer(const char *what, int fd)
{
    struct sockaddr_in6 p;
    socklen_t len = sizeof p;
    getpeername(fd, (struct sockaddr *)&p, &len);
    char ab[64];
    printf("%s: len=%d family=%d addr=%s\n", what, (int)len, p.sin6_family, addr_str((struct sockaddr *)&p, ab, sizeof ab));
}

static int listener6(int v6only)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    struct sockaddr_in6 a = lo6(0);
    a.sin6_addr = in6addr_any;
    if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0) { perror("listen6"); exit(1); }
    return l;
}

int main(void)
{
    int l = listener6(0);
    int port = port_of(l);
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to6 = lo6(port);
    CHECK("connect ::1", connect(c6, (struct sockaddr *)&to6, sizeof to6));
    int a6 = accept(l, NULL, NULL);
    peer("peer of ::1 client", a6);
    write(c6, "six", 3);
    char b[8];
    CHECK("read", read(a6, b, sizeof b));

    int c4 = tcp_connect4(port);
    printf("v4 client connected: %d\n", c4 >= 0);
    int a4 = accept(l, NULL, NULL);
    peer("peer of v4 client", a4);
    struct sockaddr_in6 me;
    socklen_t len = sizeof me;
    getsockname(a4, (struct sockaddr *)&me, &len);
    char ab[64];
    printf("accepted v4 name: %s\n", addr_str((struct sockaddr *)&me, ab, sizeof ab));

    /* A v6 socket connecting to a v4-mapped address. */
    int cm = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 tm = lo6(port);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &tm.sin6_addr);
    CHECK("connect v4-mapped", connect(cm, (struct sockaddr *)&tm, sizeof tm));
    len = sizeof me;
    getsockname(cm, (struct sockaddr *)&me, &len);
    printf("v4-mapped client name: %s\n", addr_str((struct sockaddr *)&me, ab, sizeof ab));
    int am = accept(l, NULL, NULL);
    peer("peer of v4-mapped client", am);

    int only = listener6(1);
    int v;
    socklen_t vl = sizeof v;
    getsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl);
    printf("V6ONLY=%d\n", v);
    int one = 0;
    CHECK("set V6ONLY after bind", setsockopt(only, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    CHECK("v4 to V6ONLY listener", tcp_connect4(port_of(only)));
    int cv = socket(AF_INET6, SOCK_STREAM, 0);
    one = 1;
    setsockopt(cv, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    CHECK("V6ONLY socket to v4-mapped", connect(cv, (struct sockaddr *)&tm, sizeof tm));

    /* UDP over ::1 and v4-mapped. */
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 ua = lo6(0);
    ua.sin6_addr = in6addr_any;
    bind(u, (struct sockaddr *)&ua, sizeof ua);
    int u4 = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in t4 = lo4(port_of(u));
    sendto(u4, "v4", 2, 0, (struct sockaddr *)&t4, sizeof t4);
    struct sockaddr_in6 from;
    socklen_t fl = sizeof from;
    long n = recvfrom(u, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
    printf("udp6 got %ld from %s len %d\n", n, addr_str((struct sockaddr *)&from, ab, sizeof ab), (int)fl);
    CHECK("udp6 reply to mapped", sendto(u, "ok", 2, 0, (struct sockaddr *)&from, fl));
    CHECK("udp4 recv", recv(u4, b, sizeof b, 0));
    CHECK("v4 address to v6 socket", sendto(u, "x", 1, 0, (struct sockaddr *)&t4, sizeof t4));
    return 0;
}
