/* A raw ICMP socket (as root: CAP_NET_RAW) pinging 127.0.0.1: the request and the reply both
 * arrive with their IPv4 header; ICMP_FILTER hides the request. Packets of other pingers on
 * lo are skipped by identifier. */
#include "inet.h"
#include <linux/icmp.h>
#include <netinet/ip.h>
#include <poll.h>

static unsigned short csum(const void *p, int n)
{
    const unsigned char *b = p;
    unsigned long s = 0;
    for (int i = 0; i + 1 < n; i += 2) s += (b[i] << 8) | b[i + 1];
    if (n & 1) s += b[n - 1] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return htons(~s & 0xffff);
}

static unsigned short ident;

static void ping(int s, int seq)
{
    unsigned char m[8 + 24];
    memset(m, 0, sizeof m);
    m[0] = ICMP_ECHO;
    *(unsigned short *)(m + 4) = htons(ident);
    *(unsigned short *)(m + 6) = htons(seq);
    memcpy(m + 8, "sandbox raw icmp payload", 24);
    *(unsigned short *)(m + 2) = csum(m, sizeof m);
    struct sockaddr_in to = lo4(0);
    printf("sendto %zd\n", sendto(s, m, sizeof m, 0, (struct sockaddr *)&to, sizeof to));
}

/* Receives ours until none comes for a while; prints each. */
static void receive(int s, int want)
{
    unsigned char b[256];
    for (int got = 0; got < want;) {
        struct pollfd p = { s, POLLIN, 0 };
        if (poll(&p, 1, 5000) <= 0) { printf("timeout\n"); return; }
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
        if (n < 28) { printf("short %zd\n", n); return; }
        int ihl = (b[0] & 15) * 4;
        unsigned char *icmp = b + ihl;
        if (ntohs(*(unsigned short *)(icmp + 4)) != ident) continue;
        char a[32];
        printf("n %zd version %d ihl %d proto %d ttl %d from %s type %d code %d seq %d payload %d csum ok %d\n", n, b[0] >> 4, ihl,
               b[9], b[8], inet_ntop(AF_INET, &from.sin_addr, a, sizeof a), icmp[0], icmp[1], ntohs(*(unsigned short *)(icmp + 6)),
               memcmp(icmp + 8, "sandbox raw icmp payload", 24) == 0, csum(icmp, n - ihl) == 0);
        got++;
    }
}

int main(void)
{
    ident = (getpid() & 0x7fff) | 0x4000;
    int s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    CHECK_OK("socket raw icmp", s);
    ping(s, 1);
    receive(s, 2);
    struct icmp_filter f = { 1 << ICMP_ECHO };
    CHECK("ICMP_FILTER", setsockopt(s, SOL_RAW, ICMP_FILTER, &f, sizeof f));
    socklen_t fl = sizeof f;
    f.data = 0;
    CHECK("get ICMP_FILTER", getsockopt(s, SOL_RAW, ICMP_FILTER, &f, &fl));
    printf("filter %#x len %u\n", f.data, fl);
    ping(s, 2);
    receive(s, 1);
    close(s);
    return 0;
}
