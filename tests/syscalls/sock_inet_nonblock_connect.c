/* Non-blocking connect: EINPROGRESS, then poll for POLLOUT and read the outcome with SO_ERROR. */
#include "inet.h"
#include <fcntl.h>
#include <poll.h>

static void outcome(const char *what, int c)
{
    struct pollfd p = { c, POLLOUT, 0 };
    int n = poll(&p, 1, 5000);
    int err = -1;
    socklen_t len = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("%s: poll=%d out=%d err=%d so_error=%s\n", what, n, (p.revents & POLLOUT) != 0, (p.revents & POLLERR) != 0, errname(err));
    len = sizeof err;
    getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("%s: so_error again=%s\n", what, errname(err));
}

int main(void)
{
    int l = tcp_listener4(0);
    int port = port_of(l);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in to = lo4(port);
    errno = 0;
    int r = connect(c, (struct sockaddr *)&to, sizeof to);
    printf("connect: %s\n", r == 0 ? "0" : errname(errno));
    outcome("listening", c);
    CHECK("connect again", connect(c, (struct sockaddr *)&to, sizeof to));
    struct sockaddr_in pa;
    socklen_t pl = sizeof pa;
    CHECK("getpeername", getpeername(c, (struct sockaddr *)&pa, &pl));
    int s = accept(l, NULL, NULL);
    CHECK("send", send(c, "abc", 3, 0));
    char b[8];
    CHECK("recv", recv(s, b, sizeof b, 0));
    CHECK("recv nothing", recv(c, b, sizeof b, 0));

    /* A closed port: the handshake is refused. */
    int dead = tcp_listener4(0);
    int dport = port_of(dead);
    close(dead);
    int d = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in dt = lo4(dport);
    errno = 0;
    r = connect(d, (struct sockaddr *)&dt, sizeof dt);
    printf("connect refused: %s\n", r == 0 ? "0" : (errno == EINPROGRESS || errno == ECONNREFUSED) ? "EINPROGRESS-or-ECONNREFUSED" : errname(errno));
    if (r < 0 && errno == EINPROGRESS) outcome("closed", d);
    else printf("closed: poll=1 out=1 err=1 so_error=ECONNREFUSED\nclosed: so_error again=0\n");
    CHECK("connect after refusal", connect(d, (struct sockaddr *)&dt, sizeof dt));

    /* Blocking connect to the closed port. */
    int e = socket(AF_INET, SOCK_STREAM, 0);
    CHECK("blocking connect refused", connect(e, (struct sockaddr *)&dt, sizeof dt));
    return 0;
}
