/* A handler runs for raise/kill/tgkill/tkill to self; the signal is delivered before the call returns. */
#include "proc.h"

static volatile sig_atomic_t count, last;
static void h(int s) { count++; last = s; }

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    CHECK("sigaction SIGUSR1", sigaction(SIGUSR1, &sa, NULL));
    CHECK("sigaction SIGUSR2", sigaction(SIGUSR2, &sa, NULL));
    CHECK("raise", raise(SIGUSR1));
    printf("count=%d last=%s\n", count, signame(last));
    CHECK("kill(getpid)", kill(getpid(), SIGUSR2));
    printf("count=%d last=%s\n", count, signame(last));
    CHECK("tgkill", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    printf("count=%d last=%s\n", count, signame(last));
    CHECK("tkill", syscall(SYS_tkill, gettid(), SIGUSR2));
    printf("count=%d last=%s\n", count, signame(last));
    for (int i = 0; i < 1000; i++)
        raise(SIGUSR1);
    printf("after 1000 raises: count=%d\n", count);
    /* signal() (BSD semantics in glibc: SA_RESTART, handler stays) */
    signal(SIGHUP, h);
    raise(SIGHUP);
    raise(SIGHUP);
    printf("signal(): count=%d last=%s\n", count, signame(last));
    /* SIG_IGN: nothing happens */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored: count=%d\n", count);
    /* real-time signals get handlers too */
    sigaction(SIGRTMIN + 3, &sa, NULL);
    raise(SIGRTMIN + 3);
    printf("rt: count=%d last=%s\n", count, signame(last));
    /* errno is preserved across a handler that changes it */
    return 0;
}
