/* rt_sigprocmask(2) and rt_sigpending(2): block/unblock/setmask, validation. No delivery. */
#include "common.h"
#include <signal.h>

#define BIT(s) (1UL << ((s) - 1))

static long mask(int how, const unsigned long *set, unsigned long *old)
{
    return syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

static unsigned long cur(void)
{
    unsigned long m = 0xdeadbeef;
    mask(SIG_BLOCK, NULL, &m);
    return m;
}

int main(void)
{
    unsigned long empty = 0, s, old;
    CHECK("setmask empty", mask(SIG_SETMASK, &empty, NULL));
    printf("mask: %#lx\n", cur());
    s = BIT(SIGUSR1);
    CHECK("block USR1", mask(SIG_BLOCK, &s, &old));
    printf("old: %#lx mask: %#lx\n", old, cur());
    s = BIT(SIGUSR2) | BIT(SIGTERM);
    CHECK("block USR2|TERM", mask(SIG_BLOCK, &s, NULL));
    printf("mask: %#lx\n", cur());
    s = BIT(SIGUSR1);
    CHECK("unblock USR1", mask(SIG_UNBLOCK, &s, &old));
    printf("old: %#lx mask: %#lx\n", old, cur());
    s = BIT(SIGKILL) | BIT(SIGSTOP) | BIT(SIGINT);
    CHECK("setmask with KILL|STOP", mask(SIG_SETMASK, &s, NULL));
    printf("mask (KILL/STOP dropped): %#lx\n", cur());
    s = ~0UL;
    CHECK("block all", mask(SIG_BLOCK, &s, NULL));
    printf("mask: %#lx\n", cur());
    CHECK("NULL set, NULL old", mask(SIG_SETMASK, NULL, NULL));
    CHECK("bad how", mask(3, &s, NULL));
    CHECK("bad how with NULL set", mask(99, NULL, &old));
    CHECK("bad sigsetsize", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 4));
    CHECK("bad sigsetsize 16", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL, 16));
    CHECK("efault set", mask(SIG_BLOCK, BAD_PTR, NULL));
    CHECK("efault old", mask(SIG_BLOCK, NULL, BAD_PTR));
    printf("mask after errors: %#lx\n", cur());
    unsigned long pend = 0xffff;
    CHECK("rt_sigpending", syscall(SYS_rt_sigpending, &pend, 8));
    printf("pending: %#lx\n", pend);
    CHECK("rt_sigpending bad size", syscall(SYS_rt_sigpending, &pend, 16));
    CHECK("rt_sigpending efault", syscall(SYS_rt_sigpending, BAD_PTR, 8));

    sigset_t gs, go;
    sigemptyset(&gs);
    sigaddset(&gs, SIGALRM);
    CHECK("glibc sigprocmask SETMASK", sigprocmask(SIG_SETMASK, &gs, &go));
    CHECK("glibc old has all (minus KILL/STOP)", sigismember(&go, SIGHUP) && !sigismember(&go, SIGKILL));
    sigprocmask(SIG_SETMASK, NULL, &go);
    printf("glibc: ALRM=%d USR1=%d\n", sigismember(&go, SIGALRM), sigismember(&go, SIGUSR1));
    CHECK("glibc bad how", sigprocmask(7, &gs, NULL));
    mask(SIG_SETMASK, &empty, NULL);
    printf("final mask: %#lx\n", cur());
    return 0;
}
