/* Datagram queues: a receiver that is not talking back fills up (EAGAIN); a socketpair does not. */
#include "common.h"
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, "sock_unix_dgram_qlen");
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("sock_unix_dgram_qlen");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&a, al);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int n = 0;
    while (n < 100000 && sendto(s, "d", 1, 0, (struct sockaddr *)&a, al) == 1)
        n++;
    printf("unconnected receiver: stopped=%s after at least 11=%d\n", errname(errno), n >= 11);
    connect(s, (struct sockaddr *)&a, al);
    struct pollfd pf = {.fd = s, .events = POLLOUT};
    printf("poll connected sender to a full receiver: %d\n", poll(&pf, 1, 0));
    char b;
    recv(r, &b, 1, 0);
    printf("after one read: send=%zd\n", send(s, "e", 1, 0));
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv);
    int ok = 0;
    for (int i = 0; i < 50; i++)
        ok += send(sv[0], "p", 1, 0) == 1;
    printf("socketpair: %d of 50 small datagrams queued\n", ok);
    return 0;
}
