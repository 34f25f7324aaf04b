/* umask(2): returns the previous mask, keeps only permission bits. */
#include "common.h"
#include <sys/stat.h>

int main(void)
{
    umask(022);
    printf("umask(077) -> %04o\n", umask(077));
    printf("umask(0) -> %04o\n", umask(0));
    printf("umask(01777) -> %04o\n", umask(01777));
    printf("umask(0) -> %04o\n", umask(0));
    printf("umask(0xffffffff) -> %04o\n", umask(0xffffffff));
    printf("umask(022) -> %04o\n", umask(022));
    printf("raw umask(002) -> %04lo\n", syscall(SYS_umask, 002));
    printf("raw umask(022) -> %04lo\n", syscall(SYS_umask, 022));
    return 0;
}
