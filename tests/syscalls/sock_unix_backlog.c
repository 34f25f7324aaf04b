/* listen backlog: nonblocking connects beyond it get EAGAIN; accept makes room; SO_ACCEPTCONN. */
#include "common.h"
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t mk(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path + 1, name);
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static int fill(struct sockaddr_un *a, socklen_t al)
{
    int n = 0;
    for (;;) {
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(c, (struct sockaddr *)a, al) < 0) {
            printf("  connect %d: errno=%s\n", n + 1, errname(errno));
            close(c);
            return n;
        }
        n++;
        if (n > 100)
            return n;
    }
}

int main(void)
{
    struct sockaddr_un a;
    socklen_t al = mk(&a, "sock_unix_backlog");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    int v = -1;
    socklen_t vl = sizeof v;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("acceptconn before listen=%d\n", v);
    listen(l, 2);
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
    printf("acceptconn after listen=%d\n", v);
    struct pollfd pf = {.fd = l, .events = POLLIN | POLLOUT};
    int pn = poll(&pf, 1, 0);
    printf("poll empty listener: %d revents=%#x\n", pn, pf.revents);
    printf("backlog 2: %d connected\n", fill(&a, al));
    pn = poll(&pf, 1, 0);
    printf("poll listener: %d revents=%#x\n", pn, pf.revents);
    int s = accept(l, NULL, NULL);
    printf("accept: ok=%d\n", s >= 0);
    printf("after one accept: %d connected\n", fill(&a, al));
    listen(l, 5);
    printf("backlog raised to 5: %d more\n", fill(&a, al));
    int fl = fcntl(l, F_GETFL);
    fcntl(l, F_SETFL, fl | O_NONBLOCK);
    int n = 0;
    while (accept4(l, NULL, NULL, SOCK_NONBLOCK) >= 0)
        n++;
    printf("accepted %d more, then errno=%s\n", n, errname(errno));
    CHECK("nonblocking accept on empty queue", accept(l, NULL, NULL));
    int l0 = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l0, (struct sockaddr *)&a, mk(&a, "sock_unix_backlog0"));
    listen(l0, 0);
    printf("backlog 0: %d connected\n", fill(&a, mk(&a, "sock_unix_backlog0")));
    int ln = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(ln, (struct sockaddr *)&a, mk(&a, "sock_unix_backlogn"));
    CHECK("negative backlog", listen(ln, -5));
    printf("negative backlog: %d connected (capped)\n", fill(&a, mk(&a, "sock_unix_backlogn")));
    return 0;
}
