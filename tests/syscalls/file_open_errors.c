/* open(2) errors by precedence: O_DIRECTORY|O_CREAT EINVAL, O_CREAT on a directory EISDIR,
 * O_WRONLY/O_RDWR on a directory EISDIR, O_TRUNC with O_RDONLY, O_NOATIME as owner, invalid
 * access mode 3, ENOENT vs ENOTDIR ("file/x"), O_EXCL without O_CREAT, O_CREAT|O_EXCL on a
 * dangling symlink EEXIST, EACCES for an unprivileged user. */
#include "files.h"
#include <sys/utsname.h>
#include <grp.h>
#include <sys/wait.h>

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "data");
    mkdir(P("d"), 0755);
    symlink("nowhere", P("dangling"));
    /* O_DIRECTORY|O_CREAT is EINVAL only since Linux 6.4: compared only where the host is that new. */
    struct utsname u;
    uname(&u);
    int major = 0, minor = 0;
    sscanf(u.release, "%d.%d", &major, &minor);
    if (major > 6 || (major == 6 && minor >= 4)) {
        CHECK("O_DIRECTORY|O_CREAT on new", open(P("n1"), O_DIRECTORY | O_CREAT | O_RDWR, 0644));
        CHECK("O_DIRECTORY|O_CREAT on dir", open(P("d"), O_DIRECTORY | O_CREAT | O_RDONLY, 0644));
    }
    CHECK("O_CREAT on dir", open(P("d"), O_CREAT | O_RDONLY, 0644));
    CHECK("O_WRONLY on dir", open(P("d"), O_WRONLY));
    CHECK("O_RDWR on dir", open(P("d"), O_RDWR));
    CHECK("O_RDONLY|O_TRUNC on dir", open(P("d"), O_RDONLY | O_TRUNC));
    int fd = open(P("f"), O_RDONLY | O_TRUNC);
    printf("O_RDONLY|O_TRUNC truncates: size %ld\n", file_size(P("f")));
    if (fd >= 0) close(fd);
    write_file(P("f"), "data");
    fd = open(P("f"), 3);
    CHECK("access mode 3 read", fd >= 0 ? read(fd, (char[4]){0}, 4) : -1);
    CHECK("access mode 3 write", fd >= 0 ? write(fd, "x", 1) : -1);
    if (fd >= 0) close(fd);
    CHECK("O_NOATIME as owner", ({ int f2 = open(P("f"), O_RDONLY | O_NOATIME); if (f2 >= 0) close(f2); f2 >= 0 ? 0 : -1; }));
    CHECK("file/x", open(P("f/x"), O_RDONLY));
    CHECK("file/ (trailing slash)", open(P("f/"), O_RDONLY));
    CHECK("file/. ", open(P("f/."), O_RDONLY));
    CHECK("missing/x", open(P("missing/x"), O_RDONLY));
    CHECK("missing/x O_CREAT", open(P("missing/x"), O_CREAT | O_WRONLY, 0644));
    CHECK("f/x O_CREAT", open(P("f/x"), O_CREAT | O_WRONLY, 0644));
    CHECK("new/ O_CREAT (trailing slash)", open(P("new/"), O_CREAT | O_WRONLY, 0644));
    CHECK("O_EXCL without O_CREAT", ({ int f2 = open(P("f"), O_RDONLY | O_EXCL); if (f2 >= 0) close(f2); f2 >= 0 ? 0 : -1; }));
    CHECK("O_CREAT|O_EXCL on dangling symlink", open(P("dangling"), O_CREAT | O_EXCL | O_WRONLY, 0644));
    CHECK("O_CREAT|O_EXCL on dir", open(P("d"), O_CREAT | O_EXCL | O_RDONLY, 0644));
    CHECK("empty path", open("", O_RDONLY));
    CHECK("bad path pointer", open(BAD_PTR, O_RDONLY));
    CHECK("O_PATH|O_CREAT on new (O_CREAT ignored)", open(P("n2"), O_PATH | O_CREAT, 0644));
    CHECK("n2 exists?", access(P("n2"), F_OK));
    chmod(P("f"), 0600);
    chmod(scratch, 0755);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setgroups(0, NULL);
        setgid(1000);
        setuid(1000);
        CHECK("user O_RDONLY on 0600 root file", open(P("f"), O_RDONLY));
        CHECK("user O_CREAT in 0755 root dir", open(P("new"), O_CREAT | O_WRONLY, 0644));
        CHECK("user O_NOATIME on a file it does not own", open(P("d"), O_RDONLY | O_NOATIME));
        CHECK("user O_RDONLY|O_TRUNC without write", open(P("f"), O_RDONLY | O_TRUNC));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    list_dir("scratch", scratch);
    scratch_done();
    return 0;
}
