/* Network device ioctls on an AF_INET socket for the loopback interface. */
#include "inet.h"
#include <net/if.h>
#include <sys/ioctl.h>

int main(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r;
    memset(&r, 0, sizeof r);
    strcpy(r.ifr_name, "lo");
    CHECK("SIOCGIFINDEX lo", ioctl(s, SIOCGIFINDEX, &r));
    int idx = r.ifr_ifindex;
    printf("lo index %d\n", idx);
    memset(&r, 0, sizeof r);
    r.ifr_ifindex = idx;
    CHECK("SIOCGIFNAME", ioctl(s, SIOCGIFNAME, &r));
    printf("name %s\n", r.ifr_name);
    strcpy(r.ifr_name, "lo");
    CHECK("SIOCGIFFLAGS", ioctl(s, SIOCGIFFLAGS, &r));
    printf("flags up=%d loopback=%d running=%d\n", !!(r.ifr_flags & IFF_UP), !!(r.ifr_flags & IFF_LOOPBACK), !!(r.ifr_flags & IFF_RUNNING));
    CHECK("SIOCGIFADDR", ioctl(s, SIOCGIFADDR, &r));
    char ab[64];
    printf("addr %s\n", addr_str(&r.ifr_addr, ab, sizeof ab));
    CHECK("SIOCGIFNETMASK", ioctl(s, SIOCGIFNETMASK, &r));
    printf("netmask %s\n", addr_str(&r.ifr_netmask, ab, sizeof ab));
    CHECK("SIOCGIFMTU", ioctl(s, SIOCGIFMTU, &r));
    printf("mtu %d\n", r.ifr_mtu);
    CHECK("SIOCGIFTXQLEN", ioctl(s, SIOCGIFTXQLEN, &r));
    printf("txqlen %d\n", r.ifr_qlen);
    strcpy(r.ifr_name, "nosuch0");
    CHECK("unknown interface", ioctl(s, SIOCGIFINDEX, &r));
    r.ifr_ifindex = 9999;
    CHECK("unknown index", ioctl(s, SIOCGIFNAME, &r));
    CHECK("bad pointer", ioctl(s, SIOCGIFINDEX, BAD_PTR));

    struct ifconf ic;
    ic.ifc_len = 0;
    ic.ifc_buf = NULL;
    CHECK("SIOCGIFCONF length", ioctl(s, SIOCGIFCONF, &ic));
    printf("length is a multiple of ifreq: %d\n", ic.ifc_len > 0 && ic.ifc_len % (int)sizeof(struct ifreq) == 0);
    struct ifreq list[16];
    ic.ifc_len = sizeof list;
    ic.ifc_req = list;
    CHECK("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ic));
    for (int i = 0; i < ic.ifc_len / (int)sizeof(struct ifreq); i++)
        if (strcmp(list[i].ifr_name, "lo") == 0) printf("lo in list: %s\n", addr_str(&list[i].ifr_addr, ab, sizeof ab));
    int t = socket(AF_INET6, SOCK_STREAM, 0);
    strcpy(r.ifr_name, "lo");
    CHECK("SIOCGIFINDEX on v6 tcp", ioctl(t, SIOCGIFINDEX, &r));
    return 0;
}
