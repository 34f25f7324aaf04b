/* fallocate(2) on tmpfs (/dev/shm both natively and in the sandbox): default mode grows,
 * KEEP_SIZE does not, PUNCH_HOLE zeroes without resizing (needs KEEP_SIZE), bad ranges and
 * fds, and modes tmpfs does not do (EOPNOTSUPP). */
#include "files.h"
#include <linux/falloc.h>

static void dump(int fd, long off, int len)
{
    char buf[32];
    long n = pread(fd, buf, len, off);
    printf("  [%ld,+%d) read %ld:", off, len, n);
    for (long i = 0; i < n; i++) putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
}

int main(void)
{
    scratch_in("/dev/shm");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "abcdefghijklmnop", 16);
    CHECK("mode 0 inside", fallocate(fd, 0, 0, 8));
    printf("size %ld\n", file_size(P("f")));
    CHECK("mode 0 grow", fallocate(fd, 0, 10, 30));
    printf("size %ld\n", file_size(P("f")));
    dump(fd, 12, 20);
    CHECK("KEEP_SIZE past end", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 100000));
    printf("size %ld\n", file_size(P("f")));
    CHECK("PUNCH_HOLE without KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 2, 4));
    CHECK("PUNCH_HOLE|KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2, 4));
    printf("size %ld\n", file_size(P("f")));
    dump(fd, 0, 16);
    CHECK("PUNCH_HOLE past end", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 30, 100));
    printf("size %ld\n", file_size(P("f")));
    CHECK("KEEP_SIZE far beyond any size limit", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1L << 62));
    CHECK("offset + len overflows", fallocate(fd, 0, 1L << 62, 1L << 62));
    CHECK("len 0", fallocate(fd, 0, 0, 0));
    CHECK("len negative", fallocate(fd, 0, 0, -1));
    CHECK("offset negative", fallocate(fd, 0, -1, 10));
    CHECK("unknown mode bit", fallocate(fd, 0x1000, 0, 10));
    CHECK("COLLAPSE_RANGE", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096));
    CHECK("ZERO_RANGE", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4));
    CHECK("INSERT_RANGE", fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096));
    close(fd);
    fd = open(P("f"), O_RDONLY);
    CHECK("read-only fd", fallocate(fd, 0, 0, 10));
    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("directory fd", fallocate(fd, 0, 0, 10));
    close(fd);
    int p[2];
    pipe(p);
    CHECK("pipe", fallocate(p[1], 0, 0, 10));
    close(p[0]); close(p[1]);
    CHECK("bad fd", fallocate(999, 0, 0, 10));
    fd = open(P("f"), O_WRONLY | O_APPEND);
    CHECK("O_APPEND fd", fallocate(fd, 0, 0, 10));
    close(fd);
    scratch_done();
    return 0;
}
