/* A signal interrupting a blocking pipe read: EINTR without SA_RESTART, restarted with it. */
#include "proc.h"
#include <sys/mman.h>

/* set by the parent right before it blocks; the child signals 100 ms after seeing it */
static volatile int *blocking;
static void kill_when_blocked(pid_t parent)
{
    while (!*blocking)
        msleep(1);
    msleep(100);
    kill(parent, SIGUSR1);
}

static volatile int got;
static void h(int s) { (void)s; got++; }

static void one(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
    int p[2];
    pipe(p);
    got = 0;
    pid_t parent = getpid();
    *blocking = 0;
    pid_t c = xfork();
    if (c == 0) {
        kill_when_blocked(parent);
        msleep(50);
        write(p[1], "data", 4);
        _exit(0);
    }
    close(p[1]);
    char buf[8] = {0};
    errno = 0;
    *blocking = 1;
    ssize_t r = read(p[0], buf, sizeof buf);
    printf("%s: read=%zd errno=%s handler ran=%d", flags ? "SA_RESTART" : "no SA_RESTART", r, r < 0 ? errname(errno) : "0", got);
    if (r < 0)
        r = read(p[0], buf, sizeof buf);
    printf(" then data=%.*s\n", (int)(r > 0 ? r : 0), buf);
    close(p[0]);
    waitpid(c, NULL, 0);
}

int main(void)
{
    blocking = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    one(0);
    one(SA_RESTART);
    /* wait4 is restarted too, and interrupted without SA_RESTART */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t parent = getpid();
    *blocking = 0;
    pid_t c = xfork();
    if (c == 0) {
        kill_when_blocked(parent);
        msleep(50);
        _exit(3);
    }
    int st;
    errno = 0;
    *blocking = 1;
    pid_t r = waitpid(c, &st, 0);
    printf("waitpid without SA_RESTART: %s\n", r < 0 ? errname(errno) : "returned");
    if (r < 0)
        waitpid(c, &st, 0);
    printf("child: %s\n", wstatus(st));
    /* nanosleep is never restarted: EINTR without and even with SA_RESTART */
    *blocking = 0;
    c = xfork();
    if (c == 0) {
        kill_when_blocked(parent);
        _exit(0);
    }
    struct timespec ts0 = {2, 0}, rem0 = {0, 0};
    *blocking = 1;
    int rr0 = nanosleep(&ts0, &rem0);
    printf("nanosleep without SA_RESTART: %s, remaining > 1s: %s\n", rr0 < 0 ? errname(errno) : "0", rem0.tv_sec >= 1 ? "yes" : "no");
    waitpid(c, NULL, 0);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    *blocking = 0;
    c = xfork();
    if (c == 0) {
        kill_when_blocked(parent);
        _exit(0);
    }
    struct timespec ts = {2, 0}, rem = {0, 0};
    *blocking = 1;
    int rr = nanosleep(&ts, &rem);
    printf("nanosleep with SA_RESTART: %s, remaining > 1s: %s\n", rr < 0 ? errname(errno) : "0", rem.tv_sec >= 1 ? "yes" : "no");
    waitpid(c, NULL, 0);
    return 0;
}
