/* SEEK_DATA/SEEK_HOLE on tmpfs (/dev/shm natively and in the sandbox): a file with data,
 * a hole in the middle, the implicit hole at EOF, ENXIO at or past EOF, and on an empty file. */
#include "files.h"

int main(void)
{
    scratch_in("/dev/shm");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    CHECK("empty SEEK_DATA 0", lseek(fd, 0, SEEK_DATA));
    CHECK("empty SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE));
    char page[4096];
    memset(page, 'x', sizeof page);
    pwrite(fd, page, sizeof page, 0);
    pwrite(fd, page, sizeof page, 4 * 4096);
    printf("size %ld\n", file_size(P("f")));
    CHECK("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA));
    CHECK("SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE));
    CHECK("SEEK_DATA in hole", lseek(fd, 8192, SEEK_DATA));
    CHECK("SEEK_HOLE in hole", lseek(fd, 8192, SEEK_HOLE));
    CHECK("SEEK_HOLE in last data", lseek(fd, 4 * 4096 + 10, SEEK_HOLE));
    CHECK("SEEK_DATA at EOF", lseek(fd, 5 * 4096, SEEK_DATA));
    CHECK("SEEK_HOLE at EOF", lseek(fd, 5 * 4096, SEEK_HOLE));
    CHECK("SEEK_DATA negative", lseek(fd, -1, SEEK_DATA));
    close(fd);
    scratch_done();
    return 0;
}
