/* O_PATH descriptors: fstat, fstatfs, fchdir, openat relative to one, dup, F_GETFL and
 * close work; read, write, fchmod, fchown, ftruncate, flock, mmap, fsync, getdents64, ioctl
 * and fgetxattr refuse with EBADF; only O_CLOEXEC, O_DIRECTORY and O_NOFOLLOW survive. */
#include "files.h"
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "data");
    mkdir(P("d"), 0755);
    write_file(P("d/in"), "inside");
    int f = open(P("f"), O_PATH | O_RDWR | O_APPEND | O_TRUNC | O_CREAT | O_EXCL, 0600);
    CHECK("open O_PATH with ignored flags", f >= 0 ? 0 : -1);
    printf("size kept %ld\n", file_size(P("f")));
    int fl = fcntl(f, F_GETFL);
    printf("F_GETFL: O_PATH %d append %d accmode %d\n", (fl & O_PATH) != 0, (fl & O_APPEND) != 0, fl & O_ACCMODE);
    struct stat st;
    CHECK("fstat", fstat(f, &st));
    struct statfs sf;
    CHECK("fstatfs", fstatfs(f, &sf));
    char buf[8];
    CHECK("read", read(f, buf, 4));
    CHECK("write", write(f, "x", 1));
    CHECK("pread", pread(f, buf, 1, 0));
    CHECK("fchmod", fchmod(f, 0600));
    CHECK("fchown", fchown(f, 0, 0));
    CHECK("ftruncate", ftruncate(f, 0));
    CHECK("flock", flock(f, LOCK_SH));
    CHECK("fsync", fsync(f));
    CHECK("lseek", lseek(f, 0, SEEK_SET));
    CHECK("mmap", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, f, 0) == MAP_FAILED ? -1 : 0);
    CHECK("ioctl FIONREAD", ioctl(f, FIONREAD, &fl));
    CHECK("fgetxattr", fgetxattr(f, "user.x", buf, sizeof buf));
    int d2 = dup(f);
    CHECK("dup", d2 >= 0 ? 0 : -1);
    close(d2);
    int d = open(P("d"), O_PATH | O_DIRECTORY);
    CHECK("getdents64", syscall(SYS_getdents64, d, buf, sizeof buf));
    int in = openat(d, "in", O_RDONLY);
    CHECK("openat relative to O_PATH dir", in >= 0 ? 0 : -1);
    close(in);
    CHECK("fstatat relative", fstatat(d, "in", &st, 0));
    CHECK("fchdir", fchdir(d));
    show_file("in (relative after fchdir)", "in");
    chdir("/");
    CHECK("close", close(f));
    CHECK("close dir", close(d));
    scratch_done();
    return 0;
}
