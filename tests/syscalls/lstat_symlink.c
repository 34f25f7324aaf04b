/* lstat(2) vs stat(2) on symbolic links (Debian merged-/usr: /bin -> usr/bin). */
#include "common.h"
#include <sys/stat.h>

static void pair(const char *path)
{
    struct stat l, s;
    char target[256];
    errno = 0;
    if (lstat(path, &l) != 0) {
        printf("%s: lstat ret=-1 errno=%s\n", path, errname(errno));
        return;
    }
    int sr = stat(path, &s);
    ssize_t n = readlink(path, target, sizeof target);
    printf("%s: lstat type=%06o", path, l.st_mode & S_IFMT);
    if (S_ISLNK(l.st_mode))
        printf(" perm=%04o size_matches_target=%d", l.st_mode & 07777, (long)l.st_size == n);
    if (sr == 0)
        printf(" stat type=%06o", s.st_mode & S_IFMT);
    else
        printf(" stat errno=%s", errname(errno));
    printf(" same=%d\n", sr == 0 && l.st_ino == s.st_ino && l.st_dev == s.st_dev);
}

int main(void)
{
    pair("/bin");
    pair("/lib");
    pair("/etc/os-release");
    pair("/etc/passwd");
    pair("/usr/bin");
    pair("/bin/");        /* trailing slash follows the link */
    pair("/bin/sh");
    pair("/nonexistent");
    struct stat st;
    CHECK("lstat efault", syscall(SYS_lstat, BAD_PTR, &st));
    CHECK("lstat enotdir", lstat("/etc/passwd/", &st));
    CHECK("lstat empty", lstat("", &st));
    return 0;
}
