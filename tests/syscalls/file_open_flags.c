/* open(2) flags on a writable file: O_CREAT|O_EXCL, O_TRUNC, O_APPEND, O_NOFOLLOW,
 * O_DIRECTORY, O_PATH; truncate/ftruncate/fallocate; utimensat; chmod/fchmod and the umask. */
#include "common.h"
#include <fcntl.h>
#include <sys/stat.h>

static char d[] = "/tmp/sbx-of-XXXXXX";
static char bufs[4][256];
static int nb;
static const char *P(const char *n) { char *p = bufs[nb++ % 4]; snprintf(p, 256, "%s/%s", d, n); return p; }

static long size_of(const char *n) { struct stat st; return stat(P(n), &st) == 0 ? (long)st.st_size : -1; }

int main(void)
{
    mkdtemp(d);
    umask(022);
    int fd = open(P("f"), O_CREAT | O_EXCL | O_WRONLY, 0666);
    TRUE("O_CREAT|O_EXCL new", fd >= 0);
    write(fd, "0123456789", 10);
    close(fd);
    struct stat st;
    stat(P("f"), &st);
    printf("mode after umask 022: %o\n", st.st_mode & 0777);
    CHECK("O_CREAT|O_EXCL existing", open(P("f"), O_CREAT | O_EXCL | O_WRONLY, 0666));
    fd = open(P("f"), O_WRONLY | O_APPEND);
    lseek(fd, 0, SEEK_SET);
    write(fd, "ab", 2);
    close(fd);
    printf("size after O_APPEND write: %ld\n", size_of("f"));
    fd = open(P("f"), O_RDWR | O_TRUNC);
    printf("size after O_TRUNC: %ld\n", size_of("f"));
    close(fd);
    symlink("f", P("l"));
    CHECK("O_NOFOLLOW on a symlink", open(P("l"), O_RDONLY | O_NOFOLLOW));
    CHECK("O_DIRECTORY on a file", open(P("f"), O_RDONLY | O_DIRECTORY));
    CHECK("O_WRONLY on a directory", open(d, O_WRONLY));
    int pfd = open(P("l"), O_PATH | O_NOFOLLOW);
    TRUE("O_PATH|O_NOFOLLOW on a symlink", pfd >= 0);
    char c;
    CHECK("read on O_PATH", read(pfd, &c, 1));
    CHECK("fstat on O_PATH", fstat(pfd, &st) == 0 && S_ISLNK(st.st_mode) ? 0 : -1);
    close(pfd);

    CHECK("truncate to 100", truncate(P("f"), 100));
    printf("size %ld\n", size_of("f"));
    fd = open(P("f"), O_RDWR);
    CHECK("ftruncate to 3", ftruncate(fd, 3));
    printf("size %ld\n", size_of("f"));
    CHECK("fallocate 4096", fallocate(fd, 0, 0, 4096));
    printf("size after fallocate %ld\n", size_of("f"));
    CHECK("fallocate KEEP_SIZE", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192));
    printf("size after KEEP_SIZE %ld\n", size_of("f"));
    CHECK("ftruncate negative", ftruncate(fd, -1));
    CHECK("truncate a directory", truncate(d, 0));

    struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
    CHECK("utimensat", utimensat(AT_FDCWD, P("f"), ts, 0));
    stat(P("f"), &st);
    printf("atime %ld.%ld mtime %ld.%ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    CHECK("utimensat both omitted", utimensat(AT_FDCWD, P("f"), omit, 0));
    CHECK("utimensat bad nsec", utimensat(AT_FDCWD, P("f"), (struct timespec[2]){{0, 2000000000}, {0, 0}}, 0));
    CHECK("futimens", futimens(fd, ts));
    CHECK("fchmod 0600", fchmod(fd, 0600));
    CHECK("chmod 4755", chmod(P("f"), 04755));
    stat(P("f"), &st);
    printf("mode %o\n", st.st_mode & 07777);
    CHECK("fchmodat AT_SYMLINK_NOFOLLOW on a symlink", fchmodat(AT_FDCWD, P("l"), 0600, AT_SYMLINK_NOFOLLOW));
    close(fd);
    unlink(P("l"));
    unlink(P("f"));
    rmdir(d);
    return 0;
}
