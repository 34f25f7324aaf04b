/* Socket options on TCP and UDP sockets: defaults, set/get round trips, errors. */
#include "inet.h"

static int geti(int fd, int level, int name)
{
    int v = -12345;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0) return -errno * 1000;
    return v;
}

#define SHOW(fd, level, name) printf("%s = %d\n", #name, geti(fd, level, name))
#define SET(fd, level, name, val) do { int v_ = (val); CHECK("set " #name " " #val, setsockopt(fd, level, name, &v_, sizeof v_)); } while (0)

int main(void)
{
    int t = socket(AF_INET, SOCK_STREAM, 0);
    SHOW(t, SOL_SOCKET, SO_TYPE);
    SHOW(t, SOL_SOCKET, SO_DOMAIN);
    SHOW(t, SOL_SOCKET, SO_PROTOCOL);
    SHOW(t, SOL_SOCKET, SO_REUSEADDR);
    SET(t, SOL_SOCKET, SO_REUSEADDR, 1);
    SHOW(t, SOL_SOCKET, SO_REUSEADDR);
    SET(t, SOL_SOCKET, SO_REUSEPORT, 1);
    SHOW(t, SOL_SOCKET, SO_REUSEPORT);
    SHOW(t, SOL_SOCKET, SO_KEEPALIVE);
    SET(t, SOL_SOCKET, SO_KEEPALIVE, 1);
    SHOW(t, SOL_SOCKET, SO_KEEPALIVE);
    SET(t, SOL_SOCKET, SO_RCVBUF, 65536);
    SHOW(t, SOL_SOCKET, SO_RCVBUF);
    SET(t, SOL_SOCKET, SO_SNDBUF, 32768);
    SHOW(t, SOL_SOCKET, SO_SNDBUF);
    SHOW(t, SOL_SOCKET, SO_ERROR);
    struct linger lg = { 1, 5 };
    CHECK("set SO_LINGER", setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    memset(&lg, 0, sizeof lg);
    socklen_t len = sizeof lg;
    getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len);
    printf("SO_LINGER = %d %d len %d\n", lg.l_onoff, lg.l_linger, (int)len);

    SHOW(t, IPPROTO_TCP, TCP_NODELAY);
    SET(t, IPPROTO_TCP, TCP_NODELAY, 1);
    SHOW(t, IPPROTO_TCP, TCP_NODELAY);
    SHOW(t, IPPROTO_TCP, TCP_KEEPIDLE);
    SHOW(t, IPPROTO_TCP, TCP_KEEPINTVL);
    SHOW(t, IPPROTO_TCP, TCP_KEEPCNT);
    SET(t, IPPROTO_TCP, TCP_KEEPIDLE, 30);
    SHOW(t, IPPROTO_TCP, TCP_KEEPIDLE);
    SET(t, IPPROTO_TCP, TCP_KEEPIDLE, 0);
    SET(t, IPPROTO_TCP, TCP_KEEPCNT, 200);
    SHOW(t, IPPROTO_TCP, TCP_MAXSEG);
    SHOW(t, IPPROTO_TCP, 9999);
    /* The default follows the host's net.ipv4.tcp_congestion_control: not printed. */
    char cc[16] = { 0 };
    len = sizeof cc;
    CHECK("get TCP_CONGESTION", getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &len));
    printf("congestion len %d\n", (int)len);
    CHECK("set reno", setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
    len = sizeof cc;
    getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &len);
    printf("congestion = %s\n", cc);
    CHECK("set bogus", setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "bogus", 5));

    SHOW(t, IPPROTO_IP, IP_TTL);
    SET(t, IPPROTO_IP, IP_TTL, 17);
    SHOW(t, IPPROTO_IP, IP_TTL);
    SET(t, IPPROTO_IP, IP_TTL, 0);
    SET(t, IPPROTO_IP, IP_TTL, 256);
    SET(t, IPPROTO_IP, IP_TTL, -1);
    SHOW(t, IPPROTO_IP, IP_TTL);
    SHOW(t, IPPROTO_IPV6, IPV6_V6ONLY);

    /* TCP_INFO on a connection. */
    int l = tcp_listener4(0);
    int c = tcp_connect4(port_of(l));
    int a = accept(l, NULL, NULL);
    struct tcp_info ti;
    len = sizeof ti;
    CHECK("TCP_INFO", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    printf("tcpi_state=%d established=%d\n", ti.tcpi_state, ti.tcpi_state == TCP_ESTABLISHED);
    len = 1;
    CHECK("TCP_INFO 1 byte", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
    printf("len=%d\n", (int)len);
    len = sizeof ti;
    getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len);
    printf("listener tcpi_state=%d\n", ti.tcpi_state);
    close(a);

    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    SHOW(s6, IPPROTO_IPV6, IPV6_V6ONLY);
    SHOW(s6, IPPROTO_IPV6, IPV6_UNICAST_HOPS);
    SHOW(s6, SOL_SOCKET, SO_DOMAIN);

    int u = socket(AF_INET, SOCK_DGRAM, 0);
    SHOW(u, SOL_SOCKET, SO_TYPE);
    SHOW(u, SOL_SOCKET, SO_PROTOCOL);
    SHOW(u, IPPROTO_TCP, TCP_NODELAY);
    SET(u, IPPROTO_TCP, TCP_NODELAY, 1);
    SHOW(u, IPPROTO_IP, IP_TTL);
    CHECK("socket bad protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    CHECK("socket bad type", socket(AF_INET, SOCK_SEQPACKET, 0));
    int sp[2];
    CHECK("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, sp));
    return 0;
}
