/* MAP_SHARED mappings of a /tmp file stay coherent with read/write/pwrite/ftruncate (a
 * MAP_PRIVATE mapping is a snapshot in the sandbox, where Linux shows later writes to pages it
 * has not copied yet; not compared here), msync flags (MS_SYNC, MS_ASYNC,
 * MS_INVALIDATE, both SYNC|ASYNC EINVAL, unaligned EINVAL, unmapped ENOMEM). */
#include "files.h"
#include <sys/mman.h>

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    ftruncate(fd, 8192);
    char *s = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    pwrite(fd, "written", 7, 0);
    printf("shared sees pwrite: %.7s\n", s);
    memcpy(s + 4096, "mapped", 6);
    char buf[8] = {0};
    pread(fd, buf, 6, 4096);
    printf("pread sees the shared store: %s\n", buf);
    p[0] = 'P';
    pwrite(fd, "again", 5, 0);
    printf("shared: %.5s\n", s);
    CHECK("msync MS_SYNC", msync(s, 8192, MS_SYNC));
    CHECK("msync MS_ASYNC", msync(s, 8192, MS_ASYNC));
    CHECK("msync MS_INVALIDATE", msync(s, 8192, MS_INVALIDATE));
    CHECK("msync SYNC|ASYNC", msync(s, 8192, MS_SYNC | MS_ASYNC));
    CHECK("msync unaligned", msync(s + 1, 100, MS_SYNC));
    CHECK("msync bad flag", msync(s, 4096, 0x100));
    CHECK("msync length 0", msync(s, 0, MS_SYNC));
    CHECK("msync private", msync(p, 8192, MS_SYNC));
    munmap(p, 8192);
    CHECK("msync unmapped", msync(p, 4096, MS_SYNC));
    CHECK("ftruncate to 4096", ftruncate(fd, 4096));
    CHECK("ftruncate back to 8192", ftruncate(fd, 8192));
    printf("shared page 1 after shrink+grow is zero: %d\n", s[4096] == 0);
    write(fd, "W", 1);
    printf("shared sees write(): %c\n", s[0]);
    close(fd);
    s[1] = '!';
    fd = open(P("f"), O_RDONLY);
    read(fd, buf, 2);
    printf("write through the mapping after close: %.2s\n", buf);
    close(fd);
    munmap(s, 8192);
    scratch_done();
    return 0;
}
