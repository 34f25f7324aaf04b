/* socketpair(2): the three types, flags, names of unnamed sockets, errors. */
#include "common.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

static void pair(const char *what, int type)
{
    int sv[2];
    errno = 0;
    if (socketpair(AF_UNIX, type, 0, sv) < 0) {
        printf("%s: errno=%s\n", what, errname(errno));
        return;
    }
    char buf[16] = {0};
    ssize_t w1 = write(sv[0], "hello", 5), w2 = write(sv[0], "world", 5);
    ssize_t r = read(sv[1], buf, sizeof buf - 1);
    printf("%s: w=%zd,%zd r=%zd '%s' fl=%#x cloexec=%d\n", what, w1, w2, r, buf, fcntl(sv[0], F_GETFL) & ~O_LARGEFILE, fcntl(sv[1], F_GETFD));
    memset(buf, 0, sizeof buf);
    r = write(sv[1], "back", 4);
    r = read(sv[0], buf, sizeof buf);
    printf("%s: back r=%zd '%s'\n", what, r, buf);
    struct sockaddr_un a;
    socklen_t l = sizeof a;
    int rr = getsockname(sv[0], (struct sockaddr *)&a, &l);
    printf("%s: getsockname=%d len=%u family=%d\n", what, rr, l, a.sun_family);
    l = sizeof a;
    rr = getpeername(sv[0], (struct sockaddr *)&a, &l);
    printf("%s: getpeername=%d len=%u\n", what, rr, l);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    pair("stream", SOCK_STREAM);
    pair("dgram", SOCK_DGRAM);
    pair("seqpacket", SOCK_SEQPACKET);
    pair("stream nonblock cloexec", SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
    int sv[2];
    CHECK("bad type", socketpair(AF_UNIX, 9, 0, sv));
    CHECK("bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 3, sv));
    CHECK("bad flags", socketpair(AF_UNIX, SOCK_STREAM | 0x4000, 0, sv));
    CHECK("bad family", socketpair(60, SOCK_STREAM, 0, sv));
    CHECK("bad pointer", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD_PTR));
    /* The fds of the failed call are not leaked: the next socket gets the lowest free fd. */
    int a = socket(AF_UNIX, SOCK_STREAM, 0);
    int b = dup(0);
    TRUE("no fd leaked", b == a + 1);
    return 0;
}
