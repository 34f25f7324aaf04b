/* openat(2): dirfd-relative lookups, AT_FDCWD, O_PATH descriptors, lowest-fd allocation. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
    char buf[8];
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK_OK("open /etc", etc);
    int f = openat(etc, "passwd", O_RDONLY);
    CHECK_OK("openat relative", f);
    TRUE("next fd is lowest", f == etc + 1);
    CHECK("read", read(f, buf, 4));
    printf("data: %.4s\n", buf);
    close(f);
    int g = openat(etc, "passwd", O_RDONLY);
    TRUE("closed fd reused", g == f);
    close(g);

    CHECK_OK("openat absolute ignores dirfd", g = openat(1000, "/etc/passwd", O_RDONLY));
    close(g);
    CHECK_OK("openat dotdot", g = openat(etc, "../etc/passwd", O_RDONLY));
    close(g);
    CHECK_OK("openat dot", g = openat(etc, ".", O_RDONLY | O_DIRECTORY));
    close(g);
    CHECK("openat ebadf", openat(1000, "passwd", O_RDONLY));
    int file = open("/etc/passwd", O_RDONLY);
    CHECK("openat file as dirfd", openat(file, "x", O_RDONLY));
    close(file);
    CHECK("openat enoent", openat(etc, "no-such-file-here", O_RDONLY));

    CHECK("chdir /etc", chdir("/etc"));
    CHECK_OK("openat AT_FDCWD", g = openat(AT_FDCWD, "passwd", O_RDONLY));
    close(g);
    CHECK_OK("open relative to cwd", g = open("passwd", O_RDONLY));
    close(g);

    int p = openat(etc, "passwd", O_PATH);
    CHECK_OK("o_path", p);
    CHECK("read o_path", read(p, buf, 1));
    struct stat st;
    CHECK("fstat o_path", fstat(p, &st));
    TRUE("o_path is regular", S_ISREG(st.st_mode));
    CHECK("fcntl getfl o_path", fcntl(p, F_GETFL) & ~O_LARGEFILE);
    close(p);
    int pl = openat(etc, "os-release", O_PATH | O_NOFOLLOW);
    CHECK_OK("o_path|o_nofollow symlink", pl);
    CHECK("fstat o_path symlink", fstat(pl, &st));
    TRUE("is symlink", S_ISLNK(st.st_mode));
    close(pl);

    CHECK("openat2 via syscall bad size", syscall(437, etc, "passwd", buf, 1));
    close(etc);
    return 0;
}
