/* pread64/pwrite64/preadv/pwritev: positional I/O leaves the file offset alone. */
#include "common.h"
#include <fcntl.h>
#include <sys/uio.h>

int main(void)
{
    char buf[16];
    int fd = open("/etc/passwd", O_RDONLY);
    CHECK("pread off 0", pread(fd, buf, 4, 0));
    printf("data: %.4s\n", buf);
    CHECK("pread off 2", pread(fd, buf, 3, 2));
    printf("data: %.3s\n", buf);
    CHECK("offset unchanged", lseek(fd, 0, SEEK_CUR));
    CHECK("read after pread", read(fd, buf, 2));
    printf("data: %.2s\n", buf);
    CHECK("pread negative offset", pread(fd, buf, 1, -1));
    CHECK("pread far past end", pread(fd, buf, 1, 1L << 40));
    struct iovec iov[2] = {{buf, 2}, {buf + 2, 3}};
    CHECK("preadv", preadv(fd, iov, 2, 1));
    printf("data: %.5s\n", buf);
    CHECK("preadv negative offset", preadv(fd, iov, 2, -5));
    CHECK("offset still", lseek(fd, 0, SEEK_CUR));
    CHECK("pwrite O_RDONLY", pwrite(fd, "x", 1, 0));
    close(fd);

    int n = open("/dev/null", O_RDWR);
    CHECK("pwrite null", pwrite(n, "abc", 3, 100));
    CHECK("pread null", pread(n, buf, 3, 100));
    close(n);

    int z = open("/dev/zero", O_RDONLY);
    buf[0] = 1;
    CHECK("pread zero", pread(z, buf, 8, 12345));
    TRUE("zero byte", buf[0] == 0);
    close(z);

    CHECK("pwrite stdout pipe", pwrite(1, "x", 1, 0));
    CHECK("pwritev stdout pipe", pwritev(1, iov, 1, 0));
    CHECK("pread ebadf", pread(77, buf, 1, 0));
    int d = open("/usr", O_RDONLY | O_DIRECTORY);
    CHECK("pread dir", pread(d, buf, 1, 0));
    close(d);
    return 0;
}
