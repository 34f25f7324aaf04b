/* epoll on pipes: level-triggered, edge-triggered, EPOLLONESHOT, ctl errors, data.u64. */
#include "proc.h"
#include <fcntl.h>
#include <sys/epoll.h>

static void waitshow(const char *what, int ep, int timeout)
{
    struct epoll_event ev[4];
    int n = epoll_wait(ep, ev, 4, timeout);
    printf("%s: n=%d", what, n);
    if (n < 0)
        printf(" errno=%s", errname(errno));
    for (int i = 0; i < n; i++)
        printf(" [tag %llu%s%s%s]", (unsigned long long)ev[i].data.u64, ev[i].events & EPOLLIN ? " IN" : "", ev[i].events & EPOLLOUT ? " OUT" : "",
               ev[i].events & EPOLLHUP ? " HUP" : "");
    printf("\n");
}

int main(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll_create1: %s, cloexec=%d\n", ep >= 0 ? "ok" : errname(errno), ep >= 0 ? fcntl(ep, F_GETFD) : -1);
    int p[2];
    pipe2(p, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 11};
    CHECK("ADD read end (level)", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK("ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    waitshow("empty", ep, 0);
    write(p[1], "ab", 2);
    waitshow("data (level)", ep, 0);
    waitshow("data still there (level)", ep, 0);
    char b[4];
    read(p[0], b, 2);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 22;
    CHECK("MOD to edge-triggered", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    write(p[1], "c", 1);
    waitshow("edge: first", ep, 0);
    waitshow("edge: no new data", ep, 0);
    write(p[1], "d", 1);
    waitshow("edge: new data", ep, 0);
    read(p[0], b, 2);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 33;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    write(p[1], "e", 1);
    waitshow("oneshot: first", ep, 0);
    waitshow("oneshot: disarmed", ep, 0);
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    waitshow("oneshot: re-armed", ep, 0);
    read(p[0], b, 1);
    ev.events = EPOLLOUT;
    ev.data.u64 = 44;
    CHECK("ADD write end", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    CHECK("DEL read end", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    waitshow("write end writable", ep, 0);
    CHECK("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    CHECK("MOD not added", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    CHECK("ADD bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
    CHECK("ADD epoll to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    CHECK("ADD a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, open("/etc/passwd", O_RDONLY), &ev));
    CHECK("ctl on a non-epoll fd", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev));
    CHECK("bad op", epoll_ctl(ep, 99, p[0], &ev));
    CHECK("epoll_wait maxevents 0", epoll_wait(ep, &ev, 0, 0));
    CHECK("epoll_create1 bad flags", epoll_create1(1));
    CHECK("epoll_create size 0", epoll_create(0));
    /* HUP when the writer goes away */
    int q[2];
    pipe(q);
    ev.events = EPOLLIN;
    ev.data.u64 = 55;
    epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
    epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev);
    close(q[1]);
    waitshow("writer closed", ep, 0);
    epoll_ctl(ep, EPOLL_CTL_DEL, q[0], NULL);
    /* blocking wait woken by another process */
    int r[2];
    pipe(r);
    ev.data.u64 = 66;
    epoll_ctl(ep, EPOLL_CTL_ADD, r[0], &ev);
    pid_t c = xfork();
    if (c == 0) {
        msleep(50);
        write(r[1], "z", 1);
        _exit(0);
    }
    waitshow("blocking wait woken by a child", ep, 5000);
    waitpid(c, NULL, 0);
    read(r[0], b, 1);
    waitshow("timeout 20ms", ep, 20);
    return 0;
}
