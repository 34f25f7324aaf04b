/* uid/gid queries. The harness runs as the same user both natively and in the sandbox. */
#include "common.h"
#include <grp.h>

int main(void)
{
    printf("uid=%d euid=%d gid=%d egid=%d\n", getuid(), geteuid(), getgid(), getegid());
    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK("getresuid", getresuid(&r, &e, &s));
    printf("resuid=%d,%d,%d\n", r, e, s);
    CHECK("getresgid", getresgid(&gr, &ge, &gs));
    printf("resgid=%d,%d,%d\n", gr, ge, gs);
    TRUE("raw getuid matches", syscall(SYS_getuid) == getuid());
    int n = getgroups(0, NULL);
    printf("getgroups count: %d\n", n);
    gid_t list[256];
    CHECK("getgroups list", getgroups(256, list) == n);
    if (n >= 2)
        CHECK("getgroups too small", getgroups(n - 1, list));
    else
        printf("getgroups too small: skipped\n");
    CHECK("getgroups negative", syscall(SYS_getgroups, -1, list));
    CHECK("getresuid efault", syscall(SYS_getresuid, BAD_PTR, &e, &s));
    return 0;
}
