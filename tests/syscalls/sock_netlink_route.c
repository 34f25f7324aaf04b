/* AF_NETLINK NETLINK_ROUTE: binding, dumps of links and IPv4 addresses, a single RTM_GETLINK,
 * acknowledgements and errors. Only lo is printed, so the host's other interfaces do not
 * matter. */
#include "common.h"
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/socket.h>

static char buf[65536];
static unsigned myport;

static void send_req(int s, int type, int flags, int seq, const void *body, int blen)
{
    struct { struct nlmsghdr h; char b[64]; } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(blen);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = flags;
    req.h.nlmsg_seq = seq;
    memcpy(req.b, body, blen);
    struct sockaddr_nl k = { .nl_family = AF_NETLINK };
    if (sendto(s, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) != (ssize_t)req.h.nlmsg_len) perror("sendto");
}

/* Reads until NLMSG_DONE or an error message; prints what concerns lo. */
static void read_dump(int s, int seq)
{
    int done = 0, others = 0;
    while (!done) {
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n <= 0) { printf("recv %zd %s\n", n, errname(errno)); return; }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != (unsigned)seq || h->nlmsg_pid != myport) printf("bad seq/pid\n");
            if (h->nlmsg_type == NLMSG_DONE) { printf("done multi=%d\n", !!(h->nlmsg_flags & NLM_F_MULTI)); done = 1; break; }
            if (h->nlmsg_type == NLMSG_ERROR) { printf("error %d\n", ((struct nlmsgerr *)NLMSG_DATA(h))->error); done = 1; break; }
            if (!(h->nlmsg_flags & NLM_F_MULTI)) printf("not multi\n");
            if (h->nlmsg_type == RTM_NEWLINK) {
                struct ifinfomsg *i = NLMSG_DATA(h);
                const char *name = NULL;
                unsigned mtu = 0;
                int alen = IFLA_PAYLOAD(h);
                for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                    if (a->rta_type == IFLA_IFNAME) name = RTA_DATA(a);
                    if (a->rta_type == IFLA_MTU) mtu = *(unsigned *)RTA_DATA(a);
                }
                if (!name || strcmp(name, "lo") != 0) { others++; continue; }
                printf("link %s index %d type %d up=%d loopback=%d running=%d mtu %u\n", name, i->ifi_index, i->ifi_type,
                       !!(i->ifi_flags & IFF_UP), !!(i->ifi_flags & IFF_LOOPBACK), !!(i->ifi_flags & IFF_RUNNING), mtu);
            } else if (h->nlmsg_type == RTM_NEWADDR) {
                struct ifaddrmsg *a = NLMSG_DATA(h);
                if (a->ifa_index != 1) { others++; continue; }
                char ab[64] = "?", label[32] = "";
                int alen = IFA_PAYLOAD(h);
                for (struct rtattr *r = IFA_RTA(a); RTA_OK(r, alen); r = RTA_NEXT(r, alen)) {
                    if (r->rta_type == IFA_LOCAL) inet_ntop(a->ifa_family, RTA_DATA(r), ab, sizeof ab);
                    if (r->rta_type == IFA_LABEL) snprintf(label, sizeof label, "%s", (char *)RTA_DATA(r));
                }
                printf("addr family %d %s/%d scope %d permanent=%d label %s\n", a->ifa_family, ab, a->ifa_prefixlen,
                       a->ifa_scope, !!(a->ifa_flags & IFA_F_PERMANENT), label);
            } else printf("type %d\n", h->nlmsg_type);
        }
    }
}

int main(void)
{
    int bad = socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE);
    printf("SOCK_STREAM: %d %s\n", bad, bad < 0 ? errname(errno) : "");
    bad = socket(AF_NETLINK, SOCK_RAW, 40);
    printf("protocol 40: %d %s\n", bad, bad < 0 ? errname(errno) : "");

    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK_OK("socket", s);
    struct sockaddr_nl me = { .nl_family = AF_INET };
    CHECK("bind AF_INET", bind(s, (struct sockaddr *)&me, sizeof me));
    me.nl_family = AF_NETLINK;
    CHECK("bind short", bind(s, (struct sockaddr *)&me, 4));
    CHECK("bind", bind(s, (struct sockaddr *)&me, sizeof me));
    socklen_t len = sizeof me;
    CHECK("getsockname", getsockname(s, (struct sockaddr *)&me, &len));
    printf("len %u family %d pid is getpid %d\n", len, me.nl_family, me.nl_pid == (unsigned)getpid());
    myport = me.nl_pid;

    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    send_req(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 10, &ifi, sizeof ifi);
    read_dump(s, 10);

    struct ifaddrmsg ifa = { .ifa_family = AF_INET };
    send_req(s, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 11, &ifa, sizeof ifa);
    read_dump(s, 11);

    /* One link by index, acknowledged. */
    ifi.ifi_index = 1;
    send_req(s, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 12, &ifi, sizeof ifi);
    ssize_t n = recv(s, buf, sizeof buf, 0);
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    printf("getlink 1: n>0 %d type %d multi %d index %d\n", n > 0, h->nlmsg_type, !!(h->nlmsg_flags & NLM_F_MULTI),
           ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index);
    n = recv(s, buf, sizeof buf, 0);
    printf("ack: type %d error %d seq %u len %u\n", h->nlmsg_type, ((struct nlmsgerr *)NLMSG_DATA(h))->error, h->nlmsg_seq, h->nlmsg_len);

    /* No such interface: the error quotes the whole request. */
    ifi.ifi_index = 0x7fff0000;
    send_req(s, RTM_GETLINK, NLM_F_REQUEST, 13, &ifi, sizeof ifi);
    n = recv(s, buf, sizeof buf, 0);
    struct nlmsgerr *e = NLMSG_DATA(h);
    printf("getlink missing: type %d error %d quoted type %d len %u n %zd\n", h->nlmsg_type, e->error, e->msg.nlmsg_type, e->msg.nlmsg_len, n);

    /* Not a request: ignored. A control message with ACK: acknowledged. */
    send_req(s, RTM_GETLINK, NLM_F_DUMP, 14, &ifi, sizeof ifi);
    n = recv(s, buf, sizeof buf, MSG_DONTWAIT);
    printf("no request flag: %zd %s\n", n, n < 0 ? errname(errno) : "");
    send_req(s, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 15, &ifi, sizeof ifi);
    n = recv(s, buf, sizeof buf, 0);
    printf("noop ack: type %d error %d\n", h->nlmsg_type, ((struct nlmsgerr *)NLMSG_DATA(h))->error);

    /* MSG_PEEK|MSG_TRUNC gives the size of what is queued, as iproute2 asks. */
    send_req(s, RTM_GETLINK, NLM_F_REQUEST, 16, &(struct ifinfomsg){ .ifi_index = 1 }, sizeof ifi);
    char small[8];
    struct iovec iov = { small, sizeof small };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    n = recvmsg(s, &m, MSG_PEEK | MSG_TRUNC);
    printf("peek trunc: bigger %d flags trunc %d\n", n > 8, !!(m.msg_flags & MSG_TRUNC));
    ssize_t n2 = recv(s, buf, sizeof buf, 0);
    printf("then read same length %d\n", n == n2);
    close(s);
    return 0;
}
