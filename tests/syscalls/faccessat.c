/* faccessat(2) and faccessat2(2): dirfd, flags, validation. */
#include "common.h"
#include <fcntl.h>

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

int main(void)
{
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    int file = open("/etc/passwd", O_RDONLY);
    CHECK("rel R_OK", syscall(SYS_faccessat, etc, "passwd", R_OK));
    CHECK("rel X_OK", syscall(SYS_faccessat, etc, "passwd", X_OK));
    CHECK("AT_FDCWD abs", syscall(SYS_faccessat, AT_FDCWD, "/usr/bin", X_OK));
    CHECK("bad dirfd rel", syscall(SYS_faccessat, 1000, "passwd", F_OK));
    CHECK("bad dirfd abs", syscall(SYS_faccessat, 1000, "/etc/passwd", F_OK));
    CHECK("file dirfd", syscall(SYS_faccessat, file, "x", F_OK));
    CHECK("bad mode", syscall(SYS_faccessat, etc, "passwd", 0x10));
    CHECK("enoent", syscall(SYS_faccessat, etc, "nope-not-here", F_OK));
    CHECK("2: no flags", syscall(SYS_faccessat2, etc, "passwd", R_OK, 0));
    CHECK("2: AT_EACCESS", syscall(SYS_faccessat2, etc, "passwd", R_OK, AT_EACCESS));
    CHECK("2: AT_SYMLINK_NOFOLLOW", syscall(SYS_faccessat2, etc, "os-release", F_OK, AT_SYMLINK_NOFOLLOW));
    CHECK("2: AT_EMPTY_PATH", syscall(SYS_faccessat2, file, "", R_OK, AT_EMPTY_PATH));
    CHECK("2: empty without flag", syscall(SYS_faccessat2, file, "", R_OK, 0));
    CHECK("2: bad flags", syscall(SYS_faccessat2, etc, "passwd", R_OK, 0x1));
    CHECK("2: bad mode", syscall(SYS_faccessat2, etc, "passwd", 0x10, 0));
    CHECK("glibc faccessat AT_EACCESS", faccessat(etc, "passwd", R_OK, AT_EACCESS));
    CHECK("efault", syscall(SYS_faccessat, etc, BAD_PTR, F_OK));
    return 0;
}
