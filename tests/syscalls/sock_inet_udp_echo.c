/* UDP over 127.0.0.1: sendto/recvfrom with the sender's address, connected sockets, truncation. */
#include "inet.h"
#include <sys/wait.h>

int main(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = lo4(0);
    CHECK("bind server", bind(srv, (struct sockaddr *)&a, sizeof a));
    int port = port_of(srv);
    int cli = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = lo4(port);
    CHECK("sendto", sendto(cli, "ping", 4, 0, (struct sockaddr *)&to, sizeof to));
    char buf[64];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    long n = recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
    char ab[64];
    printf("server got %ld '%.*s' from %s, port matches client: %d, len=%d\n", n, (int)n, buf,
           addr_str((struct sockaddr *)&from, ab, sizeof ab), ntohs(from.sin_port) == port_of(cli), (int)flen);
    CHECK("reply", sendto(srv, "pong!", 5, 0, (struct sockaddr *)&from, flen));
    n = recv(cli, buf, sizeof buf, 0);
    printf("client got %ld '%.*s'\n", n, (int)n, buf);

    /* Truncation: recv reports the part that fits, MSG_TRUNC the full length. */
    sendto(cli, "0123456789", 10, 0, (struct sockaddr *)&to, sizeof to);
    sendto(cli, "abcdefghij", 10, 0, (struct sockaddr *)&to, sizeof to);
    CHECK("recv 4 of 10", recv(srv, buf, 4, 0));
    CHECK("recv MSG_TRUNC 4 of 10", recv(srv, buf, 4, MSG_TRUNC));
    struct iovec iov = { buf, 3 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    sendto(cli, "xyz12", 5, 0, (struct sockaddr *)&to, sizeof to);
    CHECK("recvmsg 3 of 5", recvmsg(srv, &mh, 0));
    printf("msg_flags MSG_TRUNC: %d\n", (mh.msg_flags & MSG_TRUNC) != 0);

    /* Zero-length datagrams are datagrams. */
    CHECK("send empty", sendto(cli, "", 0, 0, (struct sockaddr *)&to, sizeof to));
    CHECK("recv empty", recv(srv, buf, sizeof buf, 0));

    /* A connected client talks to one peer; send without an address needs one. */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK("send unconnected", send(u, "x", 1, 0));
    CHECK("connect", connect(u, (struct sockaddr *)&to, sizeof to));
    CHECK("send connected", send(u, "conn", 4, 0));
    n = recv(srv, buf, sizeof buf, 0);
    printf("server got %ld '%.*s'\n", n, (int)n, buf);
    struct sockaddr_in pa;
    socklen_t pl = sizeof pa;
    CHECK("getpeername", getpeername(u, (struct sockaddr *)&pa, &pl));
    printf("peer port matches: %d\n", ntohs(pa.sin_port) == port);
    struct sockaddr un = { .sa_family = AF_UNSPEC };
    CHECK("disconnect", connect(u, &un, sizeof un));
    pl = sizeof pa;
    CHECK("getpeername after disconnect", getpeername(u, (struct sockaddr *)&pa, &pl));
    CHECK("recv DONTWAIT empty", recv(srv, buf, sizeof buf, MSG_DONTWAIT));
    CHECK("listen", listen(srv, 1));
    CHECK("accept", accept(srv, NULL, NULL));
    return 0;
}
