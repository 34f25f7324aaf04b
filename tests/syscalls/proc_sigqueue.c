/* sigqueue between processes: values arrive in order with SI_QUEUE and the sender's pid;
 * forging si_code >= 0 for another process is EPERM. */
#include "proc.h"

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 5);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL); /* inherited by the child */
    int ready[2];
    pipe(ready);
    pid_t c = xfork();
    if (c == 0) {
        signal_fd(ready[1]);
        int sum = 0, inorder = 1, last = -1, n = 0, frompar = 1;
        for (int i = 0; i < 20; i++) {
            siginfo_t si;
            int s = sigwaitinfo(&set, &si);
            if (s != SIGRTMIN + 5)
                break;
            n++;
            sum += si.si_value.sival_int;
            if (si.si_value.sival_int <= last)
                inorder = 0;
            last = si.si_value.sival_int;
            if (si.si_pid != getppid() || si.si_code != SI_QUEUE)
                frompar = 0;
        }
        printf("child: %d signals, sum=%d, in order=%d, SI_QUEUE from parent=%d\n", n, sum, inorder, frompar);
        fflush(stdout);
        _exit(0);
    }
    wait_fd(ready[0]);
    for (int i = 0; i < 20; i++) {
        union sigval v = {.sival_int = i * 10};
        if (sigqueue(c, SIGRTMIN + 5, v) != 0)
            printf("sigqueue %d failed: %s\n", i, errname(errno));
    }
    int st;
    waitpid(c, &st, 0);
    printf("child: %s\n", wstatus(st));
    /* forging: si_code >= 0 or SI_TKILL to another process */
    c = xfork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    CHECK("rt_sigqueueinfo SI_USER to another process", syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));
    si.si_code = SI_TKILL;
    CHECK("rt_sigqueueinfo SI_TKILL to another process", syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));
    si.si_code = SI_KERNEL;
    CHECK("rt_sigqueueinfo SI_KERNEL to another process", syscall(SYS_rt_sigqueueinfo, c, SIGUSR1, &si));
    si.si_code = SI_QUEUE;
    CHECK("rt_sigqueueinfo SI_QUEUE to a nonexistent pid", syscall(SYS_rt_sigqueueinfo, 999999, SIGUSR1, &si));
    CHECK("rt_tgsigqueueinfo to self thread", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si));
    sigset_t p;
    sigpending(&p);
    printf("SIGUSR1 now pending in self: %d\n", sigismember(&p, SIGUSR1));
    CHECK("sigqueue child SIGKILL", sigqueue(c, SIGKILL, (union sigval){0}));
    reap("paused child", c);
    /* SI_USER to self is allowed */
    si.si_code = SI_USER;
    si.si_signo = SIGRTMIN + 5;
    CHECK("rt_sigqueueinfo SI_USER to self", syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 5, &si));
    return 0;
}
