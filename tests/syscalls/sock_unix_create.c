/* socket(2) for AF_UNIX: types, flags, errors, and what fstat/fcntl/getsockopt see. */
#include "common.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static void show(const char *what, int domain, int type, int proto)
{
    errno = 0;
    int fd = socket(domain, type, proto);
    if (fd < 0) {
        printf("%s: errno=%s\n", what, errname(errno));
        return;
    }
    int t = -1, d = -1, p = -1;
    socklen_t l = sizeof t;
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &l);
    l = sizeof d;
    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &d, &l);
    l = sizeof p;
    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &p, &l);
    struct stat st;
    fstat(fd, &st);
    printf("%s: ok type=%d domain=%d proto=%d sock=%d mode=%o fl=%#x fd=%d\n", what, t, d, p, S_ISSOCK(st.st_mode), st.st_mode & 0777,
           fcntl(fd, F_GETFL), fcntl(fd, F_GETFD));
    close(fd);
}

int main(void)
{
    show("stream", AF_UNIX, SOCK_STREAM, 0);
    show("dgram", AF_UNIX, SOCK_DGRAM, 0);
    show("seqpacket", AF_UNIX, SOCK_SEQPACKET, 0);
    show("raw is dgram", AF_UNIX, SOCK_RAW, 0);
    show("protocol PF_UNIX", AF_UNIX, SOCK_STREAM, PF_UNIX);
    show("nonblock|cloexec", AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    show("AF_LOCAL", AF_LOCAL, SOCK_DGRAM, 0);
    show("protocol 6", AF_UNIX, SOCK_STREAM, 6);
    show("rdm", AF_UNIX, SOCK_RDM, 0);
    show("type 11", AF_UNIX, 11, 0);
    show("type -1", AF_UNIX, -1, 0);
    show("bad flag", AF_UNIX, SOCK_STREAM | 0x10000, 0);
    show("family 46", 46, SOCK_STREAM, 0);
    show("family -1", -1, SOCK_STREAM, 0);
    show("family 1000", 1000, SOCK_STREAM, 0);

    int p[2];
    pipe(p);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    socklen_t al = sizeof a;
    int v;
    socklen_t vl = sizeof v;
    CHECK("bind pipe", bind(p[0], (struct sockaddr *)&a, sizeof a));
    CHECK("listen pipe", listen(p[0], 1));
    CHECK("accept pipe", accept(p[0], NULL, NULL));
    CHECK("connect pipe", connect(p[0], (struct sockaddr *)&a, sizeof a));
    CHECK("getsockname pipe", getsockname(p[0], (struct sockaddr *)&a, &al));
    CHECK("getsockopt pipe", getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &vl));
    CHECK("shutdown pipe", shutdown(p[0], SHUT_RD));
    CHECK("send pipe", send(p[1], "x", 1, 0));
    CHECK("recv pipe", recv(p[0], &v, 1, 0));
    CHECK("bind badf", bind(99, (struct sockaddr *)&a, sizeof a));
    CHECK("listen badf", listen(99, 1));
    CHECK("sendto badf", sendto(99, "x", 1, 0, NULL, 0));
    CHECK("getsockopt badf", getsockopt(99, SOL_SOCKET, SO_TYPE, &v, &vl));
    CHECK("accept4 bad flags", accept4(p[0], NULL, NULL, 1));
    return 0;
}
