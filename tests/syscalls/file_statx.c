/* statx(2): the mask asked for vs the mask returned (basic stats always), AT_STATX_* sync
 * flags, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH on an fd, invalid flags and the reserved mask
 * bit (EINVAL), fields agreeing with stat. */
#include "files.h"
#include <sys/sysmacros.h>

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "hello");
    symlink("f", P("l"));
    struct statx sx;
    struct stat st;
    CHECK("statx basic", statx(AT_FDCWD, P("f"), 0, STATX_BASIC_STATS, &sx));
    printf("basic stats in mask %d\n", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
    stat(P("f"), &st);
    printf("agree: size %d mode %d nlink %d ino %d uid %d\n", sx.stx_size == (uint64_t)st.st_size, sx.stx_mode == st.st_mode,
           sx.stx_nlink == st.st_nlink, sx.stx_ino == st.st_ino, sx.stx_uid == st.st_uid);
    printf("dev agrees %d\n", makedev(sx.stx_dev_major, sx.stx_dev_minor) == st.st_dev);
    printf("mtime agrees %d\n", sx.stx_mtime.tv_sec == st.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == (uint32_t)st.st_mtim.tv_nsec);
    CHECK("statx mask 0", statx(AT_FDCWD, P("f"), 0, 0, &sx));
    CHECK("statx only size", statx(AT_FDCWD, P("f"), 0, STATX_SIZE, &sx));
    printf("size %llu size in mask %d\n", (unsigned long long)sx.stx_size, (sx.stx_mask & STATX_SIZE) != 0);
    CHECK("statx reserved bit", statx(AT_FDCWD, P("f"), 0, 0x80000000u, &sx));
    CHECK("statx bad flag", statx(AT_FDCWD, P("f"), 0x1, STATX_BASIC_STATS, &sx));
    CHECK("statx FORCE|DONT sync", statx(AT_FDCWD, P("f"), AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx));
    CHECK("statx FORCE_SYNC", statx(AT_FDCWD, P("f"), AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &sx));
    CHECK("statx DONT_SYNC", statx(AT_FDCWD, P("f"), AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx));
    CHECK("statx NOFOLLOW", statx(AT_FDCWD, P("l"), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx));
    printf("link: is link %d size %llu\n", S_ISLNK(sx.stx_mode), (unsigned long long)sx.stx_size);
    CHECK("statx follow", statx(AT_FDCWD, P("l"), 0, STATX_BASIC_STATS, &sx));
    printf("target: is reg %d size %llu\n", S_ISREG(sx.stx_mode), (unsigned long long)sx.stx_size);
    int fd = open(P("f"), O_RDONLY);
    CHECK("statx AT_EMPTY_PATH", statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx));
    printf("fd size %llu\n", (unsigned long long)sx.stx_size);
    CHECK("statx empty path without flag", statx(fd, "", 0, STATX_BASIC_STATS, &sx));
    CHECK("statx file as dirfd", statx(fd, "x", 0, STATX_BASIC_STATS, &sx));
    close(fd);
    CHECK("statx missing", statx(AT_FDCWD, P("zz"), 0, STATX_BASIC_STATS, &sx));
    CHECK("statx bad buffer", statx(AT_FDCWD, P("f"), 0, STATX_BASIC_STATS, BAD_PTR));
    CHECK("statx dir", statx(AT_FDCWD, scratch, 0, STATX_TYPE | STATX_NLINK, &sx));
    printf("dir: is dir %d nlink %u\n", S_ISDIR(sx.stx_mode), sx.stx_nlink);
    scratch_done();
    return 0;
}
