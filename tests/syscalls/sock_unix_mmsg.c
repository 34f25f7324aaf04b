/* sendmmsg/recvmmsg on datagram and seqpacket pairs: counts, msg_len, MSG_WAITFORONE. */
#include "common.h"
#include <sys/socket.h>

int main(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    struct mmsghdr m[4];
    struct iovec iov[4];
    char *words[4] = {"a", "bb", "ccc", "dddd"};
    memset(m, 0, sizeof m);
    for (int i = 0; i < 4; i++) {
        iov[i].iov_base = words[i];
        iov[i].iov_len = strlen(words[i]);
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK("sendmmsg 3", sendmmsg(sv[0], m, 3, 0));
    printf("msg_len: %u %u %u\n", m[0].msg_len, m[1].msg_len, m[2].msg_len);
    CHECK("sendmmsg 0", sendmmsg(sv[0], m, 0, 0));
    char bufs[4][8];
    struct iovec riov[4];
    struct mmsghdr r[4];
    memset(r, 0, sizeof r);
    memset(bufs, 0, sizeof bufs);
    for (int i = 0; i < 4; i++) {
        riov[i].iov_base = bufs[i];
        riov[i].iov_len = 2;
        r[i].msg_hdr.msg_iov = &riov[i];
        r[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK("recvmmsg 4, MSG_DONTWAIT", recvmmsg(sv[1], r, 4, MSG_DONTWAIT, NULL));
    for (int i = 0; i < 3; i++)
        printf("  [%d] len=%u '%s' flags=%#x\n", i, r[i].msg_len, bufs[i], r[i].msg_hdr.msg_flags);
    CHECK("recvmmsg on empty, MSG_DONTWAIT", recvmmsg(sv[1], r, 4, MSG_DONTWAIT, NULL));
    sendmmsg(sv[0], m, 2, 0);
    CHECK("recvmmsg MSG_WAITFORONE", recvmmsg(sv[1], r, 4, MSG_WAITFORONE, NULL));
    int bad = 99;
    CHECK("sendmmsg bad fd", sendmmsg(bad, m, 1, 0));
    m[1].msg_hdr.msg_iov = BAD_PTR;
    CHECK("sendmmsg second bad", sendmmsg(sv[0], m, 3, 0));
    CHECK("sendmmsg first bad", sendmmsg(sv[0], &m[1], 1, 0));
    CHECK("recvmmsg bad vector", recvmmsg(sv[1], BAD_PTR, 1, MSG_DONTWAIT, NULL));
    return 0;
}
