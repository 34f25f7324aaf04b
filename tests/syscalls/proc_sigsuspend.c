/* sigsuspend: waits with a temporary mask, returns EINTR after the handler, restores the mask. */
#include "proc.h"

static volatile int got;
static volatile int blocked_in_handler = -1;
static void h(int s)
{
    got = s;
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    blocked_in_handler = sigismember(&m, SIGUSR2);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t block, old, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &old);
    /* already pending before sigsuspend: returns at once */
    raise(SIGUSR1);
    printf("pending, not delivered while blocked: got=%s\n", signame(got));
    sigemptyset(&waitmask);
    sigaddset(&waitmask, SIGUSR2);
    CHECK("sigsuspend with SIGUSR1 pending", sigsuspend(&waitmask));
    printf("got=%s, SIGUSR2 blocked inside the handler (from the temporary mask): %d\n", signame(got), blocked_in_handler);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("mask restored: SIGUSR1 blocked=%d SIGUSR2 blocked=%d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2));
    /* sent by a child while we are suspended */
    got = 0;
    pid_t parent = getpid();
    pid_t c = xfork();
    if (c == 0) {
        msleep(50);
        kill(parent, SIGUSR2);
        _exit(0);
    }
    sigemptyset(&waitmask);
    CHECK("sigsuspend until the child signals", sigsuspend(&waitmask));
    printf("got=%s\n", signame(got));
    waitpid(c, NULL, 0);
    /* SIGKILL/SIGSTOP in the mask are ignored; a bad pointer is EFAULT */
    CHECK("rt_sigsuspend efault", syscall(SYS_rt_sigsuspend, BAD_PTR, 8));
    CHECK("rt_sigsuspend bad size", syscall(SYS_rt_sigsuspend, &waitmask, 4));
    /* pause() returns EINTR after a handler */
    sigprocmask(SIG_SETMASK, &old, NULL);
    c = xfork();
    if (c == 0) {
        msleep(50);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    CHECK("pause", pause());
    printf("got=%s\n", signame(got));
    waitpid(c, NULL, 0);
    return 0;
}
