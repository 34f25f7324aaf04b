/* lseek: SEEK_SET/CUR/END, past the end (allowed; a write there leaves a hole), negative
 * results EINVAL, bad whence EINVAL, ESPIPE on pipes and FIFOs, directories, /dev/null and
 * /dev/zero accepting any offset, O_APPEND writes ignoring the offset. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    CHECK("SEEK_SET 3", lseek(fd, 3, SEEK_SET));
    CHECK("SEEK_CUR +2", lseek(fd, 2, SEEK_CUR));
    CHECK("SEEK_CUR -10", lseek(fd, -10, SEEK_CUR));
    CHECK("SEEK_END 0", lseek(fd, 0, SEEK_END));
    CHECK("SEEK_END -4", lseek(fd, -4, SEEK_END));
    CHECK("SEEK_END +100", lseek(fd, 100, SEEK_END));
    CHECK("write beyond", write(fd, "X", 1));
    printf("size %ld\n", file_size(P("f")));
    char buf[4] = {1, 1, 1, 1};
    pread(fd, buf, 2, 50);
    printf("hole bytes %d %d\n", buf[0], buf[1]);
    CHECK("SEEK_SET negative", lseek(fd, -1, SEEK_SET));
    CHECK("SEEK_END -1000", lseek(fd, -1000, SEEK_END));
    CHECK("bad whence", lseek(fd, 0, 42));
    CHECK("offset kept after errors", lseek(fd, 0, SEEK_CUR));
    CHECK("SEEK_SET 2^40", lseek(fd, 1L << 40, SEEK_SET));
    CHECK("SEEK_CUR +1", lseek(fd, 1, SEEK_CUR));
    CHECK("SEEK_CUR past LLONG_MAX", lseek(fd, 0x7fffffffffffffffL, SEEK_CUR));
    close(fd);
    fd = open(P("f"), O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "A", 1);
    CHECK("O_APPEND offset after write", lseek(fd, 0, SEEK_CUR));
    close(fd);
    int p[2];
    pipe(p);
    CHECK("pipe", lseek(p[0], 0, SEEK_CUR));
    close(p[0]); close(p[1]);
    mkfifo(P("fifo"), 0644);
    fd = open(P("fifo"), O_RDWR);
    CHECK("fifo", lseek(fd, 0, SEEK_SET));
    close(fd);
    fd = open(scratch, O_RDONLY | O_DIRECTORY);
    CHECK("dir SEEK_SET 0", lseek(fd, 0, SEEK_SET));
    CHECK("dir SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
    CHECK("dir negative", lseek(fd, -1, SEEK_SET));
    close(fd);
    fd = open("/dev/null", O_RDWR);
    CHECK("/dev/null SEEK_SET 123", lseek(fd, 123, SEEK_SET));
    CHECK("/dev/null SEEK_END", lseek(fd, 0, SEEK_END));
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    CHECK("/dev/zero SEEK_SET 5", lseek(fd, 5, SEEK_SET));
    close(fd);
    CHECK("bad fd", lseek(999, 0, SEEK_SET));
    scratch_done();
    return 0;
}
