/* Blocked signals stay pending (sigpending), standard signals coalesce, real-time signals queue
 * (in order, lowest number first), and unblocking delivers them. */
#include "proc.h"

static char order[64];
static int olen;
static volatile int vals[16], nvals;
static void h(int s, siginfo_t *si, void *u)
{
    (void)u;
    if (s == SIGUSR1) order[olen++] = 'U';
    else if (s == SIGUSR2) order[olen++] = 'V';
    else if (s == SIGRTMIN) order[olen++] = 'a';
    else if (s == SIGRTMIN + 1) order[olen++] = 'b';
    else order[olen++] = '?';
    if (si->si_code == SI_QUEUE && nvals < 16)
        vals[nvals++] = si->si_value.sival_int;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGRTMIN, &sa, NULL);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigset_t all, pend;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    sigaddset(&all, SIGRTMIN);
    sigaddset(&all, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &all, NULL);
    sigpending(&pend);
    printf("nothing pending: %d\n", !sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGRTMIN));
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGUSR1);
    raise(SIGUSR2);
    for (int i = 0; i < 3; i++) {
        union sigval v = {.sival_int = 100 + i};
        sigqueue(getpid(), SIGRTMIN + 1, v);
    }
    for (int i = 0; i < 2; i++) {
        union sigval v = {.sival_int = 200 + i};
        sigqueue(getpid(), SIGRTMIN, v);
    }
    sigpending(&pend);
    printf("pending: USR1=%d USR2=%d RTMIN=%d RTMIN+1=%d TERM=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGUSR2),
           sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGRTMIN + 1), sigismember(&pend, SIGTERM));
    printf("handlers run while blocked: %d\n", olen);
    CHECK("rt_sigpending bad size", syscall(SYS_rt_sigpending, &pend, 16));
    CHECK("rt_sigpending efault", syscall(SYS_rt_sigpending, BAD_PTR, 8));
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    order[olen] = 0;
    printf("delivery order after unblock: %s\n", order);
    printf("queued values:");
    for (int i = 0; i < nvals; i++)
        printf(" %d", vals[i]);
    printf("\n");
    sigpending(&pend);
    printf("nothing pending afterwards: %d\n", !sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGRTMIN + 1));
    /* SIG_IGN discards a pending signal; setting a handler again does not bring it back */
    sigprocmask(SIG_BLOCK, &all, NULL);
    raise(SIGUSR2);
    signal(SIGUSR2, SIG_IGN);
    sigpending(&pend);
    printf("pending after SIG_IGN: %d\n", sigismember(&pend, SIGUSR2));
    sigaction(SIGUSR2, &sa, NULL);
    olen = 0;
    sigprocmask(SIG_UNBLOCK, &all, NULL);
    printf("delivered after re-arming: %d\n", olen);
    /* a blocked signal whose action is ignore-by-default (SIGCHLD, SIGURG) still becomes pending */
    sigset_t c;
    sigemptyset(&c);
    sigaddset(&c, SIGURG);
    sigprocmask(SIG_BLOCK, &c, NULL);
    raise(SIGURG);
    sigpending(&pend);
    printf("blocked SIGURG (default ignore) pending: %d\n", sigismember(&pend, SIGURG));
    return 0;
}
