/* poll/ppoll on pipes: POLLIN/POLLOUT readiness, POLLHUP/POLLERR when the other end closes,
 * timeouts, invalid fds (POLLNVAL), a wake-up by a writer in another process. */
#include "proc.h"
#include <fcntl.h>
#include <poll.h>

static void show(const char *what, struct pollfd *f, int n, int r)
{
    printf("%s: ret=%d", what, r);
    if (r < 0)
        printf(" errno=%s", errname(errno));
    for (int i = 0; i < n; i++)
        printf(" [%s%s%s%s%s]", f[i].revents & POLLIN ? "IN " : "", f[i].revents & POLLOUT ? "OUT " : "", f[i].revents & POLLHUP ? "HUP " : "",
               f[i].revents & POLLERR ? "ERR " : "", f[i].revents & POLLNVAL ? "NVAL" : "");
    printf("\n");
}

int main(void)
{
    int p[2];
    pipe(p);
    struct pollfd f[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    show("empty pipe", f, 2, poll(f, 2, 0));
    write(p[1], "x", 1);
    show("one byte", f, 2, poll(f, 2, 0));
    f[0].revents = 0;
    show("10ms timeout, read end only with data", f, 1, poll(f, 1, 10));
    char c;
    read(p[0], &c, 1);
    show("drained, 20ms timeout", f, 1, poll(f, 1, 20));
    /* fill the pipe: no POLLOUT */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    static char big[65536];
    while (write(p[1], big, sizeof big) > 0) {
    }
    show("full pipe", f, 2, poll(f, 2, 0));
    while (read(p[0], big, sizeof big) > 0) {
    }
    /* writer closes: POLLHUP on the read end */
    close(p[1]);
    f[0].events = POLLIN;
    show("writer closed", f, 1, poll(f, 1, 0));
    int q[2];
    pipe(q);
    close(q[0]);
    struct pollfd g = {q[1], POLLOUT, 0};
    show("reader closed (write end)", &g, 1, poll(&g, 1, 0));
    struct pollfd bad[2] = {{999, POLLIN, 0}, {-1, POLLIN, 0}};
    show("invalid fd and negative fd", bad, 2, poll(bad, 2, 0));
    CHECK("poll efault", syscall(SYS_poll, BAD_PTR, 1, 0));
    CHECK("poll nfds above RLIMIT_NOFILE", syscall(SYS_poll, f, 1u << 30, 0));
    /* blocking poll woken by a child's write */
    int r[2];
    pipe(r);
    pid_t ch = xfork();
    if (ch == 0) {
        msleep(50);
        write(r[1], "y", 1);
        _exit(0);
    }
    struct pollfd h = {r[0], POLLIN, 0};
    show("blocking poll woken by a child", &h, 1, poll(&h, 1, 5000));
    waitpid(ch, NULL, 0);
    /* ppoll with a timespec and a signal mask */
    struct timespec ts = {0, 10 * 1000 * 1000};
    struct pollfd e = {r[0], POLLIN, 0};
    read(r[0], &c, 1);
    sigset_t m;
    sigemptyset(&m);
    show("ppoll 10ms", &e, 1, ppoll(&e, 1, &ts, &m));
    /* nfds 0 with a timeout is a sleep */
    show("poll(NULL, 0, 10)", NULL, 0, poll(NULL, 0, 10));
    return 0;
}
