/* Closing with unread data resets the peer (ECONNRESET, then EOF); a closed listener resets its queue. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static void show(const char *what, int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
    poll(&p, 1, 0);
    printf("%s: revents=%#x\n", what, p.revents);
}

int main(void)
{
    int sv[2];
    char b[8];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "unread", 6);
    close(sv[0]);
    show("peer closed with unread data", sv[1]);
    int e = -1;
    socklen_t el = sizeof e;
    CHECK("read", read(sv[1], b, sizeof b));
    CHECK("read again", read(sv[1], b, sizeof b));
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e, &el);
    printf("SO_ERROR after: %s\n", errname(e));

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "unread", 6);
    close(sv[0]);
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e, &el);
    printf("SO_ERROR: %s\n", errname(e));
    CHECK("read after SO_ERROR cleared it", read(sv[1], b, sizeof b));

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    close(sv[0]);
    CHECK("clean close: read", read(sv[1], b, sizeof b));

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "sock_unix_econnreset");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sock_unix_econnreset");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    listen(l, 2);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("connect", connect(c, (struct sockaddr *)&a, al));
    CHECK("write before accept", write(c, "early", 5));
    close(l);
    show("listener closed before accept", c);
    CHECK("client read", read(c, b, sizeof b));
    CHECK("client read again", read(c, b, sizeof b));
    CHECK("client write", send(c, "x", 1, MSG_NOSIGNAL));
    return 0;
}
