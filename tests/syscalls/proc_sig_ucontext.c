/* The signal frame: the handler sees the interrupted registers in uc_mcontext and the old mask
 * in uc_sigmask; changes to both are applied by rt_sigreturn. */
#include "proc.h"
#include <ucontext.h>

static volatile long seen_r12, seen_r15;
static volatile int seen_mask_usr2;
static int mode;
static void h(int s, siginfo_t *si, void *uv)
{
    (void)s;
    (void)si;
    ucontext_t *uc = uv;
    seen_r12 = uc->uc_mcontext.gregs[REG_R12];
    seen_r15 = uc->uc_mcontext.gregs[REG_R15];
    seen_mask_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
    if (mode == 1)
        uc->uc_mcontext.gregs[REG_R12] = 0x1234;
    if (mode == 2)
        sigaddset(&uc->uc_sigmask, SIGHUP); /* blocked after return */
    if (mode == 3) {
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGINT);
        sigprocmask(SIG_BLOCK, &m, NULL); /* undone by sigreturn */
    }
}

static long kill_self_with_regs(long r12in, long r15in, long *r12out)
{
    register long r12 __asm__("r12") = r12in;
    register long r15 __asm__("r15") = r15in;
    long ret = SYS_kill;
    long pid = getpid();
    __asm__ volatile("syscall" : "+a"(ret), "+r"(r12), "+r"(r15) : "D"(pid), "S"((long)SIGUSR1) : "rcx", "r11", "memory");
    *r12out = r12;
    return r15;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL);
    long r12;
    mode = 0;
    long r15 = kill_self_with_regs(0x1111, 0x2222, &r12);
    printf("handler saw r12 ok=%d r15 ok=%d, uc_sigmask has SIGUSR2=%d\n", seen_r12 == 0x1111, seen_r15 == 0x2222, seen_mask_usr2);
    printf("after return r12=%#lx r15=%#lx\n", r12, r15);
    mode = 1;
    r15 = kill_self_with_regs(0x1111, 0x2222, &r12);
    printf("handler changed r12: after return r12=%#lx r15=%#lx\n", r12, r15);
    mode = 2;
    raise(SIGUSR1);
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGHUP blocked after uc_sigmask edit: %d, SIGUSR2 still blocked: %d\n", sigismember(&cur, SIGHUP), sigismember(&cur, SIGUSR2));
    mode = 3;
    raise(SIGUSR1);
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("sigprocmask inside the handler undone: %d\n", !sigismember(&cur, SIGINT));
    printf("SIGKILL never appears blocked: %d\n", !sigismember(&cur, SIGKILL));
    return 0;
}
