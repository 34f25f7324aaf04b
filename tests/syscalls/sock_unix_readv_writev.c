/* Gather and scatter: writev/readv and sendmsg/recvmsg iovecs keep datagram boundaries. */
#include "common.h"
#include <sys/socket.h>
#include <sys/uio.h>

int main(void)
{
    int d[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, d);
    struct iovec w[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    CHECK("writev one datagram", writev(d[0], w, 3));
    CHECK("writev another", writev(d[0], w, 1));
    char x[3] = {0}, y[3] = {0}, z[8] = {0};
    struct iovec r[3] = {{x, 2}, {y, 2}, {z, 8}};
    CHECK("readv gets one datagram", readv(d[1], r, 3));
    printf("x='%s' y='%s' z='%s'\n", x, y, z);
    memset(x, 0, 3);
    CHECK("readv the next", readv(d[1], r, 3));
    printf("x='%s'\n", x);
    struct msghdr m = {.msg_iov = w, .msg_iovlen = 3};
    CHECK("sendmsg", sendmsg(d[0], &m, 0));
    memset(z, 0, 8);
    struct iovec rr[2] = {{x, 1}, {z, 3}};
    struct msghdr mr = {.msg_iov = rr, .msg_iovlen = 2};
    CHECK("recvmsg 4 of 6", recvmsg(d[1], &mr, 0));
    printf("flags=%#x x[0]=%c z='%s'\n", mr.msg_flags, x[0], z);
    struct iovec bad[2] = {{"ok", 2}, {BAD_PTR, 4}};
    CHECK("writev bad second", writev(d[0], bad, 2));
    m.msg_iov = bad;
    m.msg_iovlen = 2;
    CHECK("sendmsg bad second", sendmsg(d[0], &m, 0));
    m.msg_iovlen = 1025;
    CHECK("sendmsg iovlen 1025", sendmsg(d[0], &m, 0));
    CHECK("writev iovcnt 1025", syscall(SYS_writev, d[0], bad, 1025));
    CHECK("sendmsg bad msghdr", sendmsg(d[0], BAD_PTR, 0));
    CHECK("recvmsg bad msghdr", recvmsg(d[1], BAD_PTR, MSG_DONTWAIT));
    struct iovec neg = {x, (size_t)-1};
    m.msg_iov = &neg;
    m.msg_iovlen = 1;
    CHECK("sendmsg negative length", sendmsg(d[0], &m, 0));

    int s[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, s);
    CHECK("stream writev", writev(s[0], w, 3));
    memset(x, 0, 3);
    memset(z, 0, 8);
    struct iovec sr[2] = {{x, 2}, {z, 7}};
    CHECK("stream readv", readv(s[1], sr, 2));
    printf("x='%s' z='%s'\n", x, z);
    write(s[0], "abc", 3);
    CHECK("stream read into a bad buffer", syscall(SYS_read, s[1], BAD_PTR, 3));
    CHECK("the data is still there", read(s[1], x, 3));
    return 0;
}
