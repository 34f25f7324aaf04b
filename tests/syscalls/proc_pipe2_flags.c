/* pipe2 flags: O_CLOEXEC, O_NONBLOCK, O_DIRECT (packet mode), invalid flags; fstat of a pipe. */
#include "proc.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
    int p[2];
    CHECK("pipe2 0", pipe2(p, 0));
    printf("cloexec r=%d w=%d\n", fcntl(p[0], F_GETFD), fcntl(p[1], F_GETFD));
    printf("access mode r=%d w=%d\n", fcntl(p[0], F_GETFL) & O_ACCMODE, fcntl(p[1], F_GETFL) & O_ACCMODE);
    struct stat st;
    fstat(p[0], &st);
    printf("S_ISFIFO=%d size=%lld\n", S_ISFIFO(st.st_mode), (long long)st.st_size);
    int q[2];
    CHECK("pipe2 O_CLOEXEC", pipe2(q, O_CLOEXEC));
    printf("cloexec r=%d w=%d\n", fcntl(q[0], F_GETFD), fcntl(q[1], F_GETFD));
    CHECK("pipe2 bad flags", pipe2(q, O_RDWR | 0x10000000));
    CHECK("pipe2 O_APPEND", pipe2(q, O_APPEND));
    CHECK("pipe efault", syscall(SYS_pipe, BAD_PTR));
    CHECK("pipe2 efault", syscall(SYS_pipe2, BAD_PTR, 0));
    int d[2];
    CHECK("pipe2 O_DIRECT|O_NONBLOCK", pipe2(d, O_DIRECT | O_NONBLOCK));
    printf("O_DIRECT in F_GETFL: %d\n", (fcntl(d[0], F_GETFL) & O_DIRECT) != 0);
    write(d[1], "one", 3);
    write(d[1], "two!", 4);
    write(d[1], "3", 1);
    char buf[64];
    ssize_t a = read(d[0], buf, sizeof buf);
    ssize_t b = read(d[0], buf, 2); /* shorter than the packet: the rest is discarded */
    ssize_t c = read(d[0], buf, sizeof buf);
    printf("packet reads (nonblocking, -1 = EAGAIN): %zd %zd %zd\n", a, b, c);
    /* ordinary pipe: the three writes coalesce */
    write(p[1], "one", 3);
    write(p[1], "two!", 4);
    write(p[1], "3", 1);
    printf("stream read: %zd\n", read(p[0], buf, sizeof buf));
    /* lseek on a pipe */
    CHECK("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
    CHECK("pread on a pipe", pread(p[0], buf, 1, 0));
    return 0;
}
