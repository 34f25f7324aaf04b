/* chmod/fchmod/fchmodat: all 12 bits kept as root, file type bits ignored, fchmod on O_PATH
 * EBADF, fchmodat AT_SYMLINK_NOFOLLOW on a link EOPNOTSUPP, setgid cleared by an unprivileged
 * owner outside the group, and chmod on a symlink changing the target. */
#include "files.h"
#include <grp.h>
#include <sys/wait.h>

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    mkdir(P("d"), 0755);
    symlink("f", P("l"));
    CHECK("chmod 07777", chmod(P("f"), 07777));
    show_mode("f", P("f"));
    CHECK("chmod with type bits", chmod(P("f"), S_IFDIR | 0640));
    show_mode("f", P("f"));
    CHECK("chmod dir 01777", chmod(P("d"), 01777));
    show_mode("d", P("d"));
    CHECK("chmod through symlink", chmod(P("l"), 0600));
    show_mode("f via link", P("f"));
    show_mode("l itself", P("l"));
    CHECK("fchmodat NOFOLLOW on link", fchmodat(AT_FDCWD, P("l"), 0644, AT_SYMLINK_NOFOLLOW));
    CHECK("fchmodat NOFOLLOW on file", fchmodat(AT_FDCWD, P("f"), 0644, AT_SYMLINK_NOFOLLOW));
    CHECK("fchmodat bad flag", fchmodat(AT_FDCWD, P("f"), 0644, 0x8000));
    CHECK("chmod missing", chmod(P("zz"), 0644));
    int fd = open(P("f"), O_RDONLY);
    CHECK("fchmod read-only fd", fchmod(fd, 0640));
    show_mode("f", P("f"));
    close(fd);
    fd = open(P("f"), O_PATH);
    CHECK("fchmod O_PATH", fchmod(fd, 0600));
    close(fd);
    CHECK("fchmod bad fd", fchmod(999, 0600));

    /* An owner who is not in the file's group loses setgid on chmod. */
    chown(P("f"), 1000, 2000);
    chmod(P("d"), 0777);
    pid_t p = fork();
    if (p == 0) {
        setgroups(0, NULL);
        setgid(1000);
        setuid(1000);
        CHECK("child chmod 02755", chmod(P("f"), 02755));
        show_mode("f (setgid dropped)", P("f"));
        CHECK("child chmod 04755", chmod(P("f"), 04755));
        show_mode("f (setuid kept)", P("f"));
        CHECK("child chmod not owner", chmod(P("d"), 0700));
        fflush(stdout);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    scratch_done();
    return 0;
}
