/* POSIX record locks across fork: a child sees the parent's locks with F_GETLK (type, range,
 * l_pid = the parent's pid), read locks share and write locks conflict (EAGAIN), the child
 * holds none of the parent's locks, closing any fd of the file drops the process's locks,
 * and a lock is released when its owner exits. */
#include "files.h"
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, long start, long len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static void getlk(const char *label, int fd, short type, long start, long len, pid_t owner)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = 12345};
    if (fcntl(fd, F_GETLK, &fl) != 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    if (fl.l_type == F_UNLCK) { printf("%s: unlocked (start %ld len %ld pid-untouched %d)\n", label, (long)fl.l_start, (long)fl.l_len, fl.l_pid == 12345); return; }
    printf("%s: %s start %ld len %ld pid-is-owner %d\n", label, fl.l_type == F_RDLCK ? "F_RDLCK" : "F_WRLCK", (long)fl.l_start, (long)fl.l_len, fl.l_pid == owner);
}

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    pid_t parent = getpid();
    CHECK("parent WRLCK [0,10)", lk(fd, F_SETLK, F_WRLCK, 0, 10));
    CHECK("parent RDLCK [20,EOF)", lk(fd, F_SETLK, F_RDLCK, 20, 0));
    getlk("parent's own view", fd, F_WRLCK, 0, 0, parent);
    int go[2], done[2];
    pipe(go);
    pipe(done);
    pid_t c = fork();
    if (c == 0) {
        int cfd = open(P("f"), O_RDWR);
        getlk("child GETLK WR [0,5)", cfd, F_WRLCK, 0, 5, parent);
        getlk("child GETLK RD [5,15)", cfd, F_RDLCK, 5, 10, parent);
        getlk("child GETLK RD [10,20)", cfd, F_RDLCK, 10, 10, parent);
        getlk("child GETLK WR [30,31)", cfd, F_WRLCK, 30, 1, parent);
        getlk("child GETLK RD [30,31)", cfd, F_RDLCK, 30, 1, parent);
        CHECK("child SETLK WR [5,6)", lk(cfd, F_SETLK, F_WRLCK, 5, 1));
        CHECK("child SETLK RD [25,26) (shared)", lk(cfd, F_SETLK, F_RDLCK, 25, 1));
        CHECK("child SETLK WR [10,20) (free)", lk(cfd, F_SETLK, F_WRLCK, 10, 10));
        CHECK("child SETLK on inherited fd WR [0,1)", lk(fd, F_SETLK, F_WRLCK, 0, 1));
        CHECK("child unlock a range it does not hold", lk(cfd, F_SETLK, F_UNLCK, 0, 10));
        fflush(stdout);
        write(done[1], "1", 1);
        char b;
        read(go[0], &b, 1);
        /* The parent closed another fd of the file: its locks are gone. */
        getlk("child after parent's close", cfd, F_WRLCK, 0, 0, parent);
        CHECK("child SETLK WR [0,10) now", lk(cfd, F_SETLK, F_WRLCK, 0, 10));
        fflush(stdout);
        _exit(0);
    }
    char b;
    read(done[0], &b, 1);
    getlk("parent sees child's lock", fd, F_WRLCK, 10, 10, c);
    int other = open(P("f"), O_RDONLY);
    close(other);
    write(go[1], "1", 1);
    int st;
    waitpid(c, &st, 0);
    getlk("after the child exited", fd, F_WRLCK, 0, 0, c);
    CHECK("F_GETLK with F_UNLCK", lk(fd, F_GETLK, F_UNLCK, 0, 1));
    CHECK("bad l_type", lk(fd, F_SETLK, 7, 0, 1));
    CHECK("bad l_whence", ({ struct flock fl = {.l_type = F_RDLCK, .l_whence = 9}; fcntl(fd, F_SETLK, &fl); }));
    CHECK("negative start", lk(fd, F_SETLK, F_RDLCK, -1, 1));
    CHECK("negative len before 0", lk(fd, F_SETLK, F_RDLCK, 2, -5));
    CHECK("negative len", lk(fd, F_SETLK, F_RDLCK, 5, -5));
    CHECK("bad pointer", fcntl(fd, F_SETLK, BAD_PTR));
    int ro = open(P("f"), O_RDONLY);
    CHECK("WRLCK on read-only fd", lk(ro, F_SETLK, F_WRLCK, 0, 1));
    close(ro);
    int wo = open(P("f"), O_WRONLY);
    CHECK("RDLCK on write-only fd", lk(wo, F_SETLK, F_RDLCK, 0, 1));
    CHECK("UNLCK on write-only fd", lk(wo, F_SETLK, F_UNLCK, 0, 1));
    close(wo);
    int pfd = open(P("f"), O_PATH);
    CHECK("lock on O_PATH", lk(pfd, F_SETLK, F_RDLCK, 0, 1));
    close(pfd);
    scratch_done();
    return 0;
}
