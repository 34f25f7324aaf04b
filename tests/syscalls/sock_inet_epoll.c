/* poll/epoll readiness of TCP sockets: pending connections, writable, data, peer close. */
#include "inet.h"
#include <poll.h>
#include <sys/epoll.h>

static void ready(const char *what, int ep)
{
    struct epoll_event ev[4];
    int n = epoll_wait(ep, ev, 4, 2000);
    printf("%s: n=%d", what, n);
    for (int i = 0; i < n; i++)
        printf(" [fd%s in=%d out=%d hup=%d rdhup=%d err=%d]", ev[i].data.u32 == 1 ? "A" : "B", !!(ev[i].events & EPOLLIN),
               !!(ev[i].events & EPOLLOUT), !!(ev[i].events & EPOLLHUP), !!(ev[i].events & EPOLLRDHUP), !!(ev[i].events & EPOLLERR));
    printf("\n");
}

int main(void)
{
    int l = tcp_listener4(SOCK_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event e = { .events = EPOLLIN, .data.u32 = 1 };
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &e);
    struct epoll_event none[1];
    printf("listener idle: %d\n", epoll_wait(ep, none, 1, 50));
    int c = tcp_connect4(port_of(l));
    ready("listener with a pending connection", ep);
    int a = accept(l, NULL, NULL);
    printf("listener after accept: %d\n", epoll_wait(ep, none, 1, 50));
    epoll_ctl(ep, EPOLL_CTL_DEL, l, NULL);

    e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    e.data.u32 = 1;
    epoll_ctl(ep, EPOLL_CTL_ADD, a, &e);
    ready("accepted, idle", ep);
    write(c, "data", 4);
    usleep(20000);
    ready("accepted, data", ep);
    char b[8];
    read(a, b, sizeof b);
    shutdown(c, SHUT_WR);
    usleep(20000);
    ready("accepted, peer SHUT_WR", ep);
    close(c);
    usleep(20000);
    ready("accepted, peer closed", ep);

    /* Edge-triggered: one report per arrival. */
    int l2 = tcp_listener4(0);
    int c2 = tcp_connect4(port_of(l2));
    int a2 = accept(l2, NULL, NULL);
    int ep2 = epoll_create1(0);
    e.events = EPOLLIN | EPOLLET;
    e.data.u32 = 2;
    epoll_ctl(ep2, EPOLL_CTL_ADD, a2, &e);
    write(c2, "1", 1);
    usleep(20000);
    ready("ET first", ep2);
    printf("ET again: %d\n", epoll_wait(ep2, none, 1, 50));
    write(c2, "2", 1);
    usleep(20000);
    ready("ET second arrival", ep2);

    /* poll() */
    struct pollfd p[2] = { { a2, POLLIN | POLLOUT, 0 }, { c2, POLLIN | POLLOUT, 0 } };
    int n = poll(p, 2, 1000);
    printf("poll: n=%d a2=%#x c2=%#x\n", n, p[0].revents, p[1].revents);
    int fresh = socket(AF_INET, SOCK_STREAM, 0);
    struct pollfd pf = { fresh, POLLIN | POLLOUT, 0 };
    poll(&pf, 1, 0);
    printf("fresh socket revents=%#x\n", pf.revents);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    struct pollfd pu = { u, POLLIN | POLLOUT, 0 };
    poll(&pu, 1, 0);
    printf("fresh udp revents=%#x\n", pu.revents);
    return 0;
}
