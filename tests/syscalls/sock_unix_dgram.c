/* SOCK_DGRAM: addresses, record boundaries, truncation, sizes, connected datagrams. */
#include "common.h"
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t mk(struct sockaddr_un *a, const char *name)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path + 1, name);
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static void rx(const char *what, int fd, size_t len, int flags)
{
    char buf[64] = {0};
    struct sockaddr_un from;
    memset(&from, 0, sizeof from);
    socklen_t fl = sizeof from;
    errno = 0;
    ssize_t r = recvfrom(fd, buf, len, flags, (struct sockaddr *)&from, &fl);
    printf("%s: r=%zd errno=%s data='%.*s' fromlen=%u from='%s'\n", what, r, r < 0 ? errname(errno) : "0", r > 0 ? (int)(r < (ssize_t)len ? r : (ssize_t)len) : 0, buf,
           r < 0 ? 0 : fl, fl > 3 ? from.sun_path + 1 : "");
}

int main(void)
{
    struct sockaddr_un a, b;
    socklen_t al = mk(&a, "sock_unix_dgram_a"), bl = mk(&b, "sock_unix_dgram_b");
    int sa = socket(AF_UNIX, SOCK_DGRAM, 0), sb = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(sa, (struct sockaddr *)&a, al);
    bind(sb, (struct sockaddr *)&b, bl);
    CHECK("send without address", send(sb, "x", 1, 0));
    CHECK("sendto a", sendto(sb, "first", 5, 0, (struct sockaddr *)&a, al));
    CHECK("sendto a again", sendto(sb, "second!", 7, 0, (struct sockaddr *)&a, al));
    CHECK("empty datagram", sendto(sb, "", 0, 0, (struct sockaddr *)&a, al));
    int q = -1;
    ioctl(sa, FIONREAD, &q);
    printf("FIONREAD (next datagram): %d\n", q);
    rx("recv 3 of first", sa, 3, 0);
    rx("recv second with MSG_TRUNC", sa, 2, MSG_TRUNC);
    rx("recv empty", sa, 10, 0);
    rx("recv nothing left", sa, 10, MSG_DONTWAIT);
    struct sockaddr_un none;
    socklen_t nl = mk(&none, "sock_unix_dgram_none");
    CHECK("sendto nobody", sendto(sb, "x", 1, 0, (struct sockaddr *)&none, nl));
    char big[300000];
    memset(big, 'z', sizeof big);
    CHECK("too big", sendto(sb, big, sizeof big, 0, (struct sockaddr *)&a, al));
    CHECK("sendto bad address length", sendto(sb, "x", 1, 0, (struct sockaddr *)&a, 1));
    /* recvmsg reports truncation in msg_flags. */
    sendto(sb, "0123456789", 10, 0, (struct sockaddr *)&a, al);
    char buf[4];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t r = recvmsg(sa, &m, 0);
    printf("recvmsg truncated: r=%zd flags=%#x namelen=%u\n", r, m.msg_flags, m.msg_namelen);
    /* connect: a default destination and a filter on who may send. */
    CHECK("connect b to a", connect(sb, (struct sockaddr *)&a, al));
    CHECK("send on connected", send(sb, "via connect", 11, 0));
    rx("recv", sa, 64, 0);
    struct sockaddr_un p;
    socklen_t pl = sizeof p;
    CHECK("getpeername", getpeername(sb, (struct sockaddr *)&p, &pl));
    printf("peer len=%u\n", pl);
    CHECK("connect a to b", connect(sa, (struct sockaddr *)&b, bl));
    int sc = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("third party to connected a", sendto(sc, "x", 1, 0, (struct sockaddr *)&a, al));
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    CHECK("disconnect a", connect(sa, &unspec, sizeof unspec));
    pl = sizeof p;
    CHECK("getpeername after disconnect", getpeername(sa, (struct sockaddr *)&p, &pl));
    CHECK("third party again", sendto(sc, "third", 5, 0, (struct sockaddr *)&a, al));
    rx("recv third", sa, 64, 0);
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un s;
    socklen_t sl = mk(&s, "sock_unix_dgram_stream");
    bind(st, (struct sockaddr *)&s, sl);
    CHECK("sendto a stream socket", sendto(sc, "x", 1, 0, (struct sockaddr *)&s, sl));
    close(sa);
    CHECK("send to closed peer", send(sb, "x", 1, 0));
    CHECK("send again", send(sb, "x", 1, 0));
    return 0;
}
