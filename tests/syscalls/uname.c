/* uname(2): print only fields that are the same everywhere we run. */
#include "common.h"
#include <sys/utsname.h>

int main(void)
{
    struct utsname u;
    CHECK("uname", uname(&u));
    printf("sysname: %s\n", u.sysname);
    printf("machine: %s\n", u.machine);
    TRUE("release non-empty", u.release[0] != 0);
    TRUE("release starts with digit", u.release[0] >= '1' && u.release[0] <= '9');
    TRUE("version non-empty", u.version[0] != 0);
    TRUE("nodename terminated", memchr(u.nodename, 0, sizeof u.nodename) != NULL);
    CHECK("efault", syscall(SYS_uname, BAD_PTR));
    return 0;
}
