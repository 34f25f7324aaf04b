/* getsockopt/setsockopt at SOL_SOCKET on AF_UNIX sockets: values, lengths, errors. */
#include "common.h"
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

static void geti(const char *what, int fd, int name)
{
    int v = -7;
    socklen_t l = sizeof v;
    errno = 0;
    int r = getsockopt(fd, SOL_SOCKET, name, &v, &l);
    printf("%s: r=%d errno=%s v=%d len=%u\n", what, r, r ? errname(errno) : "0", v, l);
}

static void seti(const char *what, int fd, int name, int v)
{
    CHECK(what, setsockopt(fd, SOL_SOCKET, name, &v, sizeof v));
}

int main(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    geti("SO_TYPE", s, SO_TYPE);
    geti("SO_TYPE dgram", sv[0], SO_TYPE);
    geti("SO_DOMAIN", s, SO_DOMAIN);
    geti("SO_PROTOCOL", s, SO_PROTOCOL);
    geti("SO_ERROR", s, SO_ERROR);
    geti("SO_ACCEPTCONN", s, SO_ACCEPTCONN);
    geti("SO_PASSCRED", s, SO_PASSCRED);
    seti("set SO_PASSCRED", s, SO_PASSCRED, 5);
    geti("SO_PASSCRED", s, SO_PASSCRED);
    geti("SO_REUSEADDR", s, SO_REUSEADDR);
    seti("set SO_REUSEADDR", s, SO_REUSEADDR, 1);
    geti("SO_REUSEADDR", s, SO_REUSEADDR);
    seti("set SO_KEEPALIVE", s, SO_KEEPALIVE, 1);
    geti("SO_KEEPALIVE", s, SO_KEEPALIVE);
    seti("set SO_SNDBUF 10000", s, SO_SNDBUF, 10000);
    geti("SO_SNDBUF", s, SO_SNDBUF);
    seti("set SO_SNDBUF 1", s, SO_SNDBUF, 1);
    geti("SO_SNDBUF", s, SO_SNDBUF);
    seti("set SO_RCVBUF 10000", s, SO_RCVBUF, 10000);
    geti("SO_RCVBUF", s, SO_RCVBUF);
    seti("set SO_RCVBUF 1", s, SO_RCVBUF, 1);
    geti("SO_RCVBUF", s, SO_RCVBUF);
    geti("SO_RCVLOWAT", s, SO_RCVLOWAT);
    geti("SO_SNDLOWAT", s, SO_SNDLOWAT);
    seti("set SO_SNDLOWAT", s, SO_SNDLOWAT, 5);
    seti("set SO_TYPE", s, SO_TYPE, 2);
    seti("set SO_PEERCRED", s, SO_PEERCRED, 2);
    geti("unknown 999", s, 999);
    seti("set unknown 999", s, 999, 1);
    struct linger lg = {1, 7};
    CHECK("set SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    CHECK("set SO_LINGER short", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, 4));
    memset(&lg, 0, sizeof lg);
    socklen_t ll = sizeof lg;
    CHECK("get SO_LINGER", getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &ll));
    printf("linger: onoff=%d linger=%d len=%u\n", lg.l_onoff, lg.l_linger, ll);
    struct timeval tv = {2, 500000};
    CHECK("set SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    memset(&tv, 0, sizeof tv);
    socklen_t tl = sizeof tv;
    CHECK("get SO_RCVTIMEO", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl));
    printf("rcvtimeo: %ld.%06ld len=%u\n", (long)tv.tv_sec, (long)tv.tv_usec, tl);
    tl = sizeof tv;
    getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, &tl);
    printf("sndtimeo default: %ld.%06ld\n", (long)tv.tv_sec, (long)tv.tv_usec);
    tv.tv_usec = 1000000;
    CHECK("set SO_SNDTIMEO bad usec", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    CHECK("set SO_SNDTIMEO short", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, 8));
    int v = 1;
    CHECK("set short optlen", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2));
    CHECK("set negative optlen", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, -1));
    CHECK("set bad pointer", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, BAD_PTR, 4));
    socklen_t l = 2;
    v = 0x55555555;
    CHECK("get short optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    printf("short: v=%#x len=%u\n", v, l);
    l = 0;
    CHECK("get zero optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    printf("zero: len=%u\n", l);
    l = (socklen_t)-1;
    CHECK("get negative optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    l = 4;
    CHECK("get bad value pointer", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, BAD_PTR, &l));
    CHECK("get bad length pointer", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, &v, BAD_PTR));
    l = 4;
    CHECK("get at IPPROTO_TCP", getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &l));
    CHECK("set at IPPROTO_TCP", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v));
    l = 16;
    char big[16];
    memset(big, 0x55, sizeof big);
    CHECK("get long optlen", getsockopt(s, SOL_SOCKET, SO_TYPE, big, &l));
    printf("long: len=%u\n", l);
    return 0;
}
