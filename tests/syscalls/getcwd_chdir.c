/* getcwd(2), chdir(2), fchdir(2): symlinks resolved, "..", buffer sizes, errors. */
#include "common.h"
#include <fcntl.h>

static void cwd(const char *label)
{
    char buf[256];
    errno = 0;
    long r = syscall(SYS_getcwd, buf, sizeof buf);
    if (r < 0)
        printf("%s: ret=%ld errno=%s\n", label, r, errname(errno));
    else
        printf("%s: ret=%ld cwd=%s\n", label, r, buf);
}

int main(void)
{
    CHECK("chdir /", chdir("/"));
    cwd("root");
    CHECK("chdir /usr/bin", chdir("/usr/bin"));
    cwd("usr/bin");
    CHECK("chdir ..", chdir(".."));
    cwd("after ..");
    CHECK("chdir /bin (symlink)", chdir("/bin"));
    cwd("after /bin");
    CHECK("chdir relative ../lib", chdir("../lib"));
    cwd("after ../lib");
    CHECK("chdir /../..", chdir("/../.."));
    cwd("after /../..");
    CHECK("chdir //usr//share/", chdir("//usr//share/"));
    cwd("after //usr//share/");
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK("fchdir /etc", fchdir(etc));
    cwd("after fchdir");
    int opath = open("/usr", O_PATH);
    CHECK("fchdir O_PATH dir", fchdir(opath));
    cwd("after fchdir O_PATH");
    int file = open("/etc/passwd", O_RDONLY);
    CHECK("fchdir file", fchdir(file));
    CHECK("fchdir ebadf", fchdir(1000));
    CHECK("chdir file", chdir("/etc/passwd"));
    CHECK("chdir enoent", chdir("/nonexistent"));
    CHECK("chdir empty", chdir(""));
    CHECK("chdir efault", syscall(SYS_chdir, BAD_PTR));
    cwd("unchanged after errors");

    char small[4];
    CHECK("getcwd size 1", syscall(SYS_getcwd, small, 1));
    CHECK("getcwd size 4", syscall(SYS_getcwd, small, 4));
    CHECK("getcwd size 0", syscall(SYS_getcwd, small, 0));
    char exact[5]; /* cwd is "/usr" */
    CHECK("getcwd exact size", syscall(SYS_getcwd, exact, 5));
    CHECK("getcwd efault", syscall(SYS_getcwd, BAD_PTR, 100));
    char *g = getcwd(NULL, 0);
    printf("glibc getcwd(NULL,0): %s\n", g ? g : "(null)");
    free(g);
    return 0;
}
