/* dup/dup2/dup3: the lowest free fd, sharing the offset and status flags, FD_CLOEXEC not
 * shared (dup3 O_CLOEXEC sets it), dup2 onto itself returns it, dup3 onto itself EINVAL,
 * bad flags EINVAL, bad/closed fds EBADF, newfd beyond RLIMIT_NOFILE EBADF. */
#include "files.h"
#include <sys/resource.h>

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    lseek(fd, 3, SEEK_SET);
    int d = dup(fd);
    printf("dup is next fd %d\n", d == fd + 1);
    printf("shared offset %ld\n", (long)lseek(d, 0, SEEK_CUR));
    lseek(d, 7, SEEK_SET);
    printf("moved through dup %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    fcntl(d, F_SETFL, O_APPEND);
    printf("status flags shared: O_APPEND %d\n", (fcntl(fd, F_GETFL) & O_APPEND) != 0);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    printf("cloexec not shared %d\n", fcntl(d, F_GETFD));
    CHECK("dup2 onto itself", dup2(fd, fd) == fd ? 0 : -1);
    CHECK("dup2 bad oldfd onto itself", dup2(999, 999));
    CHECK("dup3 onto itself", dup3(fd, fd, 0));
    CHECK("dup3 bad flags", dup3(fd, 50, O_NONBLOCK));
    CHECK("dup3 O_CLOEXEC", dup3(fd, 50, O_CLOEXEC));
    printf("fd 50 cloexec %d\n", fcntl(50, F_GETFD));
    CHECK("dup2 clears cloexec", dup2(fd, 50));
    printf("fd 50 cloexec %d\n", fcntl(50, F_GETFD));
    CHECK("dup2 onto open fd replaces", ({ int p = open("/dev/null", O_RDONLY); dup2(fd, p) == p ? (lseek(p, 0, SEEK_CUR) == 7 ? 0 : -2) : -1; }));
    CHECK("dup bad fd", dup(999));
    CHECK("dup2 bad oldfd", dup2(999, 60));
    CHECK("dup2 negative newfd", dup2(fd, -1));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    CHECK("dup2 at RLIMIT_NOFILE", dup2(fd, (int)rl.rlim_cur));
    CHECK("dup3 huge newfd", dup3(fd, 0x7fffffff, 0));
    int pfd = open(P("f"), O_PATH);
    int pd = dup(pfd);
    CHECK("dup of O_PATH fd", pd >= 0 ? 0 : -1);
    printf("dup keeps O_PATH %d\n", (fcntl(pd, F_GETFL) & O_PATH) != 0);
    close(fd);
    printf("dup survives close of the original: %ld\n", (long)lseek(d, 0, SEEK_CUR));
    scratch_done();
    return 0;
}
