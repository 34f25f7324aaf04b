/* shutdown(2): SHUT_RD, SHUT_WR, SHUT_RDWR on a stream pair, with poll showing each state. */
#include "common.h"
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

static int pipes;
static void onpipe(int s) { (void)s; pipes++; }

static void show(const char *what, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
    poll(&p, 1, 0);
    printf("%s: revents=%#x\n", what, p.revents);
}

int main(void)
{
    signal(SIGPIPE, onpipe);
    int sv[2];
    char b[8];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("fresh", sv[0]);
    CHECK("bad how", shutdown(sv[0], 3));
    CHECK("negative how", shutdown(sv[0], -1));
    write(sv[1], "ab", 2);
    CHECK("SHUT_RD", shutdown(sv[0], SHUT_RD));
    show("after SHUT_RD, self", sv[0]);
    show("after SHUT_RD, peer", sv[1]);
    CHECK("queued data still readable", read(sv[0], b, sizeof b));
    CHECK("then EOF", read(sv[0], b, sizeof b));
    CHECK("peer writes", write(sv[1], "x", 1));
    printf("SIGPIPEs: %d\n", pipes);
    CHECK("self writes", write(sv[0], "y", 1));
    CHECK("peer reads it", read(sv[1], b, sizeof b));
    close(sv[0]);
    close(sv[1]);

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    CHECK("SHUT_WR", shutdown(sv[0], SHUT_WR));
    show("after SHUT_WR, self", sv[0]);
    show("after SHUT_WR, peer", sv[1]);
    CHECK("self writes", write(sv[0], "x", 1));
    printf("SIGPIPEs: %d\n", pipes);
    CHECK("self sends MSG_NOSIGNAL", send(sv[0], "x", 1, MSG_NOSIGNAL));
    printf("SIGPIPEs: %d\n", pipes);
    CHECK("peer reads EOF", read(sv[1], b, sizeof b));
    CHECK("peer still writes", write(sv[1], "z", 1));
    CHECK("self reads", read(sv[0], b, sizeof b));
    CHECK("SHUT_RDWR", shutdown(sv[1], SHUT_RDWR));
    show("after both, self", sv[0]);
    show("after both, peer", sv[1]);
    CHECK("shutdown twice", shutdown(sv[1], SHUT_RDWR));
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    show("unconnected stream", u);
    CHECK("shutdown unconnected", shutdown(u, SHUT_RDWR));
    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    CHECK("dgram SHUT_WR", shutdown(d[0], SHUT_WR));
    CHECK("dgram send after SHUT_WR", send(d[0], "x", 1, 0));
    printf("SIGPIPEs: %d\n", pipes);
    show("dgram peer", d[1]);
    CHECK("dgram SHUT_RD", shutdown(d[1], SHUT_RD));
    CHECK("dgram recv after SHUT_RD", recv(d[1], b, 1, MSG_DONTWAIT));
    show("dgram after SHUT_RD", d[1]);
    return 0;
}
