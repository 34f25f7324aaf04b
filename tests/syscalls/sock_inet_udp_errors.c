/* UDP errors: a connected socket hears ICMP port unreachable as ECONNREFUSED, oversize datagrams,
 * bad addresses, SO_RCVBUF. */
#include "inet.h"
#include <poll.h>

int main(void)
{
    int dead = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in z = lo4(0);
    bind(dead, (struct sockaddr *)&z, sizeof z);
    struct sockaddr_in to = lo4(port_of(dead));
    close(dead);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("connect", connect(u, (struct sockaddr *)&to, sizeof to));
    CHECK("send to closed port", send(u, "x", 1, 0));
    struct pollfd p = { u, POLLIN, 0 };
    int n = poll(&p, 1, 2000);
    printf("poll: n=%d err=%d in=%d\n", n, !!(p.revents & POLLERR), !!(p.revents & POLLIN));
    char b[8];
    CHECK("recv after refusal", recv(u, b, sizeof b, MSG_DONTWAIT));
    CHECK("recv again", recv(u, b, sizeof b, MSG_DONTWAIT));
    CHECK("send again", send(u, "x", 1, 0));
    usleep(20000);
    int err = -1;
    socklen_t len = sizeof err;
    getsockopt(u, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("SO_ERROR: %s\n", errname(err));

    /* An unconnected socket hears nothing. */
    int v = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("sendto closed port", sendto(v, "x", 1, 0, (struct sockaddr *)&to, sizeof to));
    usleep(20000);
    CHECK("recv unconnected", recv(v, b, sizeof b, MSG_DONTWAIT));

    static char big[70000];
    struct sockaddr_in self = lo4(0);
    bind(v, (struct sockaddr *)&self, sizeof self);
    struct sockaddr_in me = lo4(port_of(v));
    CHECK("65507 bytes", sendto(v, big, 65507, 0, (struct sockaddr *)&me, sizeof me));
    CHECK("receive it", recv(v, big, sizeof big, 0));
    CHECK("65508 bytes", sendto(v, big, 65508, 0, (struct sockaddr *)&me, sizeof me));
    CHECK("short address", sendto(v, "x", 1, 0, (struct sockaddr *)&me, 8));
    struct sockaddr_in6 six = lo6(1);
    CHECK("v6 address", sendto(v, "x", 1, 0, (struct sockaddr *)&six, sizeof six));
    struct sockaddr_in zero = lo4(0);
    CHECK("port 0", sendto(v, "x", 1, 0, (struct sockaddr *)&zero, sizeof zero));
    CHECK("connect short", connect(v, (struct sockaddr *)&me, 4));
    CHECK("bad buffer", sendto(v, BAD_PTR, 4, 0, (struct sockaddr *)&me, sizeof me));
    return 0;
}
