/* readv/writev: scatter/gather order, zero-length iovecs, iovcnt 0, IOV_MAX (1024) allowed
 * and 1025 EINVAL, negative count EINVAL, a bad iovec pointer EFAULT, a bad buffer in the
 * middle (partial or EFAULT), total length overflowing ssize_t EINVAL. */
#include "files.h"
#include <limits.h>
#include <sys/uio.h>

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    struct iovec w[4] = {{"ab", 2}, {"", 0}, {"cde", 3}, {NULL, 0}};
    CHECK("writev with empty iovecs", writev(fd, w, 4));
    CHECK("writev iovcnt 0", writev(fd, w, 0));
    static struct iovec many[1025];
    static char one[1025];
    for (int i = 0; i < 1025; i++) { one[i] = 'a' + i % 26; many[i].iov_base = &one[i]; many[i].iov_len = 1; }
    CHECK("writev IOV_MAX", writev(fd, many, 1024));
    CHECK("writev IOV_MAX+1", writev(fd, many, 1025));
    CHECK("writev negative count", syscall(SYS_writev, fd, many, -1));
    CHECK("writev bad iov pointer", syscall(SYS_writev, fd, BAD_PTR, 1));
    struct iovec bad[2] = {{"xy", 2}, {BAD_PTR, 5}};
    long r = writev(fd, bad, 2);
    printf("writev bad second buffer: %s\n", r == 2 ? "partial 2" : r == -1 ? errname(errno) : "other");
    struct iovec huge[2] = {{one, SSIZE_MAX}, {one, 2}};
    CHECK("writev total overflows", writev(fd, huge, 2));
    printf("size %ld\n", file_size(P("f")));
    lseek(fd, 0, SEEK_SET);
    char a[2], b[1], c[4];
    struct iovec rd[4] = {{a, 2}, {NULL, 0}, {b, 1}, {c, 4}};
    CHECK("readv", readv(fd, rd, 4));
    printf("a=%.2s b=%.1s c=%.4s\n", a, b, c);
    CHECK("readv at offset 7", lseek(fd, 0, SEEK_CUR));
    static char back[1100];
    for (int i = 0; i < 1024; i++) { many[i].iov_base = &back[i]; many[i].iov_len = 1; }
    lseek(fd, 5, SEEK_SET);
    CHECK("readv IOV_MAX", readv(fd, many, 1024));
    printf("round trip %d\n", memcmp(back, one, 1024) == 0);
    CHECK("readv at EOF", readv(fd, rd, 4));
    CHECK("readv IOV_MAX+1", readv(fd, many, 1025));
    close(fd);
    CHECK("readv bad fd", readv(999, rd, 1));
    fd = open(P("f"), O_RDONLY);
    CHECK("writev read-only fd", writev(fd, w, 1));
    close(fd);
    scratch_done();
    return 0;
}
