/* lseek(2): whence values, bounds, pipes and devices. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

int main(void)
{
    char c;
    struct stat st;
    int fd = open("/etc/passwd", O_RDONLY);
    fstat(fd, &st);
    CHECK("seek set 3", lseek(fd, 3, SEEK_SET));
    CHECK("read", read(fd, &c, 1));
    printf("char: %c\n", c);
    CHECK("seek cur +1", lseek(fd, 1, SEEK_CUR));
    CHECK("seek cur 0", lseek(fd, 0, SEEK_CUR));
    CHECK("seek cur -5", lseek(fd, -5, SEEK_CUR));
    CHECK("seek cur -10 (negative result)", lseek(fd, -10, SEEK_CUR));
    CHECK("pos unchanged", lseek(fd, 0, SEEK_CUR));
    TRUE("seek end == size", lseek(fd, 0, SEEK_END) == st.st_size);
    TRUE("seek end -1 == size-1", lseek(fd, -1, SEEK_END) == st.st_size - 1);
    CHECK("read last byte", read(fd, &c, 1));
    printf("last is newline: %d\n", c == '\n');
    CHECK("read at eof", read(fd, &c, 1));
    CHECK("seek past end", lseek(fd, 1 << 20, SEEK_SET));
    CHECK("read past end", read(fd, &c, 1));
    CHECK("seek negative", lseek(fd, -1, SEEK_SET));
    CHECK("bad whence", lseek(fd, 0, 17));
    CHECK("seek data 0", lseek(fd, 0, SEEK_DATA));
    TRUE("seek hole 0 == size", lseek(fd, 0, SEEK_HOLE) == st.st_size);
    CHECK("seek data past end", lseek(fd, st.st_size + 10, SEEK_DATA));
    close(fd);

    int n = open("/dev/null", O_RDONLY);
    CHECK("null seek", lseek(n, 100, SEEK_SET));
    CHECK("null seek end", lseek(n, 0, SEEK_END));
    close(n);
    int z = open("/dev/zero", O_RDONLY);
    CHECK("zero seek", lseek(z, 4096, SEEK_SET));
    close(z);
    int d = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK("dir seek 0", lseek(d, 0, SEEK_SET));
    close(d);
    CHECK("stdout pipe", lseek(1, 0, SEEK_CUR));
    CHECK("ebadf", lseek(100, 0, SEEK_SET));
    return 0;
}
