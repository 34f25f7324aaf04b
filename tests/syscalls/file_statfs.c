/* statfs/fstatfs: both succeed and agree, f_namelen 255 on tmpfs and /tmp, ENOENT/ENOTDIR/
 * EFAULT/EBADF errors, and /proc reporting PROC_SUPER_MAGIC. */
#include "files.h"
#include <sys/vfs.h>

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    struct statfs a, b;
    CHECK("statfs /tmp file", statfs(P("f"), &a));
    int fd = open(P("f"), O_RDONLY);
    CHECK("fstatfs", fstatfs(fd, &b));
    printf("same type %d same bsize %d namelen %ld\n", a.f_type == b.f_type, a.f_bsize == b.f_bsize, (long)a.f_namelen);
    close(fd);
    fd = open(P("f"), O_PATH);
    CHECK("fstatfs O_PATH", fstatfs(fd, &b));
    close(fd);
    CHECK("statfs /dev/shm", statfs("/dev/shm", &a));
    printf("/dev/shm tmpfs %d namelen %ld\n", a.f_type == 0x01021994, (long)a.f_namelen);
    CHECK("statfs /proc", statfs("/proc", &a));
    printf("/proc magic %d\n", a.f_type == 0x9fa0);
    CHECK("statfs missing", statfs(P("zz"), &a));
    CHECK("statfs file/x", statfs(P("f/x"), &a));
    CHECK("statfs bad buf", statfs(P("f"), BAD_PTR));
    CHECK("statfs bad path", statfs(BAD_PTR, &a));
    CHECK("fstatfs bad fd", fstatfs(999, &a));
    int p[2];
    pipe(p);
    CHECK("fstatfs pipe", fstatfs(p[0], &a));
    close(p[0]); close(p[1]);
    scratch_done();
    return 0;
}
