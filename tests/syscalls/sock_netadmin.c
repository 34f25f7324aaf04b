/* Network configuration requests that change nothing, so the host is never disturbed: the
 * errors Linux gives with CAP_NET_ADMIN (ENODEV, ENXIO, EADDRNOTAVAIL, ESRCH, EEXIST, EINVAL,
 * EOPNOTSUPP) over the SIOCS* and bridge ioctls and rtnetlink, then EPERM for all of them once
 * CAP_NET_ADMIN has left the effective set (capset). Where the process starts without
 * CAP_NET_ADMIN (a container) the first part is EPERM too, on both sides. */
#include "common.h"
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static int nl, seq;

static void attr(char *msg, int *len, int type, const void *data, int dlen)
{
    struct rtattr *a = (struct rtattr *)(msg + NLMSG_ALIGN(*len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(dlen);
    memcpy(RTA_DATA(a), data, dlen);
    *len = NLMSG_ALIGN(*len) + RTA_ALIGN(a->rta_len);
}

/* Sends one request with NLM_F_ACK and prints the acknowledgement's error. */
static void request(const char *name, int type, int flags, const void *body, int blen, const void *attrs, int alen)
{
    char msg[512];
    memset(msg, 0, sizeof msg);
    struct nlmsghdr *h = (struct nlmsghdr *)msg;
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    h->nlmsg_seq = ++seq;
    memcpy(msg + NLMSG_HDRLEN, body, blen);
    memcpy(msg + NLMSG_HDRLEN + NLMSG_ALIGN(blen), attrs, alen);
    h->nlmsg_len = NLMSG_HDRLEN + NLMSG_ALIGN(blen) + alen;
    if (send(nl, msg, h->nlmsg_len, 0) < 0) { printf("%s: send %s\n", name, errname(errno)); return; }
    char reply[4096];
    ssize_t n = recv(nl, reply, sizeof reply, 0);
    struct nlmsghdr *r = (struct nlmsghdr *)reply;
    if (n < (ssize_t)NLMSG_HDRLEN || r->nlmsg_type != NLMSG_ERROR || r->nlmsg_seq != (unsigned)seq) {
        printf("%s: no acknowledgement (%zd)\n", name, n);
        return;
    }
    int err = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
    printf("%s: %s\n", name, err == 0 ? "0" : errname(-err));
}

static void ifreq_ioctl(int s, const char *label, unsigned long cmd, const char *ifname, int value)
{
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strncpy(r.ifr_name, ifname, IFNAMSIZ - 1);
    r.ifr_mtu = value;
    CHECK(label, ioctl(s, cmd, &r));
}

static void addr_ioctl(int s, const char *label, unsigned long cmd, const char *ifname, int family, const char *addr)
{
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strncpy(r.ifr_name, ifname, IFNAMSIZ - 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
    sin->sin_family = family;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    CHECK(label, ioctl(s, cmd, &r));
}

static void requests(int s)
{
    ifreq_ioctl(s, "SIOCSIFFLAGS nosuchif0", SIOCSIFFLAGS, "nosuchif0", 0);
    ifreq_ioctl(s, "SIOCSIFMTU nosuchif0", SIOCSIFMTU, "nosuchif0", 1400);
    addr_ioctl(s, "SIOCSIFADDR lo AF_INET6", SIOCSIFADDR, "lo", AF_INET6, "127.0.0.1");
    addr_ioctl(s, "SIOCSIFADDR nosuchif0", SIOCSIFADDR, "nosuchif0", AF_INET, "10.1.2.3");
    addr_ioctl(s, "SIOCSIFNETMASK lo 255.0.255.0", SIOCSIFNETMASK, "lo", AF_INET, "255.0.255.0");
    CHECK("SIOCBRDELBR nosuchbr0", ioctl(s, SIOCBRDELBR, "nosuchbr0"));
    CHECK("SIOCBRDELBR lo", ioctl(s, SIOCBRDELBR, "lo"));
    ifreq_ioctl(s, "SIOCBRADDIF nosuchbr0", SIOCBRADDIF, "nosuchbr0", 1);

    int lo = if_nametoindex("lo");
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    char attrs[128];
    int alen = 0;
    attr(attrs, &alen, IFLA_IFNAME, "nosuchif0", 10);
    request("RTM_NEWLINK nosuchif0 (no NLM_F_CREATE)", RTM_NEWLINK, 0, &ifi, sizeof ifi, attrs, alen);
    request("RTM_SETLINK nosuchif0", RTM_SETLINK, 0, &ifi, sizeof ifi, attrs, alen);
    request("RTM_DELLINK nosuchif0", RTM_DELLINK, 0, &ifi, sizeof ifi, attrs, alen);
    ifi.ifi_index = lo;
    request("RTM_NEWLINK lo NLM_F_CREATE|NLM_F_EXCL", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi, NULL, 0);
    request("RTM_DELLINK lo", RTM_DELLINK, 0, &ifi, sizeof ifi, NULL, 0);

    struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = 8, .ifa_index = lo };
    struct in_addr a;
    inet_pton(AF_INET, "127.0.0.1", &a);
    alen = 0;
    attr(attrs, &alen, IFA_LOCAL, &a, 4);
    attr(attrs, &alen, IFA_ADDRESS, &a, 4);
    request("RTM_NEWADDR 127.0.0.1/8 lo NLM_F_EXCL", RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa, attrs, alen);
    inet_pton(AF_INET, "192.0.2.77", &a);
    alen = 0;
    attr(attrs, &alen, IFA_LOCAL, &a, 4);
    attr(attrs, &alen, IFA_ADDRESS, &a, 4);
    ifa.ifa_prefixlen = 24;
    request("RTM_DELADDR 192.0.2.77/24 lo", RTM_DELADDR, 0, &ifa, sizeof ifa, attrs, alen);
    ifa.ifa_index = 99999;
    request("RTM_NEWADDR ifindex 99999", RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa, attrs, alen);
    ifa.ifa_index = lo;
    ifa.ifa_prefixlen = 40;
    request("RTM_NEWADDR prefix 40", RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa, attrs, alen);

    struct rtmsg rt = { .rtm_family = AF_INET, .rtm_dst_len = 24, .rtm_table = RT_TABLE_MAIN,
                        .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
    inet_pton(AF_INET, "198.51.100.0", &a);
    alen = 0;
    attr(attrs, &alen, RTA_DST, &a, 4);
    request("RTM_DELROUTE 198.51.100.0/24", RTM_DELROUTE, 0, &rt, sizeof rt, attrs, alen);
    int oif = 99999;
    attr(attrs, &alen, RTA_OIF, &oif, 4);
    request("RTM_NEWROUTE oif 99999", RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt, attrs, alen);
}

static int set_effective(unsigned long long eff)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0) return -1;
    d[0].effective = (unsigned)eff & d[0].permitted;
    d[1].effective = (unsigned)(eff >> 32) & d[1].permitted;
    return syscall(SYS_capset, &h, d);
}

int main(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    if (s < 0 || nl < 0) { perror("socket"); return 1; }
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    syscall(SYS_capget, &h, d);
    printf("CAP_NET_ADMIN effective: %d\n", !!(d[0].effective & (1u << CAP_NET_ADMIN)));
    requests(s);

    printf("-- without CAP_NET_ADMIN\n");
    CHECK("capset", set_effective(~(1ULL << CAP_NET_ADMIN)));
    requests(s);
    ifreq_ioctl(s, "SIOCSIFFLAGS lo", SIOCSIFFLAGS, "lo", IFF_UP);
    ifreq_ioctl(s, "SIOCSIFMTU lo", SIOCSIFMTU, "lo", 65536);
    CHECK("SIOCBRADDBR sbxnotmade0", ioctl(s, SIOCBRADDBR, "sbxnotmade0"));
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK("SIOCGIFFLAGS lo", ioctl(s, SIOCGIFFLAGS, &r));
    printf("lo up=%d\n", !!(r.ifr_flags & IFF_UP));
    return 0;
}
