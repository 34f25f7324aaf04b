/* SCM_RIGHTS: passing descriptors, MSG_CTRUNC when the buffer is short, MSG_CMSG_CLOEXEC, errors. */
#include "common.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

static int sendfds(int s, const int *fds, int n, const char *data)
{
    char ctl[CMSG_SPACE(sizeof(int) * 8)];
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(s, &m, 0);
}

/* Receives with a control buffer of ctllen bytes; prints what came, returns the first fd. */
static int recvfds(const char *what, int s, size_t ctllen, int flags)
{
    char ctl[256], data[16] = {0};
    memset(ctl, 0, sizeof ctl);
    struct iovec iov = {data, sizeof data - 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctllen ? ctl : NULL, .msg_controllen = ctllen};
    ssize_t r = recvmsg(s, &m, flags);
    printf("%s: r=%zd data='%s' flags=%#x controllen=%zu", what, r, data, m.msg_flags, (size_t)m.msg_controllen);
    int first = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        printf(" [level=%d type=%d len=%zu nfds=%d", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len, n);
        for (int i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (first < 0)
                first = fd;
            printf(" cloexec=%d", fcntl(fd, F_GETFD));
        }
        printf("]");
    }
    printf("\n");
    return first;
}

int main(void)
{
    int sv[2], p[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pipe(p);
    CHECK("send a pipe's write end", sendfds(sv[0], &p[1], 1, "fd"));
    int w = recvfds("receive", sv[1], 64, 0);
    write(w, "through", 7);
    char b[16] = {0};
    read(p[0], b, sizeof b);
    printf("read through passed fd: '%s'\n", b);
    struct stat s1, s2;
    fstat(w, &s1);
    fstat(p[1], &s2);
    TRUE("same pipe", s1.st_ino == s2.st_ino);
    close(w);

    int three[3] = {p[0], p[1], sv[0]};
    CHECK("send three", sendfds(sv[0], three, 3, "3"));
    recvfds("room for one", sv[1], CMSG_SPACE(sizeof(int)), 0);
    CHECK("send three again", sendfds(sv[0], three, 3, "3"));
    recvfds("no room (header only)", sv[1], sizeof(struct cmsghdr), 0);
    CHECK("send three again", sendfds(sv[0], three, 3, "3"));
    recvfds("no control buffer", sv[1], 0, 0);
    CHECK("send with cloexec asked", sendfds(sv[0], three, 2, "c"));
    recvfds("MSG_CMSG_CLOEXEC", sv[1], 64, MSG_CMSG_CLOEXEC);
    CHECK("send and peek", sendfds(sv[0], three, 1, "pk"));
    recvfds("peek", sv[1], 64, MSG_PEEK);
    recvfds("then receive", sv[1], 64, 0);

    /* Data is not glued across a message that carries descriptors. */
    write(sv[0], "ab", 2);
    sendfds(sv[0], three, 1, "cd");
    write(sv[0], "ef", 2);
    recvfds("glue 1", sv[1], 64, 0);
    recvfds("glue 2", sv[1], 64, 0);

    int bad = 99;
    CHECK("bad fd", sendfds(sv[0], &bad, 1, "x"));
    char ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = sizeof ctl + 8;
    CHECK("cmsg_len too big", sendmsg(sv[0], &m, 0));
    c->cmsg_len = 8;
    CHECK("cmsg_len too small", sendmsg(sv[0], &m, 0));
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c->cmsg_type = 77;
    CHECK("unknown SOL_SOCKET type", sendmsg(sv[0], &m, 0));
    c->cmsg_level = 6;
    CHECK("other level ignored", sendmsg(sv[0], &m, 0));
    m.msg_control = BAD_PTR;
    CHECK("bad control pointer", sendmsg(sv[0], &m, 0));
    recvfds("drain", sv[1], 64, MSG_DONTWAIT);

    /* Over a datagram socketpair, and dropped when read() takes the message. */
    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    int before = dup(0);
    close(before);
    sendfds(d[0], &p[1], 1, "dg");
    char x[4];
    CHECK("read() drops the fd", read(d[1], x, sizeof x));
    int after = dup(0);
    TRUE("no fd installed", after == before);
    sendfds(d[0], &p[1], 1, "dg2");
    recvfds("dgram", d[1], 64, 0);
    return 0;
}
