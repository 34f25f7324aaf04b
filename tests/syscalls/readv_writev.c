/* readv(2)/writev(2): scatter/gather, iovcnt limits, zero-length vectors. */
#include "common.h"
#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>

int main(void)
{
    char a[3], b[4];
    struct iovec iov[3] = {{a, sizeof a}, {NULL, 0}, {b, sizeof b}};
    int fd = open("/etc/passwd", O_RDONLY);
    CHECK("readv passwd", readv(fd, iov, 3));
    printf("a=%.3s b=%.4s\n", a, b);
    CHECK("lseek cur", lseek(fd, 0, SEEK_CUR));
    CHECK("readv iovcnt 0", readv(fd, iov, 0));
    CHECK("readv iovcnt -1", syscall(SYS_readv, fd, iov, -1));
    CHECK("readv iovcnt IOV_MAX+1", syscall(SYS_readv, fd, iov, IOV_MAX + 1));
    CHECK("readv bad iov", syscall(SYS_readv, fd, BAD_PTR, 1));
    struct iovec badbuf = {BAD_PTR, 4};
    CHECK("readv bad buffer", readv(fd, &badbuf, 1));
    struct iovec huge[2] = {{a, SSIZE_MAX}, {b, SSIZE_MAX}};
    CHECK("readv total overflows", readv(fd, huge, 2));
    close(fd);

    fflush(stdout);
    struct iovec out[4] = {
        {"one ", 4}, {"", 0}, {"two ", 4}, {"three\n", 6},
    };
    CHECK("writev stdout", writev(1, out, 4));
    int n = open("/dev/null", O_WRONLY);
    CHECK("writev null", writev(n, out, 4));
    CHECK("readv on O_WRONLY", readv(n, iov, 1));
    close(n);
    CHECK("writev ebadf", writev(99, out, 1));
    return 0;
}
