/* newfstatat(2): dirfd, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH and flag validation. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

static void t(const char *name, int dirfd, const char *path, int flags)
{
    struct stat st;
    errno = 0;
    long r = syscall(SYS_newfstatat, dirfd, path, &st, flags);
    if (r != 0)
        printf("%s: ret=%ld errno=%s\n", name, r, errname(errno));
    else
        printf("%s: type=%06o perm=%04o\n", name, st.st_mode & S_IFMT, st.st_mode & 07777);
}

int main(void)
{
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    int file = open("/etc/passwd", O_RDONLY);
    int root = open("/", O_PATH);
    chdir("/usr");
    t("abs", AT_FDCWD, "/etc/passwd", 0);
    t("rel dirfd", etc, "passwd", 0);
    t("rel dirfd symlink follow", etc, "os-release", 0);
    t("rel dirfd symlink nofollow", etc, "os-release", AT_SYMLINK_NOFOLLOW);
    t("root o_path dirfd", root, "bin", AT_SYMLINK_NOFOLLOW);
    t("root o_path dirfd follow", root, "bin", 0);
    t("empty path with AT_EMPTY_PATH", file, "", AT_EMPTY_PATH);
    t("empty path dir AT_EMPTY_PATH", etc, "", AT_EMPTY_PATH);
    t("empty path AT_FDCWD AT_EMPTY_PATH", AT_FDCWD, "", AT_EMPTY_PATH);
    t("empty path without flag", file, "", 0);
    t("file as dirfd", file, "x", 0);
    t("bad dirfd relative", 1000, "passwd", 0);
    t("bad dirfd absolute", 1000, "/etc/passwd", 0);
    t("bad flags", AT_FDCWD, "/etc/passwd", 0x4);
    t("enoent", etc, "nope-not-here", 0);
    t("dotdot", etc, "..", 0);
    t("AT_FDCWD relative", AT_FDCWD, "bin", 0);
    struct stat a, b;
    syscall(SYS_newfstatat, file, "", &a, AT_EMPTY_PATH);
    fstat(file, &b);
    TRUE("AT_EMPTY_PATH matches fstat", a.st_ino == b.st_ino && a.st_size == b.st_size);
    CHECK("efault buf", syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", BAD_PTR, 0));
    CHECK("efault path", syscall(SYS_newfstatat, AT_FDCWD, BAD_PTR, &a, 0));
    return 0;
}
