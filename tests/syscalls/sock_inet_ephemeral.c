/* Ephemeral ports: bind to port 0 and connect without bind pick a port in
 * net.ipv4.ip_local_port_range (32768-60999 by default), distinct per socket. */
#include "inet.h"

static int in_range(int p) { return p >= 32768 && p <= 60999; }

int main(void)
{
    int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in z = lo4(0);
    CHECK("bind a", bind(a, (struct sockaddr *)&z, sizeof z));
    CHECK("bind b", bind(b, (struct sockaddr *)&z, sizeof z));
    printf("a in range: %d, b in range: %d, distinct: %d\n", in_range(port_of(a)), in_range(port_of(b)), port_of(a) != port_of(b));
    int unb = socket(AF_INET, SOCK_STREAM, 0);
    printf("unbound port: %d\n", port_of(unb));
    CHECK("listen unbound (autobind)", listen(unb, 1));
    printf("after listen in range: %d\n", in_range(port_of(unb)));
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = lo4(port_of(unb));
    CHECK("connect", connect(c, (struct sockaddr *)&to, sizeof to));
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    getsockname(c, (struct sockaddr *)&me, &len);
    char ab[64];
    printf("client name %s, in range %d\n", addr_str((struct sockaddr *)&me, ab, sizeof ab), in_range(ntohs(me.sin_port)));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    printf("udp unbound port: %d\n", port_of(u));
    CHECK("udp sendto", sendto(u, "x", 1, 0, (struct sockaddr *)&to, sizeof to));
    len = sizeof me;
    getsockname(u, (struct sockaddr *)&me, &len);
    printf("udp after sendto: %s in range %d\n", addr_str((struct sockaddr *)&me, ab, sizeof ab), in_range(ntohs(me.sin_port)));
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 z6 = lo6(0);
    z6.sin6_addr = in6addr_any;
    CHECK("udp6 bind any", bind(u6, (struct sockaddr *)&z6, sizeof z6));
    struct sockaddr_in6 me6;
    len = sizeof me6;
    getsockname(u6, (struct sockaddr *)&me6, &len);
    printf("udp6 name %s len %d in range %d\n", addr_str((struct sockaddr *)&me6, ab, sizeof ab), (int)len, in_range(ntohs(me6.sin6_port)));
    return 0;
}
