/* accept/accept4: flags on the new socket, EAGAIN on a non-blocking listener, EINVAL when not listening. */
#include "inet.h"
#include <fcntl.h>

int main(void)
{
    int l = tcp_listener4(SOCK_NONBLOCK);
    CHECK("accept nothing pending", accept(l, NULL, NULL));
    int port = port_of(l);
    int c1 = tcp_connect4(port), c2 = tcp_connect4(port), c3 = tcp_connect4(port);
    printf("connected: %d %d %d\n", c1 >= 0, c2 >= 0, c3 >= 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int a = accept4(l, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    printf("accept4 flags: nonblock=%d cloexec=%d len=%d\n", (fcntl(a, F_GETFL) & O_NONBLOCK) != 0, (fcntl(a, F_GETFD) & FD_CLOEXEC) != 0, (int)plen);
    int b = accept(l, NULL, NULL);
    printf("accept: nonblock=%d cloexec=%d\n", (fcntl(b, F_GETFL) & O_NONBLOCK) != 0, (fcntl(b, F_GETFD) & FD_CLOEXEC) != 0);
    plen = 4;
    int c = accept(l, (struct sockaddr *)&peer, &plen);
    printf("accept short addrlen: ok=%d len=%d\n", c >= 0, (int)plen);
    CHECK("accept4 bad flags", accept4(l, NULL, NULL, 0x1));
    CHECK("accept empty again", accept(l, NULL, NULL));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("accept on unbound", accept(s, NULL, NULL));
    CHECK("accept on connected", accept(c1, NULL, NULL));
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("accept on udp", accept(u, NULL, NULL));
    CHECK("listen on udp", listen(u, 1));
    int v;
    socklen_t vl = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("SO_ACCEPTCONN listener=%d\n", v);
    getsockopt(a, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("SO_ACCEPTCONN accepted=%d\n", v);
    /* Options set on the listener carry over to accepted connections. */
    int l2 = tcp_listener4(0);
    int one = 1;
    setsockopt(l2, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(l2, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int c4 = tcp_connect4(port_of(l2));
    int a4 = accept(l2, NULL, NULL);
    getsockopt(a4, SOL_SOCKET, SO_KEEPALIVE, &v, &vl);
    printf("accepted SO_KEEPALIVE=%d", v);
    getsockopt(a4, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    printf(" TCP_NODELAY=%d", v);
    getsockopt(c4, IPPROTO_TCP, TCP_NODELAY, &v, &vl);
    printf(" client TCP_NODELAY=%d\n", v);
    /* The accepted socket's local name is the listener's. */
    printf("accepted port matches: %d\n", port_of(a) == port);
    return 0;
}
