/* truncate/ftruncate: growing leaves zeros, shrinking drops data, the offset is left alone,
 * negative lengths EINVAL, directories EISDIR, read-only fds EINVAL, O_PATH fds EBADF,
 * pipes EINVAL, missing files ENOENT, and an O_APPEND fd may truncate. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "0123456789");
    CHECK("truncate grow", truncate(P("f"), 20));
    printf("size %ld\n", file_size(P("f")));
    int fd = open(P("f"), O_RDWR);
    char buf[32];
    memset(buf, '#', sizeof buf);
    long n = read(fd, buf, sizeof buf);
    printf("read %ld:", n);
    for (int i = 0; i < n; i++) printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    CHECK("offset after read", lseek(fd, 0, SEEK_CUR));
    CHECK("ftruncate shrink", ftruncate(fd, 4));
    CHECK("offset unchanged", lseek(fd, 0, SEEK_CUR));
    CHECK("read past end", read(fd, buf, sizeof buf));
    CHECK("write at old offset", write(fd, "Z", 1));
    printf("size %ld\n", file_size(P("f")));
    CHECK("ftruncate to 0", ftruncate(fd, 0));
    CHECK("ftruncate negative", ftruncate(fd, -1));
    CHECK("truncate negative", truncate(P("f"), -5));
    CHECK("truncate directory", truncate(scratch, 0));
    CHECK("truncate missing", truncate(P("zz"), 0));
    CHECK("truncate file/x", truncate(P("f/x"), 0));
    CHECK("truncate trailing slash", truncate(P("f/"), 0));
    close(fd);
    fd = open(P("f"), O_RDONLY);
    CHECK("ftruncate read-only fd", ftruncate(fd, 1));
    close(fd);
    fd = open(P("f"), O_PATH);
    CHECK("ftruncate O_PATH fd", ftruncate(fd, 1));
    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("ftruncate directory fd", ftruncate(fd, 1));
    close(fd);
    int p[2];
    pipe(p);
    CHECK("ftruncate pipe", ftruncate(p[1], 0));
    close(p[0]); close(p[1]);
    CHECK("ftruncate bad fd", ftruncate(999, 0));
    fd = open(P("f"), O_WRONLY | O_APPEND);
    CHECK("ftruncate O_APPEND fd", ftruncate(fd, 3));
    printf("size %ld\n", file_size(P("f")));
    close(fd);
    fd = open("/dev/null", O_WRONLY);
    CHECK("ftruncate /dev/null", ftruncate(fd, 0));
    close(fd);
    CHECK("truncate huge", truncate(P("f"), 1L << 40));
    printf("size %ld\n", file_size(P("f")));
    CHECK("truncate back", truncate(P("f"), 0));
    scratch_done();
    return 0;
}
