/* pread/pwrite/preadv/pwritev/preadv2/pwritev2: offsets leave the file offset alone,
 * negative offsets EINVAL, pwrite on an O_APPEND fd appends (Linux), RWF_APPEND/RWF_HIPRI/
 * RWF_DSYNC/RWF_NOWAIT flags, offset -1 for preadv2 meaning "the file offset", unknown RWF
 * flags EOPNOTSUPP, ESPIPE on pipes, EISDIR on directories. */
#include "files.h"
#include <sys/uio.h>

static void show(int fd, const char *label)
{
    char buf[64] = {0};
    long n = pread(fd, buf, sizeof buf - 1, 0);
    printf("%s: %ld \"%s\"\n", label, n, buf);
}

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    lseek(fd, 2, SEEK_SET);
    char buf[16] = {0};
    CHECK("pread 4 at 5", pread(fd, buf, 4, 5));
    printf("got \"%s\" offset %ld\n", buf, (long)lseek(fd, 0, SEEK_CUR));
    CHECK("pwrite at 8", pwrite(fd, "AB", 2, 8));
    CHECK("pwrite past end", pwrite(fd, "Z", 1, 12));
    show(fd, "file");
    printf("offset %ld size %ld\n", (long)lseek(fd, 0, SEEK_CUR), file_size(P("f")));
    CHECK("pread negative", pread(fd, buf, 1, -1));
    CHECK("pwrite negative", pwrite(fd, "x", 1, -1));
    CHECK("pread at EOF", pread(fd, buf, 4, 13));
    CHECK("pread past EOF", pread(fd, buf, 4, 1000));
    CHECK("pread 0 bytes", pread(fd, buf, 0, 0));
    char a[3] = {0}, b[4] = {0};
    struct iovec iov[2] = {{a, 2}, {b, 3}};
    CHECK("preadv at 1", preadv(fd, iov, 2, 1));
    printf("a \"%s\" b \"%s\"\n", a, b);
    struct iovec w[2] = {{"xy", 2}, {"z", 1}};
    CHECK("pwritev at 0", pwritev(fd, w, 2, 0));
    show(fd, "file");
    CHECK("preadv2 offset -1 uses file offset", preadv2(fd, iov, 1, -1, 0));
    printf("a \"%s\" offset now %ld\n", a, (long)lseek(fd, 0, SEEK_CUR));
    CHECK("preadv2 RWF_HIPRI", preadv2(fd, iov, 1, 0, RWF_HIPRI));
    CHECK("preadv2 RWF_NOWAIT", preadv2(fd, iov, 1, 0, RWF_NOWAIT));
    CHECK("pwritev2 RWF_DSYNC", pwritev2(fd, w, 1, 0, RWF_DSYNC));
    CHECK("pwritev2 RWF_SYNC", pwritev2(fd, w, 1, 0, RWF_SYNC));
    CHECK("pwritev2 RWF_APPEND", pwritev2(fd, w, 1, 0, RWF_APPEND));
    show(fd, "after RWF_APPEND");
    CHECK("preadv2 unknown flag", preadv2(fd, iov, 1, 0, 0x1000));
    CHECK("pwritev2 unknown flag", pwritev2(fd, w, 1, 0, 0x1000));
    CHECK("preadv negative offset", preadv(fd, iov, 1, -5));
    CHECK("preadv2 offset -2", preadv2(fd, iov, 1, -2, 0));
    close(fd);

    fd = open(P("f"), O_WRONLY | O_APPEND);
    CHECK("pwrite on O_APPEND appends", pwrite(fd, "END", 3, 0));
    close(fd);
    fd = open(P("f"), O_RDONLY);
    show(fd, "after O_APPEND pwrite");
    CHECK("pwrite on read-only fd", pwrite(fd, "x", 1, 0));
    close(fd);
    fd = open(P("f"), O_WRONLY);
    CHECK("pread on write-only fd", pread(fd, buf, 1, 0));
    close(fd);
    int p[2];
    pipe(p);
    CHECK("pread pipe", pread(p[0], buf, 1, 0));
    CHECK("pwrite pipe", pwrite(p[1], "x", 1, 0));
    CHECK("preadv2 pipe offset -1", ({ write(p[1], "q", 1); preadv2(p[0], iov, 1, -1, 0); }));
    close(p[0]); close(p[1]);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("pread dir", pread(fd, buf, 1, 0));
    close(fd);
    CHECK("pread bad fd", pread(999, buf, 1, 0));
    scratch_done();
    return 0;
}
