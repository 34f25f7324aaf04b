/* Autobind: bind with only sun_family, and implicitly with SO_PASSCRED on connect and send. */
#include "common.h"
#include <ctype.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static void name(const char *what, int fd)
{
    struct sockaddr_un a;
    memset(&a, 0x55, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    int hex = l == 8;
    for (int i = 1; hex && i < 6; i++)
        hex = isxdigit((unsigned char)a.sun_path[i]);
    printf("%s: len=%u abstract=%d five-hex=%d\n", what, l, l > 2 && a.sun_path[0] == 0, hex);
}

int main(void)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("autobind", bind(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)));
    name("autobound", s);
    CHECK("autobind again", bind(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)));
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    a.sun_family = AF_INET;
    CHECK("autobind wrong family", bind(s2, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path)));
    a.sun_family = AF_UNIX;

    /* A datagram to s from an unbound socket: no sender name unless SO_PASSCRED. */
    struct sockaddr_un to, from;
    socklen_t tl = sizeof to;
    getsockname(s, (struct sockaddr *)&to, &tl);
    int c = socket(AF_UNIX, SOCK_DGRAM, 0);
    sendto(c, "x", 1, 0, (struct sockaddr *)&to, tl);
    socklen_t fl = sizeof from;
    char b[4];
    recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
    printf("from unbound: fromlen=%u\n", fl);
    name("sender without passcred", c);
    int one = 1;
    setsockopt(c, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    sendto(c, "y", 1, 0, (struct sockaddr *)&to, tl);
    fl = sizeof from;
    recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
    printf("from passcred sender: fromlen=%u\n", fl);
    name("sender with passcred", c);

    /* connect with SO_PASSCRED autobinds the connecting stream socket. */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path));
    listen(l, 1);
    struct sockaddr_un ln;
    socklen_t lnl = sizeof ln;
    getsockname(l, (struct sockaddr *)&ln, &lnl);
    int cc = socket(AF_UNIX, SOCK_STREAM, 0);
    setsockopt(cc, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    CHECK("connect to autobound listener", connect(cc, (struct sockaddr *)&ln, lnl));
    name("connector with passcred", cc);
    int cn = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("connect without passcred", connect(cn, (struct sockaddr *)&ln, lnl));
    name("connector without passcred", cn);
    struct sockaddr_un p;
    socklen_t pl = sizeof p;
    int acc = accept(l, (struct sockaddr *)&p, &pl);
    printf("accept: ok=%d peerlen=%u\n", acc >= 0, pl);
    return 0;
}
