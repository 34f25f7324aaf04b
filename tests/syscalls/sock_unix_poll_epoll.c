/* Readiness of AF_UNIX sockets for poll, select and epoll, including POLLRDHUP and POLLHUP. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static void show(const char *what, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI};
    int n = poll(&p, 1, 0);
    printf("%s: n=%d revents=%#x\n", what, n, p.revents);
}

int main(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("fresh pair", sv[0]);
    write(sv[1], "x", 1);
    show("data", sv[0]);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    struct epoll_event out[2];
    int n = epoll_wait(ep, out, 2, 0);
    printf("epoll: n=%d events=%#x\n", n, n > 0 ? out[0].events : 0);
    n = epoll_wait(ep, out, 2, 0);
    printf("epoll edge, nothing new: n=%d\n", n);
    char b[8];
    read(sv[0], b, 1);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(sv[0], &r);
    FD_SET(sv[0], &w);
    struct timeval tv = {0, 0};
    n = select(sv[0] + 1, &r, &w, NULL, &tv);
    printf("select: n=%d r=%d w=%d\n", n, FD_ISSET(sv[0], &r), FD_ISSET(sv[0], &w));
    close(sv[1]);
    show("peer closed", sv[0]);
    n = epoll_wait(ep, out, 2, 0);
    printf("epoll after close: n=%d events=%#x\n", n, n > 0 ? out[0].events : 0);

    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    show("unconnected stream", u);
    int ud = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("unconnected dgram", ud);
    int us = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show("unconnected seqpacket", us);

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "sock_unix_poll_epoll");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sock_unix_poll_epoll");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    listen(l, 4);
    show("listener", l);
    /* A blocked poll on the listener wakes when a child connects. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(c, (struct sockaddr *)&a, al);
        usleep(50000);
        write(c, "hi", 2);
        close(c);
        _exit(0);
    }
    struct pollfd p = {.fd = l, .events = POLLIN};
    n = poll(&p, 1, 5000);
    printf("blocked poll on listener: n=%d revents=%#x\n", n, p.revents);
    int s = accept(l, NULL, NULL);
    struct epoll_event e2 = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = 9};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e2);
    n = epoll_wait(ep, out, 2, 5000);
    printf("blocked epoll on accepted: n=%d tag=%llu in=%d\n", n, n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL, n > 0 && (out[0].events & EPOLLIN));
    waitpid(pid, NULL, 0);
    read(s, b, sizeof b);
    show("accepted after client left", s);
    return 0;
}
