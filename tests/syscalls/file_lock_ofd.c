/* Open file description locks (F_OFD_*): owned by the description, so two opens in one
 * process conflict, a dup shares, F_OFD_GETLK reports l_pid -1, l_pid must be 0 on input,
 * they conflict with classic POSIX locks, and go when the last fd of the description closes
 * (not when another fd of the file closes). */
#include "files.h"
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, long start, long len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static void getlk(const char *label, int fd, int cmd, short type, long start, long len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, cmd, &fl) != 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    if (fl.l_type == F_UNLCK) { printf("%s: unlocked\n", label); return; }
    printf("%s: %s start %ld len %ld pid %s\n", label, fl.l_type == F_RDLCK ? "F_RDLCK" : "F_WRLCK", (long)fl.l_start,
           (long)fl.l_len, fl.l_pid == -1 ? "-1" : fl.l_pid == getpid() ? "self" : fl.l_pid > 0 ? "other" : "?");
}

int main(void)
{
    scratch_in("/tmp");
    int a = open(P("f"), O_RDWR | O_CREAT, 0644);
    int b = open(P("f"), O_RDWR);
    CHECK("a OFD WR [0,10)", lk(a, F_OFD_SETLK, F_WRLCK, 0, 10));
    CHECK("b OFD WR [5,6) same process", lk(b, F_OFD_SETLK, F_WRLCK, 5, 1));
    getlk("b OFD_GETLK", b, F_OFD_GETLK, F_RDLCK, 0, 1);
    getlk("b plain GETLK sees the OFD lock", b, F_GETLK, F_RDLCK, 0, 1);
    CHECK("b POSIX WR [5,6) conflicts", lk(b, F_SETLK, F_WRLCK, 5, 1));
    int d = dup(a);
    CHECK("dup of a: OFD WR [2,3)", lk(d, F_OFD_SETLK, F_WRLCK, 2, 1));
    CHECK("l_pid non-zero", ({ struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 1, .l_pid = 1}; fcntl(a, F_OFD_SETLK, &fl); }));
    CHECK("OFD_GETLK l_pid non-zero", ({ struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_len = 1, .l_pid = 1}; fcntl(a, F_OFD_GETLK, &fl); }));
    CHECK("close b (a's lock stays)", close(b));
    b = open(P("f"), O_RDWR);
    getlk("new b OFD_GETLK", b, F_OFD_GETLK, F_WRLCK, 0, 1);
    close(a);
    getlk("after closing a (dup still open)", b, F_OFD_GETLK, F_WRLCK, 0, 1);
    close(d);
    getlk("after the last close", b, F_OFD_GETLK, F_WRLCK, 0, 1);

    CHECK("b POSIX RD [0,4)", lk(b, F_SETLK, F_RDLCK, 0, 4));
    int c = open(P("f"), O_RDWR);
    CHECK("c OFD WR over own process's POSIX lock", lk(c, F_OFD_SETLK, F_WRLCK, 0, 1));
    CHECK("c OFD RD shares", lk(c, F_OFD_SETLK, F_RDLCK, 0, 1));
    getlk("c OFD_GETLK WR", c, F_OFD_GETLK, F_WRLCK, 0, 1);
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        /* c's description is shared with the child: its OFD lock is the child's too. */
        CHECK("child OFD WR [20,21) through the inherited description", lk(c, F_OFD_SETLK, F_WRLCK, 20, 1));
        getlk("child GETLK on the inherited fd (POSIX owner differs)", c, F_GETLK, F_WRLCK, 20, 1);
        fflush(stdout);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    getlk("parent sees the lock the child set", b, F_OFD_GETLK, F_WRLCK, 20, 1);
    scratch_done();
    return 0;
}
