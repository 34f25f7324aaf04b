/* fcntl F_GETFL/F_SETFL: which status flags change (O_APPEND, O_NONBLOCK, O_NOATIME,
 * O_ASYNC, O_DIRECT) and which are ignored (access mode, O_CREAT, O_TRUNC, O_EXCL, O_SYNC
 * kept from open), F_GETFD/F_SETFD only FD_CLOEXEC, unknown commands EINVAL. */
#include "files.h"

static void flags(const char *label, int fd)
{
    int f = fcntl(fd, F_GETFL);
    printf("%s: acc %d append %d nonblock %d noatime %d sync %d dsync %d direct %d largefile %d cloexec-in-fl %d\n", label,
           f & O_ACCMODE, !!(f & O_APPEND), !!(f & O_NONBLOCK), !!(f & O_NOATIME), (f & O_SYNC) == O_SYNC, !!(f & O_DSYNC),
           !!(f & O_DIRECT), !!(f & O_LARGEFILE), !!(f & O_CLOEXEC));
}

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_DSYNC, 0644);
    flags("after open", fd);
    CHECK("F_SETFL O_APPEND|O_NONBLOCK", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    flags("set", fd);
    CHECK("F_SETFL O_RDONLY|O_TRUNC|O_CREAT (ignored)", fcntl(fd, F_SETFL, O_RDONLY | O_TRUNC | O_CREAT | O_EXCL));
    flags("ignored", fd);
    CHECK("F_SETFL O_NOATIME as owner", fcntl(fd, F_SETFL, O_NOATIME));
    flags("noatime", fd);
    CHECK("F_SETFL O_SYNC (not changeable)", fcntl(fd, F_SETFL, O_SYNC));
    flags("sync", fd);
    CHECK("F_SETFL 0", fcntl(fd, F_SETFL, 0));
    flags("cleared", fd);
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("F_SETFD 0", fcntl(fd, F_SETFD, 0));
    CHECK("F_GETFD", fcntl(fd, F_GETFD));
    CHECK("F_SETFD 0xff", fcntl(fd, F_SETFD, 0xff));
    CHECK("F_GETFD only FD_CLOEXEC", fcntl(fd, F_GETFD));
    CHECK("unknown command", fcntl(fd, 9999));
    CHECK("F_GETFL bad fd", fcntl(999, F_GETFL));
    close(fd);
    fd = open(P("f"), O_PATH);
    flags("O_PATH", fd);
    CHECK("F_SETFL on O_PATH", fcntl(fd, F_SETFL, O_APPEND));
    CHECK("F_GETFD on O_PATH", fcntl(fd, F_GETFD));
    close(fd);
    int p[2];
    pipe2(p, O_NONBLOCK);
    flags("pipe read end", p[0]);
    flags("pipe write end", p[1]);
    close(p[0]); close(p[1]);
    fd = open(P("f"), O_WRONLY | O_APPEND);
    flags("O_WRONLY|O_APPEND", fd);
    close(fd);
    scratch_done();
    return 0;
}
