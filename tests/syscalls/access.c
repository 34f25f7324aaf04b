/* access(2). Runs as root natively; avoids W_OK on regular files (read-only sandbox FS). */
#include "common.h"

int main(void)
{
    CHECK("F_OK passwd", access("/etc/passwd", F_OK));
    CHECK("R_OK passwd", access("/etc/passwd", R_OK));
    CHECK("X_OK passwd (no x bits)", access("/etc/passwd", X_OK));
    CHECK("X_OK /bin/sh", access("/bin/sh", X_OK));
    CHECK("R_OK|X_OK /usr/bin", access("/usr/bin", R_OK | X_OK));
    CHECK("F_OK symlink", access("/etc/os-release", F_OK));
    CHECK("W_OK /dev/null", access("/dev/null", W_OK));
    CHECK("R_OK|W_OK /dev/zero", access("/dev/zero", R_OK | W_OK));
    CHECK("enoent", access("/nonexistent", F_OK));
    CHECK("enotdir", access("/etc/passwd/x", F_OK));
    CHECK("empty", access("", F_OK));
    CHECK("bad mode", access("/etc/passwd", 8));
    CHECK("bad mode high", access("/etc/passwd", 0x100));
    CHECK("efault", syscall(SYS_access, BAD_PTR, F_OK));
    return 0;
}
