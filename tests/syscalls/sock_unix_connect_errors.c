/* connect/listen/accept errors: missing paths, non-sockets, wrong types, states. */
#include "common.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define DIR "/tmp/sock_unix_connect_errors.d"

static socklen_t mk(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

int main(void)
{
    struct sockaddr_un a;
    system("rm -rf " DIR);
    mkdir(DIR, 0755);
    close(creat(DIR "/file", 0666));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("missing path", connect(c, (struct sockaddr *)&a, mk(&a, DIR "/none")));
    CHECK("regular file", connect(c, (struct sockaddr *)&a, mk(&a, DIR "/file")));
    CHECK("a directory", connect(c, (struct sockaddr *)&a, mk(&a, DIR)));
    int b = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(b, (struct sockaddr *)&a, mk(&a, DIR "/bound"));
    CHECK("bound, not listening", connect(c, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    CHECK("len 2", connect(c, (struct sockaddr *)&a, 2));
    CHECK("len 0", connect(c, (struct sockaddr *)&a, 0));
    CHECK("bad pointer", connect(c, (struct sockaddr *)BAD_PTR, sizeof a));
    a.sun_family = AF_INET;
    CHECK("wrong family", connect(c, (struct sockaddr *)&a, sizeof a));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(d, (struct sockaddr *)&a, mk(&a, DIR "/dgram"));
    CHECK("stream to dgram", connect(c, (struct sockaddr *)&a, mk(&a, DIR "/dgram")));
    CHECK("listen dgram", listen(d, 1));
    CHECK("accept dgram", accept(d, NULL, NULL));
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("listen unbound", listen(u, 1));
    CHECK("accept unbound", accept(u, NULL, NULL));
    CHECK("listen", listen(b, 1));
    CHECK("listen again", listen(b, 10));
    CHECK("bind listening", bind(b, (struct sockaddr *)&a, mk(&a, DIR "/other")));
    int dd = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("dgram to stream", connect(dd, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    CHECK("connect", connect(c, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    CHECK("connect again", connect(c, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    CHECK("listen connected", listen(c, 1));
    CHECK("accept connected", accept(c, NULL, NULL));
    CHECK("connect listening", connect(b, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    struct sockaddr_un p;
    socklen_t pl = sizeof p;
    CHECK("getpeername listening", getpeername(b, (struct sockaddr *)&p, &pl));
    CHECK("getpeername unconnected", getpeername(u, (struct sockaddr *)&p, &pl));
    pl = sizeof p;
    CHECK("getpeername connected", getpeername(c, (struct sockaddr *)&p, &pl));
    printf("peer len=%u path=%s\n", pl, p.sun_path);
    pl = (socklen_t)-1;
    CHECK("getsockname negative len", getsockname(c, (struct sockaddr *)&p, &pl));
    pl = 4;
    memset(&p, 0x55, sizeof p);
    CHECK("getsockname short len", getsockname(b, (struct sockaddr *)&p, &pl));
    printf("short: len=%u byte4=%#x\n", pl, (unsigned char)p.sun_path[2]);
    CHECK("getsockname bad len pointer", getsockname(b, (struct sockaddr *)&p, (socklen_t *)BAD_PTR));
    CHECK("send unconnected", send(u, "x", 1, MSG_NOSIGNAL));
    CHECK("recv unconnected", recv(u, &p, 1, MSG_DONTWAIT));
    CHECK("read unconnected", read(u, &p, 1));
    CHECK("sendto on connected stream", sendto(c, "x", 1, 0, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    CHECK("sendto on unconnected stream", sendto(u, "x", 1, 0, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    close(b);
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("listener closed", connect(c2, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    unlink(DIR "/bound");
    CHECK("unlinked", connect(c2, (struct sockaddr *)&a, mk(&a, DIR "/bound")));
    system("rm -rf " DIR);
    return 0;
}
