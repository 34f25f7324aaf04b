/* getsockname/getpeername on AF_INET and AF_INET6: lengths, families, truncation, ENOTCONN. */
#include "inet.h"

static void show(const char *what, int fd, int peer)
{
    struct sockaddr_storage ss;
    memset(&ss, 0xaa, sizeof ss);
    socklen_t len = sizeof ss;
    errno = 0;
    int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (r < 0) { printf("%s: %s\n", what, errname(errno)); return; }
    char ab[64];
    printf("%s: len=%d family=%d addr=%s\n", what, (int)len, ss.ss_family, addr_str((struct sockaddr *)&ss, ab, sizeof ab));
}

int main(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    show("v4 unbound name", s, 0);
    show("v4 unbound peer", s, 1);
    int s6 = socket(AF_INET6, SOCK_STREAM, 0);
    show("v6 unbound name", s6, 0);
    int l = tcp_listener4(0);
    show("listener name", l, 0);
    show("listener peer", l, 1);
    int c = tcp_connect4(port_of(l));
    int a = accept(l, NULL, NULL);
    show("client name", c, 0);
    show("client peer", c, 1);
    show("accepted name", a, 0);
    show("accepted peer", a, 1);
    printf("ports pair up: %d\n", port_of(c) != port_of(a));
    struct sockaddr_in small;
    socklen_t len = 4;
    CHECK("getsockname short", getsockname(c, (struct sockaddr *)&small, &len));
    printf("short len reported=%d family=%d\n", (int)len, small.sin_family);
    len = sizeof small;
    CHECK("bad pointer", getsockname(c, BAD_PTR, &len));
    CHECK("bad len pointer", getsockname(c, (struct sockaddr *)&small, BAD_PTR));
    len = -1;
    CHECK("negative len", getsockname(c, (struct sockaddr *)&small, &len));
    close(a);
    close(c);
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b6 = lo6(0);
    bind(u6, (struct sockaddr *)&b6, sizeof b6);
    show("udp6 bound name", u6, 0);
    show("udp6 peer", u6, 1);
    return 0;
}
