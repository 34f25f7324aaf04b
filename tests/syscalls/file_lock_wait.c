/* F_SETLKW: a waiter blocks until the holder unlocks, then gets the lock; two processes each
 * holding one range and waiting for the other's: the second to wait gets EDEADLK; F_SETLKW
 * interrupted by a signal handler without SA_RESTART returns EINTR. */
#include "files.h"
#include <signal.h>
#include <sys/wait.h>

static int lk(int fd, int cmd, short type, long start, long len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static void on_alarm(int s) { (void)s; }

int main(void)
{
    scratch_in("/tmp");
    int fd = open(P("f"), O_RDWR | O_CREAT, 0644);
    write(fd, "0123456789", 10);
    int ready[2], step[2];
    pipe(ready);
    pipe(step);
    char b;

    /* 1. Blocking until the holder lets go. */
    CHECK("parent WR [0,1)", lk(fd, F_SETLK, F_WRLCK, 0, 1));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        int cfd = open(P("f"), O_RDWR);
        write(ready[1], "r", 1);
        int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
        printf("child got the lock after waiting: %d\n", r);
        fflush(stdout);
        _exit(0);
    }
    read(ready[0], &b, 1);
    usleep(100000);
    printf("parent unlocks\n");
    fflush(stdout);
    lk(fd, F_SETLK, F_UNLCK, 0, 1);
    waitpid(c, NULL, 0);

    /* 2. Deadlock: parent holds [0,1) and wants [5,6); the child holds [5,6) and wants [0,1).
     * Whichever of the two waits second closes the cycle and gets EDEADLK; the other then gets
     * its lock once the first lets go (usually the child waits first: the parent sleeps). */
    CHECK("parent WR [0,1) again", lk(fd, F_SETLK, F_WRLCK, 0, 1));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int cfd = open(P("f"), O_RDWR);
        lk(cfd, F_SETLK, F_WRLCK, 5, 1);
        write(ready[1], "r", 1);
        int r = lk(cfd, F_SETLKW, F_WRLCK, 0, 1);
        _exit(r == 0 ? 0 : errno == EDEADLK ? 1 : 2);
    }
    read(ready[0], &b, 1);
    usleep(200000);
    int pr = lk(fd, F_SETLKW, F_WRLCK, 5, 1);
    int perr = errno;
    lk(fd, F_SETLK, F_UNLCK, 0, 10);
    int st;
    waitpid(c, &st, 0);
    int cr = WIFEXITED(st) ? WEXITSTATUS(st) : 3;
    printf("one waiter got EDEADLK and the other its lock: %d\n",
           (pr == -1 && perr == EDEADLK && cr == 0) || (pr == 0 && cr == 1));

    /* 3. EINTR. */
    c = fork();
    if (c == 0) {
        int cfd = open(P("f"), O_RDWR);
        lk(cfd, F_SETLK, F_WRLCK, 8, 1);
        write(ready[1], "r", 1);
        read(step[0], &b, 1);
        _exit(0);
    }
    read(ready[0], &b, 1);
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    CHECK("F_SETLKW interrupted", lk(fd, F_SETLKW, F_WRLCK, 8, 1));
    write(step[1], "s", 1);
    waitpid(c, NULL, 0);
    CHECK("F_SETLKW after the holder exited", lk(fd, F_SETLKW, F_WRLCK, 8, 1));
    scratch_done();
    return 0;
}
