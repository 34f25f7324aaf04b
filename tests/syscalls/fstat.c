/* fstat(2) on files, directories, devices and the stdio descriptors. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static void show(const char *name, int fd)
{
    struct stat st;
    errno = 0;
    if (fstat(fd, &st) != 0) {
        printf("%s: ret=-1 errno=%s\n", name, errname(errno));
        return;
    }
    printf("%s: type=%06o", name, st.st_mode & S_IFMT);
    if (S_ISCHR(st.st_mode))
        printf(" rdev=%u,%u perm=%04o", major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        printf(" perm=%04o uid=%u gid=%u", st.st_mode & 07777, st.st_uid, st.st_gid);
    printf("\n");
}

int main(void)
{
    int f = open("/etc/passwd", O_RDONLY);
    show("passwd", f);
    struct stat st;
    fstat(f, &st);
    TRUE("passwd size matches lseek", st.st_size == lseek(f, 0, SEEK_END));
    TRUE("blocks sane", st.st_blocks >= 0);
    close(f);
    int d = open("/usr/bin", O_RDONLY | O_DIRECTORY);
    show("usr/bin", d);
    close(d);
    int n = open("/dev/null", O_RDONLY);
    show("null", n);
    fstat(n, &st);
    TRUE("null size 0", st.st_size == 0);
    close(n);
    int z = open("/dev/zero", O_RDONLY);
    show("zero", z);
    close(z);
    int u = open("/dev/urandom", O_RDONLY);
    show("urandom", u);
    close(u);
    show("stdin", 0);
    fstat(1, &st);
    TRUE("stdout is fifo", S_ISFIFO(st.st_mode));
    show("closed", n);
    show("negative", -1);
    CHECK("efault", syscall(SYS_fstat, 0, BAD_PTR));
    return 0;
}
