/* kill/tkill/tgkill argument checks and probes with signal 0. */
#include "proc.h"

int main(void)
{
    CHECK("kill(self, 0)", kill(getpid(), 0));
    CHECK("kill bad signal 65", kill(getpid(), 65));
    CHECK("kill bad signal -1", kill(getpid(), -1));
    CHECK("kill nonexistent", kill(999999, 0));
    CHECK("kill nonexistent SIGTERM", kill(999999, SIGTERM));
    CHECK("kill INT_MIN", kill(-2147483647 - 1, 0));
    CHECK("tgkill(self)", syscall(SYS_tgkill, getpid(), gettid(), 0));
    CHECK("tgkill wrong tgid", syscall(SYS_tgkill, 999999, gettid(), 0));
    CHECK("tgkill tid 0", syscall(SYS_tgkill, getpid(), 0, 0));
    CHECK("tgkill tgid -1", syscall(SYS_tgkill, -1, gettid(), 0));
    CHECK("tgkill bad signal", syscall(SYS_tgkill, getpid(), gettid(), 99));
    CHECK("tkill(self, 0)", syscall(SYS_tkill, gettid(), 0));
    CHECK("tkill 0", syscall(SYS_tkill, 0, 0));
    CHECK("tkill nonexistent", syscall(SYS_tkill, 999999, 0));
    pid_t c = xfork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    CHECK("kill(child, 0)", kill(c, 0));
    CHECK("tgkill(child, child, 0)", syscall(SYS_tgkill, c, c, 0));
    CHECK("tgkill(self tgid, child tid)", syscall(SYS_tgkill, getpid(), c, 0));
    CHECK("kill(child, SIGKILL)", kill(c, SIGKILL));
    reap("child", c);
    CHECK("kill(reaped child, 0)", kill(c, 0));
    CHECK("rt_sigqueueinfo bad signal", syscall(SYS_rt_sigqueueinfo, getpid(), 70, NULL));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = SI_QUEUE;
    CHECK("rt_sigqueueinfo signal 0 probe", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &si));
    CHECK("rt_sigqueueinfo bad info pointer", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, BAD_PTR));
    return 0;
}
