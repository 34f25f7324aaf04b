/* F_GETPIPE_SZ/F_SETPIPE_SZ and FIONREAD on pipes. */
#include "proc.h"
#include <fcntl.h>
#include <sys/ioctl.h>

int main(void)
{
    int p[2];
    pipe(p);
    CHECK("F_GETPIPE_SZ default", fcntl(p[0], F_GETPIPE_SZ));
    CHECK("F_SETPIPE_SZ 4096", fcntl(p[1], F_SETPIPE_SZ, 4096));
    CHECK("F_GETPIPE_SZ on the other end", fcntl(p[0], F_GETPIPE_SZ));
    CHECK("F_SETPIPE_SZ 1 (rounded up to a page)", fcntl(p[1], F_SETPIPE_SZ, 1));
    CHECK("F_SETPIPE_SZ 5000 (power of two pages)", fcntl(p[1], F_SETPIPE_SZ, 5000));
    CHECK("F_SETPIPE_SZ 100000", fcntl(p[1], F_SETPIPE_SZ, 100000));
    CHECK("F_SETPIPE_SZ 0", fcntl(p[1], F_SETPIPE_SZ, 0));
    CHECK("F_SETPIPE_SZ negative", fcntl(p[1], F_SETPIPE_SZ, -1));
    int dn = open("/dev/null", O_RDONLY);
    CHECK("F_GETPIPE_SZ on /dev/null", fcntl(dn, F_GETPIPE_SZ));
    fcntl(p[1], F_SETPIPE_SZ, 65536);
    int n = -1;
    CHECK("FIONREAD empty", ioctl(p[0], FIONREAD, &n));
    printf("FIONREAD=%d\n", n);
    static char buf[40000];
    write(p[1], buf, 12345);
    ioctl(p[0], FIONREAD, &n);
    printf("FIONREAD after 12345 bytes: %d\n", n);
    n = -1;
    ioctl(p[1], FIONREAD, &n);
    printf("FIONREAD on the write end: %d\n", n);
    read(p[0], buf, 345);
    ioctl(p[0], FIONREAD, &n);
    printf("FIONREAD after reading 345: %d\n", n);
    CHECK("shrink below the content", fcntl(p[1], F_SETPIPE_SZ, 4096));
    CHECK("capacity unchanged", fcntl(p[1], F_GETPIPE_SZ));
    read(p[0], buf, sizeof buf);
    CHECK("shrink once empty", fcntl(p[1], F_SETPIPE_SZ, 4096));
    /* the new capacity is what a nonblocking writer can fill */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    long total = 0;
    ssize_t w;
    while ((w = write(p[1], buf, 1000)) > 0)
        total += w;
    printf("4096-byte pipe holds %ld bytes\n", total);
    CHECK("FIONREAD bad pointer", ioctl(p[0], FIONREAD, BAD_PTR));
    return 0;
}
