/* memfd_create (size, truncate, shared mapping, /proc link, errors), flock (shared and
 * exclusive, per open description, across fork, released on close) and chroot. */
#include "proc.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(void)
{
    int m = memfd_create("sbx-test", MFD_CLOEXEC);
    TRUE("memfd created", m >= 0);
    CHECK("write", write(m, "hello memfd", 11));
    struct stat st;
    fstat(m, &st);
    printf("size %ld, regular %d, mode %o\n", (long)st.st_size, S_ISREG(st.st_mode), st.st_mode & 0777);
    CHECK("ftruncate 4096", ftruncate(m, 4096));
    char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 0);
    TRUE("mmap shared read-only", p != MAP_FAILED && memcmp(p, "hello", 5) == 0);
    char buf[32] = {0};
    pread(m, buf, 11, 0);
    printf("read back \"%s\"\n", buf);
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", m);
    readlink(path, link, sizeof link - 1);
    printf("link: %s\n", link);
    TRUE("close-on-exec set", fcntl(m, F_GETFD) == FD_CLOEXEC);
    CHECK("bad flags", memfd_create("x", 0x1000));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[299] = 0;
    CHECK("name too long", memfd_create(longname, 0));
    CHECK("bad name pointer", memfd_create(BAD_PTR, 0));
    munmap(p, 4096);

    char file[] = "/tmp/sbx-flock-XXXXXX";
    int a = mkstemp(file);
    int b = open(file, O_RDWR);
    int a2 = dup(a);
    CHECK("LOCK_EX on a", flock(a, LOCK_EX));
    CHECK("LOCK_EX|NB on another description", flock(b, LOCK_EX | LOCK_NB));
    CHECK("LOCK_SH|NB on another description", flock(b, LOCK_SH | LOCK_NB));
    CHECK("LOCK_EX|NB on a dup (same description)", flock(a2, LOCK_EX | LOCK_NB));
    CHECK("convert to shared", flock(a, LOCK_SH));
    CHECK("shared on another description now", flock(b, LOCK_SH | LOCK_NB));
    CHECK("exclusive on b while a shares", flock(b, LOCK_EX | LOCK_NB));
    CHECK("unlock b", flock(b, LOCK_UN));
    CHECK("exclusive on a again", flock(a, LOCK_EX));
    int sync[2];
    pipe(sync);
    pid_t c = xfork();
    if (c == 0) {
        int mine = open(file, O_RDWR);
        CHECK("child NB while parent holds", flock(mine, LOCK_SH | LOCK_NB));
        signal_fd(sync[1]);
        CHECK("child blocks until parent unlocks", flock(mine, LOCK_SH));
        fflush(stdout);
        _exit(0);
    }
    wait_fd(sync[0]);
    msleep(100);
    flock(a, LOCK_UN);
    reap("child", c);
    CHECK("bad op", flock(a, 77));
    CHECK("bad fd", flock(999, LOCK_SH));
    close(b);
    flock(a, LOCK_EX);
    close(a);
    b = open(file, O_RDWR);
    CHECK("still held through the dup", flock(b, LOCK_EX | LOCK_NB));
    close(a2);
    CHECK("released when the last fd closes", flock(b, LOCK_EX | LOCK_NB));

    char dir[] = "/tmp/sbx-chroot-XXXXXX";
    mkdtemp(dir);
    char inner[128];
    snprintf(inner, sizeof inner, "%s/inside", dir);
    close(open(inner, O_CREAT | O_WRONLY, 0644));
    c = xfork();
    if (c == 0) {
        CHECK("chroot a file", chroot(file));
        CHECK("chroot missing", chroot("/nonexistent-sbx"));
        CHECK("chroot", chroot(dir));
        CHECK("stat /inside", stat("/inside", &st));
        CHECK("stat /../../inside", stat("/../../inside", &st));
        CHECK("stat the old path", stat(inner, &st));
        fflush(stdout);
        _exit(0);
    }
    reap("chroot child", c);
    unlink(inner);
    rmdir(dir);
    unlink(file);
    return 0;
}
