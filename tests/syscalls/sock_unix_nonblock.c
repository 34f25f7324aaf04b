/* Non-blocking sockets: SOCK_NONBLOCK, O_NONBLOCK, FIONBIO; a full stream; FIONREAD. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int main(void)
{
    int sv[2];
    char b[4096];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    CHECK("read empty", read(sv[0], b, 1));
    printf("F_GETFL nonblock: %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
    int off = 0;
    CHECK("FIONBIO off", ioctl(sv[0], FIONBIO, &off));
    printf("F_GETFL nonblock: %d\n", (fcntl(sv[0], F_GETFL) & O_NONBLOCK) != 0);
    CHECK("recv MSG_DONTWAIT", recv(sv[0], b, 1, MSG_DONTWAIT));
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    CHECK("read again", read(sv[0], b, 1));

    int q = -1;
    write(sv[1], "12345", 5);
    write(sv[1], "678", 3);
    CHECK("FIONREAD", ioctl(sv[0], FIONREAD, &q));
    printf("FIONREAD: %d\n", q);
    read(sv[0], b, 6);
    ioctl(sv[0], FIONREAD, &q);
    printf("FIONREAD after 6: %d\n", q);
    read(sv[0], b, 6);

    memset(b, 'x', sizeof b);
    long total = 0;
    ssize_t w;
    while ((w = write(sv[1], b, sizeof b)) > 0)
        total += w;
    printf("filled: errno=%s some=%d\n", errname(errno), total > 0);
    struct pollfd p = {.fd = sv[1], .events = POLLOUT};
    printf("poll full: %d\n", poll(&p, 1, 0));
    int out = -1;
    ioctl(sv[1], TIOCOUTQ, &out);
    printf("SIOCOUTQ positive: %d\n", out > 0);
    ioctl(sv[0], FIONREAD, &q);
    printf("FIONREAD equals written: %d\n", q == total);
    long drained = 0;
    ssize_t r;
    while ((r = read(sv[0], b, sizeof b)) > 0)
        drained += r;
    printf("drained all: %d\n", drained == total);
    int pn = poll(&p, 1, 0);
    printf("poll drained: %d revents=%#x\n", pn, p.revents);
    ioctl(sv[1], TIOCOUTQ, &out);
    printf("SIOCOUTQ: %d\n", out);
    /* A partial write when the buffer fills in the middle. */
    static char big[1 << 20];
    w = write(sv[1], big, sizeof big);
    printf("big write partial: %d\n", w > 0 && w < (ssize_t)sizeof big);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr sa = {.sa_family = AF_UNIX};
    bind(l, &sa, 2);
    listen(l, 1);
    CHECK("FIONREAD on listener", ioctl(l, FIONREAD, &q));
    CHECK("unknown ioctl", ioctl(l, 0x89ff, &q));
    return 0;
}
