/* SOCK_SEQPACKET: connection-oriented with record boundaries; EOF when the peer leaves. */
#include "common.h"
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "sock_unix_seqpacket");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sock_unix_seqpacket");
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    int u = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    char buf[64];
    CHECK("send unconnected", send(u, "x", 1, 0));
    CHECK("recv unconnected", recv(u, buf, 1, MSG_DONTWAIT));
    bind(l, (struct sockaddr *)&a, al);
    CHECK("listen", listen(l, 1));
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK("connect", connect(c, (struct sockaddr *)&a, al));
    int s = accept(l, NULL, NULL);
    CHECK("send 1", send(c, "one", 3, 0));
    CHECK("send 2", send(c, "two two", 7, 0));
    CHECK("send empty", send(c, "", 0, 0));
    CHECK("sendto ignores the address", sendto(c, "four", 4, 0, (struct sockaddr *)&a, al));
    for (int i = 0; i < 4; i++) {
        struct iovec iov = {buf, 5};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        memset(buf, 0, sizeof buf);
        ssize_t r = recvmsg(s, &m, 0);
        printf("recv %d: r=%zd '%s' flags=%#x\n", i, r, buf, m.msg_flags);
    }
    send(c, "truncated message", 17, 0);
    printf("MSG_TRUNC: %zd\n", recv(s, buf, 3, MSG_TRUNC));
    send(s, "back", 4, 0);
    memset(buf, 0, sizeof buf);
    printf("back: %zd '%s'\n", recv(c, buf, sizeof buf, 0), buf);
    send(c, "last", 4, 0);
    close(c);
    memset(buf, 0, sizeof buf);
    printf("queued after close: %zd '%s'\n", recv(s, buf, sizeof buf, 0), buf);
    printf("then EOF: %zd\n", recv(s, buf, sizeof buf, 0));
    CHECK("send to closed peer", send(s, "x", 1, 0));
    CHECK("dgram connect to seqpacket", ({ int d = socket(AF_UNIX, SOCK_DGRAM, 0); connect(d, (struct sockaddr *)&a, al); }));
    return 0;
}
