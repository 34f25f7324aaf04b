/* stat(2): file types, permissions, ownership; consistency with lseek; errors. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void show(const char *path)
{
    struct stat st;
    errno = 0;
    if (stat(path, &st) != 0) {
        printf("%s: ret=-1 errno=%s\n", path, errname(errno));
        return;
    }
    printf("%s: type=%06o perm=%04o uid=%u gid=%u\n", path, st.st_mode & S_IFMT,
           st.st_mode & 07777, st.st_uid, st.st_gid);
}

int main(void)
{
    show("/etc/passwd");
    show("/usr/bin");
    show("/bin");          /* symlink, followed */
    show("/etc/os-release");
    show("/bin/sh");
    show("/");
    show("/dev/null");
    show("/dev/zero");
    show("/nonexistent");
    show("/etc/passwd/x");
    show("");

    struct stat st, st2;
    stat("/etc/passwd", &st);
    int fd = open("/etc/passwd", O_RDONLY);
    TRUE("size == lseek end", st.st_size == lseek(fd, 0, SEEK_END));
    TRUE("size > 0", st.st_size > 0);
    TRUE("nlink >= 1", st.st_nlink >= 1);
    TRUE("blksize > 0", st.st_blksize > 0);
    fstat(fd, &st2);
    TRUE("same as fstat", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev &&
                              st.st_size == st2.st_size && st.st_mode == st2.st_mode);
    close(fd);

    stat("/dev/null", &st);
    printf("/dev/null rdev: %u,%u\n", major(st.st_rdev), minor(st.st_rdev));
    stat("/dev/zero", &st);
    printf("/dev/zero rdev: %u,%u\n", major(st.st_rdev), minor(st.st_rdev));

    struct stat a, b;
    stat("/bin", &a);
    stat("/usr/bin", &b);
    TRUE("/bin same inode as /usr/bin", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    stat("/usr/bin/..", &a);
    stat("/usr", &b);
    TRUE("/usr/bin/.. is /usr", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    stat("/..", &a);
    stat("/", &b);
    TRUE("/.. is /", a.st_ino == b.st_ino && a.st_dev == b.st_dev);

    CHECK("stat efault path", syscall(SYS_stat, BAD_PTR, &st));
    CHECK("stat efault buf", syscall(SYS_stat, "/etc/passwd", BAD_PTR));
    return 0;
}
