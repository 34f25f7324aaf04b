/* Writing to a pipe without readers: SIGPIPE kills by default; ignored or caught, write is EPIPE. */
#include "proc.h"
#include <sys/uio.h>

static volatile int got;
static siginfo_t gsi;
static void h(int s, siginfo_t *si, void *u)
{
    (void)u;
    got = s;
    gsi = *si;
}

int main(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    pid_t c = xfork();
    if (c == 0) {
        write(p[1], "x", 1);
        _exit(0);
    }
    reap("default action", c);
    signal(SIGPIPE, SIG_IGN);
    CHECK("write with SIGPIPE ignored", write(p[1], "x", 1));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGPIPE, &sa, NULL);
    CHECK("write with a handler", write(p[1], "x", 1));
    printf("handler got %s code=%s pid_is_self=%d\n", signame(got), sicode(gsi.si_code), gsi.si_pid == getpid());
    /* blocked: EPIPE and the signal stays pending */
    sigset_t m, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGPIPE);
    sigprocmask(SIG_BLOCK, &m, NULL);
    got = 0;
    CHECK("write with SIGPIPE blocked", write(p[1], "xyz", 3));
    sigpending(&pend);
    printf("pending=%d handler ran=%d\n", sigismember(&pend, SIGPIPE), got != 0);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("after unblock handler ran=%d\n", got != 0);
    /* the reader goes away while the writer is blocked on a full pipe */
    int q[2];
    pipe(q);
    c = xfork();
    if (c == 0) {
        close(q[1]);
        msleep(50);
        close(q[0]);
        _exit(0);
    }
    close(q[0]);
    signal(SIGPIPE, SIG_IGN);
    static char big[200000];
    errno = 0;
    ssize_t w = write(q[1], big, sizeof big);
    printf("blocked writer when the reader closes: ret %s errno=%s\n", w < 0 ? "-1" : (w > 0 && w < (ssize_t)sizeof big ? "partial" : "full"), w < 0 ? errname(errno) : "0");
    waitpid(c, NULL, 0);
    /* vmsplice/writev to a reader-less pipe: EPIPE as well */
    struct iovec iov = {.iov_base = "ab", .iov_len = 2};
    CHECK("writev", writev(q[1], &iov, 1));
    return 0;
}
