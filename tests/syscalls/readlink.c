/* readlink(2)/readlinkat(2) on the host's merged-/usr symlinks; truncation and errors. */
#include "common.h"
#include <fcntl.h>

static void rl(const char *label, int dirfd, const char *path, size_t size)
{
    char buf[512];
    memset(buf, 0, sizeof buf);
    errno = 0;
    long r = syscall(SYS_readlinkat, dirfd, path, buf, size);
    if (r < 0)
        printf("%s: ret=%ld errno=%s\n", label, r, errname(errno));
    else
        printf("%s: ret=%ld target=%.*s\n", label, r, (int)r, buf);
}

int main(void)
{
    rl("/bin", AT_FDCWD, "/bin", 512);
    rl("/lib", AT_FDCWD, "/lib", 512);
    rl("/sbin", AT_FDCWD, "/sbin", 512);
    rl("/etc/os-release", AT_FDCWD, "/etc/os-release", 512);
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    rl("etc-relative os-release", etc, "os-release", 512);
    rl("truncated to 3", AT_FDCWD, "/bin", 3);
    rl("truncated to 1", AT_FDCWD, "/etc/os-release", 1);
    rl("size 0", AT_FDCWD, "/bin", 0);
    rl("regular file", AT_FDCWD, "/etc/passwd", 512);
    rl("directory", AT_FDCWD, "/usr", 512);
    rl("enoent", AT_FDCWD, "/no/such/link", 512);
    rl("enotdir", AT_FDCWD, "/etc/passwd/x", 512);
    rl("trailing slash follows", AT_FDCWD, "/bin/", 512);
    rl("bad dirfd", 1000, "os-release", 512);
    rl("empty path", AT_FDCWD, "", 512);
    int lfd = open("/etc/os-release", O_PATH | O_NOFOLLOW);
    rl("O_PATH symlink fd, empty path", lfd, "", 512);
    rl("regular fd, empty path", etc, "", 512);
    close(lfd);
    chdir("/etc");
    char buf[64];
    long r = readlink("os-release", buf, sizeof buf);
    printf("cwd-relative readlink: ret=%ld target=%.*s\n", r, r > 0 ? (int)r : 0, buf);
    CHECK("efault buf", syscall(SYS_readlink, "/bin", BAD_PTR, 64));
    CHECK("efault path", syscall(SYS_readlink, BAD_PTR, buf, 64));
    CHECK("negative size", syscall(SYS_readlink, "/bin", buf, -1));
    return 0;
}
