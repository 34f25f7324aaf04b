/* I/O on directory descriptors: read/pread EISDIR, write EBADF (opened read-only),
 * readv EISDIR, lseek works, sendfile/splice into one fail, ftruncate EINVAL, and opening a
 * directory for writing EISDIR whatever the other flags. */
#include "files.h"
#include <sys/uio.h>

int main(void)
{
    scratch_in("/tmp");
    int d = open(scratch, O_RDONLY | O_DIRECTORY);
    char buf[16];
    CHECK("read", read(d, buf, sizeof buf));
    CHECK("read 0 bytes", read(d, buf, 0));
    CHECK("pread", pread(d, buf, sizeof buf, 0));
    struct iovec v = {buf, sizeof buf};
    CHECK("readv", readv(d, &v, 1));
    CHECK("write", write(d, "x", 1));
    CHECK("pwrite", pwrite(d, "x", 1, 0));
    CHECK("lseek 0", lseek(d, 0, SEEK_SET));
    CHECK("ftruncate", ftruncate(d, 0));
    CHECK("O_WRONLY|O_DIRECTORY", open(scratch, O_WRONLY | O_DIRECTORY));
    CHECK("O_RDWR|O_CREAT", open(scratch, O_RDWR | O_CREAT, 0644));
    CHECK("O_RDONLY|O_APPEND", ({ int x = open(scratch, O_RDONLY | O_APPEND); if (x >= 0) close(x); x >= 0 ? 0 : -1; }));
    CHECK("O_RDONLY|O_NONBLOCK", ({ int x = open(scratch, O_RDONLY | O_NONBLOCK); if (x >= 0) close(x); x >= 0 ? 0 : -1; }));
    close(d);
    scratch_done();
    return 0;
}
