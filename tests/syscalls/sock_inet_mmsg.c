/* sendmmsg/recvmmsg and sendmsg/recvmsg with names over UDP on loopback. */
#include "inet.h"

int main(void)
{
    int srv = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = lo4(0);
    bind(srv, (struct sockaddr *)&a, sizeof a);
    struct sockaddr_in to = lo4(port_of(srv));
    int cli = socket(AF_INET, SOCK_DGRAM, 0);
    struct mmsghdr out[3];
    struct iovec oiov[3];
    const char *words[] = { "one", "three", "fives" };
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        oiov[i].iov_base = (void *)words[i];
        oiov[i].iov_len = strlen(words[i]);
        out[i].msg_hdr.msg_iov = &oiov[i];
        out[i].msg_hdr.msg_iovlen = 1;
        out[i].msg_hdr.msg_name = &to;
        out[i].msg_hdr.msg_namelen = sizeof to;
    }
    CHECK("sendmmsg", sendmmsg(cli, out, 3, 0));
    printf("msg_len: %u %u %u\n", out[0].msg_len, out[1].msg_len, out[2].msg_len);
    struct mmsghdr in[4];
    struct iovec iiov[4];
    char bufs[4][16];
    struct sockaddr_in names[4];
    memset(in, 0, sizeof in);
    for (int i = 0; i < 4; i++) {
        iiov[i].iov_base = bufs[i];
        iiov[i].iov_len = 4;
        in[i].msg_hdr.msg_iov = &iiov[i];
        in[i].msg_hdr.msg_iovlen = 1;
        in[i].msg_hdr.msg_name = &names[i];
        in[i].msg_hdr.msg_namelen = sizeof names[i];
    }
    CHECK("recvmmsg", recvmmsg(srv, in, 4, MSG_DONTWAIT, NULL));
    for (int i = 0; i < 3; i++)
        printf("[%d] len=%u '%.*s' trunc=%d namelen=%d port ok=%d\n", i, in[i].msg_len, (int)(in[i].msg_len > 4 ? 4 : in[i].msg_len), bufs[i],
               (in[i].msg_hdr.msg_flags & MSG_TRUNC) != 0, (int)in[i].msg_hdr.msg_namelen, ntohs(names[i].sin_port) == port_of(cli));

    /* Gathering send, scattering receive. */
    struct iovec g[3] = { { "ab", 2 }, { "", 0 }, { "cdef", 4 } };
    struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = g, .msg_iovlen = 3 };
    CHECK("sendmsg gather", sendmsg(cli, &m, 0));
    char x[3], y[8];
    struct iovec sc[2] = { { x, 3 }, { y, 8 } };
    struct msghdr r = { .msg_iov = sc, .msg_iovlen = 2 };
    CHECK("recvmsg scatter", recvmsg(srv, &r, 0));
    printf("x='%.3s' y='%.3s' namelen=%d\n", x, y, (int)r.msg_namelen);
    CHECK("sendmsg bad name len", (m.msg_namelen = 3, sendmsg(cli, &m, 0)));
    CHECK("sendto bad pointer", sendto(cli, BAD_PTR, 10, 0, (struct sockaddr *)&to, sizeof to));
    CHECK("recvmmsg nothing", recvmmsg(srv, in, 4, MSG_DONTWAIT, NULL));
    return 0;
}
