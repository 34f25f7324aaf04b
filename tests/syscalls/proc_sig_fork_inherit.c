/* fork: handlers, ignored dispositions, the mask and the alternate stack are inherited;
 * pending signals are not. */
#include "proc.h"

static volatile int got;
static void h(int s) { got = s; }

int main(void)
{
    signal(SIGUSR1, h);
    signal(SIGUSR2, SIG_IGN);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGHUP);
    sigaddset(&m, SIGINT);
    sigprocmask(SIG_BLOCK, &m, NULL);
    raise(SIGHUP); /* pending in the parent */
    static char stk[65536];
    stack_t ss = {.ss_sp = stk, .ss_size = sizeof stk};
    sigaltstack(&ss, NULL);
    pid_t c = xfork();
    if (c == 0) {
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        printf("child: SIGUSR1 handler inherited: %d\n", sa.sa_handler == h);
        sigaction(SIGUSR2, NULL, &sa);
        printf("child: SIGUSR2 still ignored: %d\n", sa.sa_handler == SIG_IGN);
        sigset_t cur, pend;
        sigprocmask(SIG_BLOCK, NULL, &cur);
        printf("child: mask inherited: HUP=%d INT=%d\n", sigismember(&cur, SIGHUP), sigismember(&cur, SIGINT));
        sigpending(&pend);
        printf("child: parent's pending SIGHUP not inherited: %d\n", !sigismember(&pend, SIGHUP));
        stack_t cs;
        sigaltstack(NULL, &cs);
        printf("child: alt stack inherited: %d\n", cs.ss_sp == stk && cs.ss_size == sizeof stk && !(cs.ss_flags & SS_DISABLE));
        raise(SIGUSR1);
        printf("child: handler runs: %d\n", got == SIGUSR1);
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    sigset_t pend;
    sigpending(&pend);
    printf("parent: SIGHUP still pending: %d\n", sigismember(&pend, SIGHUP));
    signal(SIGHUP, SIG_IGN); /* discard it */
    sigpending(&pend);
    printf("parent: discarded by SIG_IGN: %d\n", !sigismember(&pend, SIGHUP));
    /* sigprocmask details */
    sigset_t o, n;
    sigemptyset(&n);
    sigaddset(&n, SIGKILL);
    sigaddset(&n, SIGSTOP);
    sigaddset(&n, SIGTERM);
    sigprocmask(SIG_SETMASK, &n, &o);
    sigprocmask(SIG_BLOCK, NULL, &o);
    printf("SETMASK filters KILL/STOP: KILL=%d STOP=%d TERM=%d\n", sigismember(&o, SIGKILL), sigismember(&o, SIGSTOP), sigismember(&o, SIGTERM));
    CHECK("sigprocmask bad how", sigprocmask(42, &n, NULL));
    CHECK("sigprocmask bad how with NULL set", sigprocmask(42, NULL, &o));
    CHECK("rt_sigprocmask bad size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &n, NULL, 4));
    sigprocmask(SIG_UNBLOCK, &n, NULL);
    sigprocmask(SIG_BLOCK, NULL, &o);
    printf("after UNBLOCK: TERM=%d INT=%d\n", sigismember(&o, SIGTERM), sigismember(&o, SIGINT));
    return 0;
}
