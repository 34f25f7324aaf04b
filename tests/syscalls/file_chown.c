/* chown/fchown/lchown/fchownat as root: -1 keeps a field, lchown changes the link not the
 * target, setuid/setgid bits cleared on a regular file (setgid kept without group exec),
 * directories keep them; an unprivileged owner may only change the group to its own. */
#include "files.h"
#include <grp.h>
#include <sys/wait.h>

static void owner(const char *label, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    printf("%s: %u:%u %04o\n", label, st.st_uid, st.st_gid, st.st_mode & 07777);
}

int main(void)
{
    scratch_in("/tmp");
    write_file(P("f"), "x");
    mkdir(P("d"), 0755);
    symlink("f", P("l"));
    CHECK("chown 1:2", chown(P("f"), 1, 2));
    owner("f", P("f"));
    CHECK("chown -1:3", chown(P("f"), -1, 3));
    owner("f", P("f"));
    CHECK("chown 4:-1", chown(P("f"), 4, -1));
    owner("f", P("f"));
    CHECK("chown -1:-1", chown(P("f"), -1, -1));
    owner("f", P("f"));
    CHECK("lchown link", lchown(P("l"), 5, 6));
    owner("l", P("l"));
    owner("f", P("f"));
    CHECK("chown through link", chown(P("l"), 7, 8));
    owner("f", P("f"));
    CHECK("fchownat NOFOLLOW", fchownat(AT_FDCWD, P("l"), 9, 9, AT_SYMLINK_NOFOLLOW));
    owner("l", P("l"));
    chmod(P("f"), 06755);
    CHECK("chown setuid+setgid file", chown(P("f"), 0, 0));
    owner("f (bits cleared)", P("f"));
    chmod(P("f"), 06745);
    CHECK("chown setgid without group exec", chown(P("f"), 0, 0));
    owner("f (setgid kept: mandatory-lock mark)", P("f"));
    chmod(P("f"), 06755);
    CHECK("chown -1 -1 on setuid file", chown(P("f"), -1, -1));
    owner("f", P("f"));
    chmod(P("d"), 06755);
    CHECK("chown setgid dir", chown(P("d"), 1, 1));
    owner("d (dir keeps bits)", P("d"));
    int fd = open(P("f"), O_RDONLY);
    CHECK("fchown", fchown(fd, 10, 11));
    owner("f", P("f"));
    close(fd);
    CHECK("fchown bad fd", fchown(999, 1, 1));
    CHECK("chown missing", chown(P("zz"), 1, 1));

    chown(P("f"), 1000, 1000);
    chmod(P("f"), 0644);
    chmod(scratch, 0755);
    pid_t p = fork();
    if (p == 0) {
        gid_t g[] = {1000, 1001};
        setgroups(2, g);
        setgid(1000);
        setuid(1000);
        CHECK("child chown to other uid", chown(P("f"), 1001, -1));
        CHECK("child chown to own uid", chown(P("f"), 1000, -1));
        CHECK("child chgrp to supplementary group", chown(P("f"), -1, 1001));
        owner("f", P("f"));
        CHECK("child chgrp to foreign group", chown(P("f"), -1, 5));
        CHECK("child chown other's file", chown(P("d"), -1, 1000));
        fflush(stdout);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    scratch_done();
    return 0;
}
