/* utimensat/futimens: explicit times, UTIME_NOW and UTIME_OMIT per field, NULL times,
 * AT_SYMLINK_NOFOLLOW on a symlink (the link's own times), bad nsec EINVAL, ctime moving. */
#include "files.h"
#include <time.h>

static void times_of(const char *label, const char *path)
{
    struct stat st;
    lstat(path, &st);
    printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", label, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static int recent(struct timespec t)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return t.tv_sec <= now.tv_sec && t.tv_sec >= now.tv_sec - 60;
}

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    symlink("f", P("l"));
    struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
    CHECK("explicit", utimensat(AT_FDCWD, P("f"), ts, 0));
    times_of("f", P("f"));
    struct timespec omit_a[2] = {{0, UTIME_OMIT}, {1200000000, 0}};
    CHECK("omit atime", utimensat(AT_FDCWD, P("f"), omit_a, 0));
    times_of("f", P("f"));
    struct timespec now_m[2] = {{5, UTIME_OMIT}, {7, UTIME_NOW}};
    CHECK("omit atime, now mtime", utimensat(AT_FDCWD, P("f"), now_m, 0));
    struct stat st;
    stat(P("f"), &st);
    printf("atime kept %d mtime recent %d\n", st.st_atim.tv_sec == 1000000000, recent(st.st_mtim));
    CHECK("NULL times", utimensat(AT_FDCWD, P("f"), NULL, 0));
    stat(P("f"), &st);
    printf("both recent %d %d\n", recent(st.st_atim), recent(st.st_mtim));
    struct timespec lts[2] = {{900000000, 1}, {900000000, 2}};
    CHECK("NOFOLLOW on link", utimensat(AT_FDCWD, P("l"), lts, AT_SYMLINK_NOFOLLOW));
    times_of("l", P("l"));
    stat(P("f"), &st);
    printf("target untouched %d\n", st.st_mtim.tv_sec != 900000000);
    CHECK("follow link", utimensat(AT_FDCWD, P("l"), ts, 0));
    times_of("f", P("f"));
    CHECK("nsec 1e9", utimensat(AT_FDCWD, P("f"), (struct timespec[2]){{0, 1000000000}, {0, 0}}, 0));
    CHECK("nsec -1", utimensat(AT_FDCWD, P("f"), (struct timespec[2]){{0, 0}, {0, -1}}, 0));
    CHECK("negative seconds", utimensat(AT_FDCWD, P("f"), (struct timespec[2]){{-1, 0}, {-1, 0}}, 0));
    CHECK("bad flag", utimensat(AT_FDCWD, P("f"), ts, 0x1));
    CHECK("missing", utimensat(AT_FDCWD, P("zz"), ts, 0));
    CHECK("bad times pointer", syscall(SYS_utimensat, AT_FDCWD, P("f"), BAD_PTR, 0));
    int fd = open(P("f"), O_RDONLY);
    CHECK("futimens read-only fd", futimens(fd, ts));
    CHECK("utimensat fd NULL path", syscall(SYS_utimensat, fd, NULL, ts, 0));
    CHECK("utimensat AT_FDCWD NULL path", syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0));
    CHECK("utimensat AT_EMPTY_PATH", utimensat(fd, "", ts, AT_EMPTY_PATH));
    close(fd);
    CHECK("futimens bad fd", futimens(999, ts));
    stat(P("f"), &st);
    struct timespec c0 = st.st_ctim;
    CHECK("all omitted", utimensat(AT_FDCWD, P("f"), (struct timespec[2]){{0, UTIME_OMIT}, {0, UTIME_OMIT}}, 0));
    stat(P("f"), &st);
    printf("ctime unchanged by all-omit %d\n", st.st_ctim.tv_sec == c0.tv_sec && st.st_ctim.tv_nsec == c0.tv_nsec);
    scratch_done();
    return 0;
}
