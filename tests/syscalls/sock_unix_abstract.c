/* Abstract names: leading NUL, every byte of addrlen counts, gone when the socket closes. */
#include "common.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t mk(struct sockaddr_un *a, const char *name, int len)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, name, len);
    return offsetof(struct sockaddr_un, sun_path) + 1 + len;
}

int main(void)
{
    struct sockaddr_un a, b;
    int l1 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("bind", bind(l1, (struct sockaddr *)&a, mk(&a, "sock_unix_abstract", 18)));
    socklen_t l = sizeof b;
    memset(&b, 0x55, sizeof b);
    getsockname(l1, (struct sockaddr *)&b, &l);
    printf("getsockname len=%u nul=%d same=%d\n", l, b.sun_path[0], memcmp(&a, &b, l) == 0);
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("same name", bind(l2, (struct sockaddr *)&a, mk(&a, "sock_unix_abstract", 18)));
    CHECK("prefix is another name", bind(l2, (struct sockaddr *)&a, mk(&a, "sock_unix_abstrac", 17)));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("same name, other type", bind(d, (struct sockaddr *)&a, mk(&a, "sock_unix_abstract", 18)));
    CHECK("with a NUL inside", bind(d, (struct sockaddr *)&a, mk(&a, "sock\0unix_abstract", 18)));
    CHECK("listen", listen(l1, 5));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("connect", connect(c, (struct sockaddr *)&a, mk(&a, "sock_unix_abstract", 18)));
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("connect to a prefix", connect(c2, (struct sockaddr *)&a, mk(&a, "sock_unix_abs", 13)));
    int s = accept(l1, (struct sockaddr *)&b, &l);
    printf("accept: ok=%d peer len=%u\n", s >= 0, l);
    l = sizeof b;
    getsockname(s, (struct sockaddr *)&b, &l);
    printf("accepted's name len=%u same=%d\n", l, memcmp(b.sun_path + 1, "sock_unix_abstract", 18) == 0);
    l = sizeof b;
    getpeername(c, (struct sockaddr *)&b, &l);
    printf("client's peer len=%u\n", l);
    close(l1);
    CHECK("reuse after close", bind(l2, (struct sockaddr *)&a, mk(&a, "sock_unix_abstract", 18)));
    /* Only the NUL: an abstract name of zero bytes. */
    int z = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK("empty abstract name", bind(z, (struct sockaddr *)&a, mk(&a, "", 0)));
    l = sizeof b;
    getsockname(z, (struct sockaddr *)&b, &l);
    printf("empty name len=%u\n", l);
    return 0;
}
