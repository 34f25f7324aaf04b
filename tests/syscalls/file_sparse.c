/* Sparse files: writing far past EOF leaves a hole that reads as zeros, st_size counts the
 * hole, st_blocks stays small (tmpfs: /dev/shm on both sides), truncate up makes a hole too,
 * and reading across data/hole boundaries. */
#include "files.h"

int main(void)
{
    scratch_in("/dev/shm");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    CHECK("pwrite at 1 MiB", pwrite(fd, "end", 3, 1 << 20));
    struct stat st;
    fstat(fd, &st);
    printf("size %ld blocks<=16 %d\n", (long)st.st_size, st.st_blocks <= 16);
    char buf[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK("read in the hole", pread(fd, buf, 8, 4096));
    int zero = 1;
    for (int i = 0; i < 8; i++) zero &= buf[i] == 0;
    printf("hole reads zero %d\n", zero);
    CHECK("read across the boundary", pread(fd, buf, 8, (1 << 20) - 5));
    printf("bytes: %d %d %d %d %d %c %c %c\n", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]);
    CHECK("ftruncate to 64 MiB", ftruncate(fd, 64L << 20));
    fstat(fd, &st);
    printf("size %ld blocks<=16 %d\n", (long)st.st_size, st.st_blocks <= 16);
    CHECK("read at 64 MiB - 1", pread(fd, buf, 8, (64L << 20) - 1));
    CHECK("ftruncate to 0", ftruncate(fd, 0));
    fstat(fd, &st);
    printf("size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
    close(fd);
    scratch_done();
    return 0;
}
