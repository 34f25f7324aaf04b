/* symlink/symlinkat/readlink(at): targets stored verbatim (relative, absolute, dangling,
 * with odd characters), st_size is the target length, readlink truncates silently and never
 * NUL-terminates, EINVAL on non-links and bad sizes, EEXIST, ENOENT for an empty target. */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    CHECK("symlink relative", symlink("f", P("rel")));
    CHECK("symlink absolute", symlink("/etc/hostname-nope", P("abs")));
    CHECK("symlink dangling", symlink("no/such/thing", P("dang")));
    CHECK("symlink odd target", symlink("a//b/../ c\n", P("odd")));
    CHECK("symlink empty target", symlink("", P("empty")));
    CHECK("symlink existing name", symlink("f", P("f")));
    CHECK("symlink trailing slash", symlink("f", P("ts/")));
    CHECK("symlinkat", symlinkat("f", AT_FDCWD, P("at")));
    char buf[64];
    const char *names[] = {"rel", "abs", "dang", "odd", "at"};
    for (int i = 0; i < 5; i++) {
        memset(buf, '#', sizeof buf);
        long n = readlink(P(names[i]), buf, sizeof buf);
        printf("readlink %s: %ld \"%.*s\" size %ld\n", names[i], n, (int)(n > 0 ? n : 0), buf, file_size(P(names[i])));
    }
    memset(buf, '#', sizeof buf);
    long n = readlink(P("abs"), buf, 4);
    printf("readlink truncated: %ld \"%.6s\"\n", n, buf);
    CHECK("readlink size 0", readlink(P("rel"), buf, 0));
    CHECK("readlink a file", readlink(P("f"), buf, sizeof buf));
    CHECK("readlink a dir", readlink(scratch, buf, sizeof buf));
    CHECK("readlink missing", readlink(P("zz"), buf, sizeof buf));
    CHECK("readlink bad buffer", syscall(SYS_readlink, P("rel"), BAD_PTR, 10));
    CHECK("readlink through link dir", readlink(P("rel/"), buf, sizeof buf));
    int dfd = open(scratch, O_RDONLY | O_DIRECTORY);
    n = readlinkat(dfd, "rel", buf, sizeof buf);
    printf("readlinkat: %ld \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
    close(dfd);
    show_file("open through rel", P("rel"));
    show_file("open dangling", P("dang"));
    CHECK("open O_CREAT through dangling", ({ symlink("made", P("tomake")); int fd = open(P("tomake"), O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd); fd >= 0 ? 0 : -1; }));
    CHECK("created through link", access(P("made"), F_OK));
    CHECK("open O_CREAT|O_EXCL through link", open(P("tomake"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    struct stat st;
    lstat(P("rel"), &st);
    printf("link mode %o\n", st.st_mode & 07777);
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}
