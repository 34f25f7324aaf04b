/* read(2)/write(2) on regular files, devices, directories and stdout. */
#include "common.h"
#include <fcntl.h>

int main(void)
{
    char buf[64];
    int fd = open("/etc/passwd", O_RDONLY);
    CHECK_OK("open passwd", fd);
    CHECK("read 5", read(fd, buf, 5));
    printf("data: %.5s\n", buf);
    CHECK("read 0", read(fd, buf, 0));
    CHECK("write on O_RDONLY", write(fd, "x", 1));
    close(fd);

    int z = open("/dev/zero", O_RDONLY);
    memset(buf, 0x55, sizeof buf);
    CHECK("read zero", read(z, buf, sizeof buf));
    int allzero = 1;
    for (size_t i = 0; i < sizeof buf; i++)
        allzero &= buf[i] == 0;
    TRUE("zero filled", allzero);
    close(z);

    int n = open("/dev/null", O_RDWR);
    CHECK("read null", read(n, buf, sizeof buf));
    CHECK("write null", write(n, buf, sizeof buf));
    CHECK("write null 0", write(n, buf, 0));
    close(n);

    int wn = open("/dev/null", O_WRONLY);
    CHECK("read on O_WRONLY", read(wn, buf, 1));
    close(wn);

    int d = open("/usr/bin", O_RDONLY | O_DIRECTORY);
    CHECK_OK("open dir", d);
    CHECK("read dir", read(d, buf, sizeof buf));
    CHECK("write dir", write(d, buf, 1));
    close(d);

    fflush(stdout);
    CHECK("write stdout", write(1, "hello stdout\n", 13));
    CHECK("read stdin (/dev/null)", read(0, buf, sizeof buf));
    CHECK("read closed fd", read(fd, buf, 1));
    return 0;
}
