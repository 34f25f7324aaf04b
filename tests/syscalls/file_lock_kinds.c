/* flock(2) and fcntl(2) locks are independent (Linux): an exclusive flock does not stop a
 * POSIX write lock on the same file and vice versa; flock is per description, so two opens
 * conflict while a dup shares. */
#include "files.h"
#include <sys/file.h>
#include <sys/wait.h>

static int lk(int fd, short type)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(fd, F_SETLK, &fl);
}

int main(void)
{
    scratch_in("/tmp");
    int a = open(P("f"), O_RDWR | O_CREAT, 0644);
    CHECK("flock EX", flock(a, LOCK_EX | LOCK_NB));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int cfd = open(P("f"), O_RDWR);
        CHECK("child fcntl WR despite the flock", lk(cfd, F_WRLCK));
        CHECK("child flock EX conflicts", flock(cfd, LOCK_EX | LOCK_NB));
        CHECK("child flock through the inherited description", flock(a, LOCK_EX | LOCK_NB));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    int b = open(P("f"), O_RDWR);
    CHECK("second open flock SH conflicts", flock(b, LOCK_SH | LOCK_NB));
    int d = dup(a);
    CHECK("dup flock EX shares", flock(d, LOCK_EX | LOCK_NB));
    CHECK("fcntl WR on b (same process)", lk(b, F_WRLCK));
    CHECK("flock UN", flock(a, LOCK_UN));
    CHECK("second open flock SH now", flock(b, LOCK_SH | LOCK_NB));
    CHECK("flock bad op", flock(b, 0));
    CHECK("flock LOCK_SH|LOCK_EX", flock(b, LOCK_SH | LOCK_EX));
    int p[2];
    pipe(p);
    CHECK("flock on a pipe", flock(p[0], LOCK_EX | LOCK_NB));
    CHECK("fcntl lock on a pipe", lk(p[0], F_RDLCK));
    scratch_done();
    return 0;
}
