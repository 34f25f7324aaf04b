/* F_DUPFD / F_DUPFD_CLOEXEC: the lowest free fd at or above the minimum, CLOEXEC only for
 * the _CLOEXEC form, negative or too-large minimum EINVAL, EMFILE when nothing is free below
 * RLIMIT_NOFILE. */
#include "files.h"
#include <sys/resource.h>

int main(void)
{
    /* Whatever the runner left open above stderr goes, so the numbers are the same everywhere. */
    syscall(SYS_close_range, 3, ~0U, 0);
    int fd = open("/dev/null", O_RDONLY);
    CHECK("F_DUPFD 10", fcntl(fd, F_DUPFD, 10));
    CHECK("F_DUPFD 10 again (11)", fcntl(fd, F_DUPFD, 10));
    CHECK("F_GETFD 10", fcntl(10, F_GETFD));
    CHECK("F_DUPFD_CLOEXEC 10 (12)", fcntl(fd, F_DUPFD_CLOEXEC, 10));
    CHECK("F_GETFD 12", fcntl(12, F_GETFD));
    close(11);
    CHECK("F_DUPFD 10 fills 11", fcntl(fd, F_DUPFD, 10));
    CHECK("F_DUPFD 0 is lowest", fcntl(fd, F_DUPFD, 0) == fd + 1 ? 0 : -1);
    CHECK("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    CHECK("F_DUPFD at limit", fcntl(fd, F_DUPFD, (int)rl.rlim_cur));
    CHECK("F_DUPFD limit-1", fcntl(fd, F_DUPFD, (int)rl.rlim_cur - 1) == (int)rl.rlim_cur - 1 ? 0 : -1);
    CHECK("F_DUPFD limit-1 again (EMFILE)", fcntl(fd, F_DUPFD, (int)rl.rlim_cur - 1));
    struct rlimit small = {20, rl.rlim_max};
    setrlimit(RLIMIT_NOFILE, &small);
    CHECK("F_DUPFD 25 above a lowered limit", fcntl(fd, F_DUPFD, 25));
    CHECK("dup2 to 25 above a lowered limit", dup2(fd, 25));
    CHECK("F_DUPFD bad fd", fcntl(999, F_DUPFD, 0));
    return 0;
}
