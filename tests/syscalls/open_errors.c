/* open(2)/openat(2) error paths. Nothing here creates or modifies a file. */
#include "common.h"
#include <fcntl.h>
#include <limits.h>

static void try_open(const char *name, const char *path, int flags)
{
    errno = 0;
    int fd = open(path, flags, 0644);
    if (fd >= 0) {
        printf("%s: ok\n", name);
        close(fd);
    } else {
        printf("%s: ret=-1 errno=%s\n", name, errname(errno));
    }
}

int main(void)
{
    static char longpath[PATH_MAX + 16];
    static char longname[300];

    try_open("existing", "/etc/passwd", O_RDONLY);
    try_open("enoent", "/nonexistent/file", O_RDONLY);
    try_open("enoent leaf", "/etc/definitely-not-here", O_RDONLY);
    try_open("enotdir", "/etc/passwd/x", O_RDONLY);
    try_open("enotdir trailing slash", "/etc/passwd/", O_RDONLY);
    try_open("o_directory on file", "/etc/passwd", O_RDONLY | O_DIRECTORY);
    try_open("o_directory on dir", "/usr/bin", O_RDONLY | O_DIRECTORY);
    try_open("dir O_WRONLY", "/usr/bin", O_WRONLY);
    try_open("dir O_RDWR", "/usr", O_RDWR);
    try_open("dir O_RDONLY", "/usr", O_RDONLY);
    try_open("o_nofollow symlink", "/bin", O_RDONLY | O_NOFOLLOW);
    try_open("o_nofollow symlink file", "/etc/os-release", O_RDONLY | O_NOFOLLOW);
    try_open("o_nofollow|o_path symlink", "/etc/os-release", O_PATH | O_NOFOLLOW);
    try_open("o_nofollow intermediate symlink", "/bin/sh", O_RDONLY | O_NOFOLLOW);
    try_open("o_creat|o_excl existing", "/etc/passwd", O_RDONLY | O_CREAT | O_EXCL);
    try_open("o_creat|o_excl existing dir", "/usr", O_RDONLY | O_CREAT | O_EXCL);
    try_open("o_tmpfile rdonly", "/usr", O_TMPFILE | O_RDONLY);
    try_open("empty path", "", O_RDONLY);
    try_open("dotdot past root", "/../../etc/passwd", O_RDONLY);
    try_open("dot components", "/etc/./././passwd", O_RDONLY);
    try_open("double slashes", "//etc//passwd", O_RDONLY);

    memset(longname, 'a', sizeof longname - 1);
    char p[400];
    snprintf(p, sizeof p, "/etc/%s", longname);
    try_open("component too long", p, O_RDONLY);
    for (size_t i = 0; i + 2 < sizeof longpath; i += 2)
        memcpy(longpath + i, "/.", 2);
    longpath[sizeof longpath - 1] = 0;
    try_open("path too long", longpath, O_RDONLY);

    CHECK("efault path", syscall(SYS_open, BAD_PTR, O_RDONLY));
    CHECK("efault path openat", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY));
    CHECK("bad dirfd relative", syscall(SYS_openat, 1000, "passwd", O_RDONLY));
    return 0;
}
