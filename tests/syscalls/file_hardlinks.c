/* Hard links: nlink follows link/unlink/rename, every name sees writes through any other,
 * ctime moves on link and unlink but mtime does not, renaming one link over another of the
 * same inode leaves both, a directory's nlink follows subdirectories moved in and out. */
#include "files.h"
#include <time.h>

static struct timespec ctime_of(const char *p) { struct stat st; stat(p, &st); return st.st_ctim; }
static struct timespec mtime_of(const char *p) { struct stat st; stat(p, &st); return st.st_mtim; }
static int same_ts(struct timespec a, struct timespec b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

int main(void)
{
    scratch_in("/tmp");
    write_file(P("a"), "one");
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    utimensat(AT_FDCWD, P("a"), old, 0);
    struct timespec c0 = ctime_of(P("a")), m0 = mtime_of(P("a"));
    CHECK("link a b", link(P("a"), P("b")));
    CHECK("link b c", link(P("b"), P("c")));
    printf("nlink %ld %ld %ld\n", nlink_of(P("a")), nlink_of(P("b")), nlink_of(P("c")));
    printf("ctime moved on link %d, mtime kept %d\n", !same_ts(c0, ctime_of(P("a"))), same_ts(m0, mtime_of(P("a"))));
    int fd = open(P("c"), O_WRONLY | O_APPEND);
    write(fd, "+two", 4);
    close(fd);
    show_file("a", P("a"));
    CHECK("rename b over c (same inode)", rename(P("b"), P("c")));
    printf("b %d c %d nlink %ld\n", access(P("b"), F_OK) == 0, access(P("c"), F_OK) == 0, nlink_of(P("a")));
    write_file(P("d"), "other");
    CHECK("rename d over c", rename(P("d"), P("c")));
    printf("nlink a %ld c %ld\n", nlink_of(P("a")), nlink_of(P("c")));
    show_file("c", P("c"));
    CHECK("unlink b", unlink(P("b")));
    printf("nlink a %ld\n", nlink_of(P("a")));
    mkdir(P("p"), 0755);
    mkdir(P("q"), 0755);
    mkdir(P("p/s1"), 0755);
    mkdir(P("p/s2"), 0755);
    printf("p %ld q %ld\n", nlink_of(P("p")), nlink_of(P("q")));
    rename(P("p/s1"), P("q/s1"));
    printf("after moving s1: p %ld q %ld\n", nlink_of(P("p")), nlink_of(P("q")));
    rename(P("p/s2"), P("q/s1"));
    printf("after s2 replaced s1: p %ld q %ld\n", nlink_of(P("p")), nlink_of(P("q")));
    write_file(P("p/file"), "");
    rename(P("p/file"), P("q/file"));
    printf("files do not count: p %ld q %ld\n", nlink_of(P("p")), nlink_of(P("q")));
    scratch_done();
    return 0;
}
