/* sigtimedwait/sigwaitinfo/sigwait: timeout, dequeue order, siginfo, and from another process. */
#include "proc.h"

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siginfo_t si;
    struct timespec ten = {0, 10 * 1000 * 1000}, zero = {0, 0};
    CHECK("sigtimedwait 10ms, nothing pending", sigtimedwait(&set, &si, &ten));
    CHECK("sigtimedwait zero timeout", sigtimedwait(&set, &si, &zero));
    struct timespec bad = {0, 2000000000L};
    CHECK("sigtimedwait bad timeout", sigtimedwait(&set, &si, &bad));
    raise(SIGUSR2);
    union sigval v = {.sival_int = 7};
    sigqueue(getpid(), SIGRTMIN + 2, v);
    v.sival_int = 8;
    sigqueue(getpid(), SIGRTMIN, v);
    raise(SIGUSR1);
    for (int i = 0; i < 4; i++) {
        memset(&si, 0, sizeof si);
        int s = sigtimedwait(&set, &si, &zero);
        printf("dequeued %s code=%s value=%d pid_is_self=%d\n", signame(s), sicode(si.si_code),
               si.si_code == SI_QUEUE ? si.si_value.sival_int : -1, si.si_pid == getpid());
    }
    CHECK("empty again", sigtimedwait(&set, &si, &zero));
    /* sigwaitinfo blocks until a child sends one */
    pid_t parent = getpid();
    pid_t c = xfork();
    if (c == 0) {
        msleep(30);
        union sigval w = {.sival_int = 1234};
        sigqueue(parent, SIGRTMIN, w);
        _exit(0);
    }
    memset(&si, 0, sizeof si);
    int s = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: %s code=%s value=%d from child=%d\n", signame(s), sicode(si.si_code), si.si_value.sival_int, si.si_pid == c);
    waitpid(c, NULL, 0);
    /* sigwait (returns the signal through a pointer) */
    raise(SIGUSR1);
    int sig = 0;
    CHECK_ERR("sigwait", sigwait(&set, &sig));
    printf("sigwait got %s\n", signame(sig));
    /* a signal not in the set but unblocked with a handler interrupts the wait */
    CHECK("rt_sigtimedwait bad sigsetsize", syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 4));
    CHECK("rt_sigtimedwait efault set", syscall(SYS_rt_sigtimedwait, BAD_PTR, &si, &zero, 8));
    /* NULL siginfo is allowed */
    raise(SIGUSR2);
    CHECK("sigtimedwait NULL info", sigtimedwait(&set, NULL, &zero));
    /* waiting for a signal that is not blocked still works if it arrives pending */
    return 0;
}
