/* The *at family's dirfd and flags: AT_FDCWD, a dirfd that is a file (ENOTDIR), a closed one
 * (EBADF), absolute paths ignoring dirfd, AT_EMPTY_PATH on files and O_PATH fds,
 * AT_SYMLINK_NOFOLLOW, and unknown flags (EINVAL). */
#include "files.h"

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "abc");
    symlink("f", P("l"));
    mkdir(P("d"), 0755);
    int dfd = open(scratch, O_RDONLY | O_DIRECTORY);
    int ffd = open(P("f"), O_RDONLY);
    struct stat st;

    CHECK("fstatat dirfd", fstatat(dfd, "f", &st, 0));
    CHECK("fstatat file as dirfd", fstatat(ffd, "f", &st, 0));
    CHECK("fstatat closed dirfd", fstatat(999, "f", &st, 0));
    CHECK("fstatat closed dirfd, absolute path", fstatat(999, P("f"), &st, 0));
    CHECK("fstatat file dirfd, absolute path", fstatat(ffd, P("f"), &st, 0));
    CHECK("fstatat empty path without flag", fstatat(ffd, "", &st, 0));
    CHECK("fstatat AT_EMPTY_PATH", fstatat(ffd, "", &st, AT_EMPTY_PATH));
    printf("size %ld\n", (long)st.st_size);
    CHECK("fstatat AT_EMPTY_PATH AT_FDCWD", fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
    TRUE("AT_FDCWD empty is a dir", S_ISDIR(st.st_mode));
    CHECK("fstatat AT_SYMLINK_NOFOLLOW", fstatat(dfd, "l", &st, AT_SYMLINK_NOFOLLOW));
    TRUE("is a link", S_ISLNK(st.st_mode));
    CHECK("fstatat follow", fstatat(dfd, "l", &st, 0));
    TRUE("is a file", S_ISREG(st.st_mode));
    CHECK("fstatat bad flag", fstatat(dfd, "f", &st, 0x10000000));
    int pfd = open(P("l"), O_PATH | O_NOFOLLOW);
    CHECK("fstatat O_PATH symlink AT_EMPTY_PATH", fstatat(pfd, "", &st, AT_EMPTY_PATH));
    TRUE("O_PATH fd is the link", S_ISLNK(st.st_mode));
    CHECK("fchownat AT_EMPTY_PATH", fchownat(ffd, "", -1, -1, AT_EMPTY_PATH));
    CHECK("fchownat bad flag", fchownat(dfd, "f", -1, -1, 0x4000000));
    CHECK("mkdirat file dirfd", mkdirat(ffd, "x", 0755));
    CHECK("mkdirat dirfd", mkdirat(dfd, "x", 0755));
    CHECK("unlinkat file dirfd", unlinkat(ffd, "x", AT_REMOVEDIR));
    CHECK("unlinkat bad flag", unlinkat(dfd, "x", 0x100));
    CHECK("unlinkat dirfd", unlinkat(dfd, "x", AT_REMOVEDIR));
    CHECK("openat file dirfd", openat(ffd, "f", O_RDONLY));
    CHECK("openat O_PATH dir as dirfd", ({ int p = open(P("d"), O_PATH); int r = openat(p, "..", O_RDONLY); if (r >= 0) close(r); close(p); r >= 0 ? 0 : -1; }));
    CHECK("faccessat file dirfd", faccessat(ffd, "f", R_OK, 0));
    CHECK("faccessat bad flag", faccessat(dfd, "f", R_OK, 0x1));
    CHECK("readlinkat empty on O_PATH link", ({ char b[16]; readlinkat(pfd, "", b, sizeof b); }));
    CHECK("readlinkat file dirfd", ({ char b[16]; readlinkat(ffd, "l", b, sizeof b); }));
    CHECK("linkat AT_EMPTY_PATH on a named file", linkat(ffd, "", dfd, "f2", AT_EMPTY_PATH));
    CHECK("linkat bad flag", linkat(dfd, "f", dfd, "f3", 0x1));
    CHECK("renameat file dirfd", renameat(ffd, "f", dfd, "g"));
    CHECK("symlinkat file dirfd", symlinkat("f", ffd, "m"));
    CHECK("mknodat file dirfd", mknodat(ffd, "p", S_IFIFO | 0644, 0));
    close(pfd);
    close(ffd);
    close(dfd);
    scratch_done();
    return 0;
}
