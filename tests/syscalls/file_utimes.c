/* utimes/futimesat/utime: microsecond times, NULL for now, bad usec EINVAL, and the
 * relative path against a dirfd. */
#include "files.h"
#include <sys/time.h>
#include <utime.h>

static void times_of(const char *label, const char *path)
{
    struct stat st;
    stat(path, &st);
    printf("%s: atime %ld.%09ld mtime %ld.%09ld\n", label, (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    struct timeval tv[2] = {{1000000000, 1}, {1100000000, 999999}};
    CHECK("utimes", utimes(P("f"), tv));
    times_of("f", P("f"));
    CHECK("utimes usec 1e6", utimes(P("f"), (struct timeval[2]){{0, 1000000}, {0, 0}}));
    CHECK("utimes usec -1", utimes(P("f"), (struct timeval[2]){{0, 0}, {0, -1}}));
    CHECK("utimes NULL", utimes(P("f"), NULL));
    int dfd = open(scratch, O_RDONLY | O_DIRECTORY);
    struct timeval tv2[2] = {{1200000000, 5}, {1300000000, 6}};
    CHECK("futimesat", syscall(SYS_futimesat, dfd, "f", tv2));
    times_of("f", P("f"));
    CHECK("futimesat missing", syscall(SYS_futimesat, dfd, "zz", tv2));
    CHECK("futimesat file as dirfd", ({ int fd = open(P("f"), O_RDONLY); long r = syscall(SYS_futimesat, fd, "f", tv2); close(fd); r; }));
    close(dfd);
    struct utimbuf ub = {1400000000, 1500000000};
    CHECK("utime", utime(P("f"), &ub));
    times_of("f", P("f"));
    CHECK("utime missing", utime(P("zz"), &ub));
    CHECK("utimes bad pointer", syscall(SYS_utimes, P("f"), BAD_PTR));
    scratch_done();
    return 0;
}
