/* SA_SIGINFO: si_signo, si_code, si_pid, si_uid, si_value for the different ways of sending. */
#include "proc.h"

static siginfo_t got;
static volatile int n;
static void h(int s, siginfo_t *si, void *uc)
{
    (void)s;
    (void)uc;
    got = *si;
    n++;
}

static void show(const char *what)
{
    printf("%s: n=%d signo=%s code=%s pid_is_self=%d uid_ok=%d errno_field=%d\n", what, n, signame(got.si_signo),
           sicode(got.si_code), got.si_pid == getpid(), got.si_uid == getuid(), got.si_errno);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGRTMIN, &sa, NULL);
    kill(getpid(), SIGUSR1);
    show("kill");
    raise(SIGUSR1);
    show("raise");
    syscall(SYS_tkill, gettid(), SIGUSR1);
    show("tkill");
    union sigval v = {.sival_int = 4242};
    sigqueue(getpid(), SIGUSR1, v);
    show("sigqueue");
    printf("sigqueue value: %d\n", got.si_value.sival_int);
    v.sival_ptr = &got;
    sigqueue(getpid(), SIGRTMIN, v);
    show("sigqueue rt");
    printf("sigqueue pointer value round-trips: %s\n", got.si_value.sival_ptr == (void *)&got ? "yes" : "no");
    /* rt_sigqueueinfo with a custom negative code to self */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGUSR1;
    si.si_code = -42;
    si.si_pid = 12345;
    si.si_uid = 777;
    si.si_value.sival_int = 99;
    CHECK("rt_sigqueueinfo custom code", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &si));
    printf("custom: code=%d pid=%d uid=%d value=%d\n", got.si_code, got.si_pid, got.si_uid, got.si_value.sival_int);
    /* from a child: si_pid is the child's pid */
    pid_t c = xfork();
    if (c == 0) {
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("from child: n=%d code=%s si_pid==child: %d\n", n, sicode(got.si_code), got.si_pid == c);
    return 0;
}
