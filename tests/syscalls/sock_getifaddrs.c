/* getifaddrs(3), if_nameindex(3) and if_nametoindex(3), which glibc answers over
 * NETLINK_ROUTE: what they say about lo (other interfaces are the host's business). */
#include "common.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

int main(void)
{
    struct ifaddrs *list;
    CHECK("getifaddrs", getifaddrs(&list));
    int packet = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") != 0 || !i->ifa_addr) continue;
        if (i->ifa_addr->sa_family == AF_PACKET) { packet++; continue; }
        if (i->ifa_addr->sa_family != AF_INET) continue;
        char a[64], m[64];
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr, m, sizeof m);
        printf("lo inet %s netmask %s up=%d loopback=%d running=%d\n", a, m,
               !!(i->ifa_flags & IFF_UP), !!(i->ifa_flags & IFF_LOOPBACK), !!(i->ifa_flags & IFF_RUNNING));
    }
    printf("lo AF_PACKET entries %d\n", packet);
    freeifaddrs(list);

    struct if_nameindex *ni = if_nameindex();
    if (!ni) { printf("if_nameindex: %s\n", errname(errno)); return 1; }
    for (struct if_nameindex *p = ni; p->if_index; p++)
        if (strcmp(p->if_name, "lo") == 0) printf("if_nameindex: %u %s\n", p->if_index, p->if_name);
    if_freenameindex(ni);
    printf("if_nametoindex(lo) %u\n", if_nametoindex("lo"));
    char name[IF_NAMESIZE];
    printf("if_indextoname(1) %s\n", if_indextoname(1, name) ? name : "NULL");
    printf("if_nametoindex(nosuch0) %u\n", if_nametoindex("nosuch0"));
    return 0;
}
