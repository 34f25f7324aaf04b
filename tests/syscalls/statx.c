/* statx(2): basic stats, consistency with stat, flag and mask validation. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

static void t(const char *name, int dirfd, const char *path, int flags, unsigned mask)
{
    struct statx sx;
    errno = 0;
    long r = syscall(SYS_statx, dirfd, path, flags, mask, &sx);
    if (r != 0) {
        printf("%s: ret=%ld errno=%s\n", name, r, errname(errno));
        return;
    }
    struct stat st;
    int sr = fstatat(dirfd, path, &st, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    /* Filesystems may return more than was asked for; only requested bits are compared. */
    printf("%s: requested_bits_set=%d type=%06o perm=%04o uid=%u gid=%u", name,
           (sx.stx_mask & mask & STATX_BASIC_STATS) == (mask & STATX_BASIC_STATS),
           sx.stx_mode & S_IFMT, sx.stx_mode & 07777, sx.stx_uid, sx.stx_gid);
    if (sr == 0 && mask == STATX_BASIC_STATS)
        printf(" matches_stat=%d", sx.stx_ino == st.st_ino && sx.stx_size == (uint64_t)st.st_size &&
                                       sx.stx_nlink == st.st_nlink && sx.stx_mode == st.st_mode &&
                                       sx.stx_blocks == (uint64_t)st.st_blocks &&
                                       sx.stx_mtime.tv_sec == st.st_mtim.tv_sec &&
                                       sx.stx_mtime.tv_nsec == st.st_mtim.tv_nsec);
    printf("\n");
}

int main(void)
{
    int etc = open("/etc", O_RDONLY | O_DIRECTORY);
    int file = open("/etc/passwd", O_RDONLY);
    t("passwd", AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS);
    t("passwd mask type only", AT_FDCWD, "/etc/passwd", 0, STATX_TYPE);
    t("passwd mask 0", AT_FDCWD, "/etc/passwd", 0, 0);
    t("dir", AT_FDCWD, "/usr/bin", 0, STATX_BASIC_STATS);
    t("symlink follow", etc, "os-release", 0, STATX_BASIC_STATS);
    t("symlink nofollow", etc, "os-release", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
    t("empty path", file, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
    t("dev null", AT_FDCWD, "/dev/null", 0, STATX_BASIC_STATS);
    t("sync as stat", AT_FDCWD, "/etc/passwd", AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS);
    t("dont sync", AT_FDCWD, "/etc/passwd", AT_STATX_DONT_SYNC, STATX_BASIC_STATS);
    t("force+dont sync", AT_FDCWD, "/etc/passwd", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC,
      STATX_BASIC_STATS);
    t("reserved mask bit", AT_FDCWD, "/etc/passwd", 0, 0x80000000U);
    t("bad flags", AT_FDCWD, "/etc/passwd", 0x1, STATX_BASIC_STATS);
    t("enoent", AT_FDCWD, "/no/such", 0, STATX_BASIC_STATS);
    t("enotdir", AT_FDCWD, "/etc/passwd/", 0, STATX_BASIC_STATS);
    t("ebadf", 1000, "passwd", 0, STATX_BASIC_STATS);
    t("empty path no flag", file, "", 0, STATX_BASIC_STATS);
    CHECK("efault buf", syscall(SYS_statx, AT_FDCWD, "/etc/passwd", 0, STATX_BASIC_STATS, BAD_PTR));
    CHECK("efault path", syscall(SYS_statx, AT_FDCWD, BAD_PTR, 0, STATX_BASIC_STATS, BAD_PTR));
    return 0;
}
