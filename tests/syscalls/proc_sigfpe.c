/* Integer divide by zero and INT_MIN/-1 raise SIGFPE (FPE_INTDIV); si_addr is the instruction. */
#include "proc.h"
#include <setjmp.h>

static sigjmp_buf jb;
static siginfo_t got;
static void h(int s, siginfo_t *si, void *u)
{
    (void)s;
    (void)u;
    got = *si;
    siglongjmp(jb, 1);
}

extern char div_insn[], div2_insn[];

static const char *fpecode(int c)
{
    switch (c) {
    case FPE_INTDIV: return "FPE_INTDIV";
    case FPE_INTOVF: return "FPE_INTOVF";
    case FPE_FLTDIV: return "FPE_FLTDIV";
    default: return "other";
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    volatile int zero = 0;
    if (sigsetjmp(jb, 1) == 0) {
        int a = 10, d = zero;
        __asm__ volatile("cltd\n.globl div_insn\ndiv_insn: idivl %1" : "+a"(a) : "r"(d) : "edx");
        printf("no fault\n");
    }
    printf("x/0: %s %s si_addr is the idiv: %s\n", signame(got.si_signo), fpecode(got.si_code), got.si_addr == (void *)div_insn ? "yes" : "no");
    memset(&got, 0, sizeof got);
    if (sigsetjmp(jb, 1) == 0) {
        int a = -2147483647 - 1, d = -1 + zero;
        __asm__ volatile("cltd\n.globl div2_insn\ndiv2_insn: idivl %1" : "+a"(a) : "r"(d) : "edx");
        printf("no fault\n");
    }
    printf("INT_MIN/-1: %s %s si_addr is the idiv: %s\n", signame(got.si_signo), fpecode(got.si_code), got.si_addr == (void *)div2_insn ? "yes" : "no");
    /* floating point division by zero does not trap by default */
    volatile double x = 1.0, y = 0.0;
    double r = x / y;
    printf("1.0/0.0 = %f (no signal)\n", r);
    /* several faults in a row */
    int n = 0;
    for (int i = 0; i < 50; i++) {
        if (sigsetjmp(jb, 1) == 0) {
            int a = i, d = zero;
            __asm__ volatile("cltd; idivl %1" : "+a"(a) : "r"(d) : "edx");
        } else {
            n++;
        }
    }
    printf("faults caught in a loop: %d\n", n);
    pid_t c = xfork();
    if (c == 0) {
        no_core();
        signal(SIGFPE, SIG_DFL);
        int a = 1, d = zero;
        __asm__ volatile("cltd; idivl %1" : "+a"(a) : "r"(d) : "edx");
        _exit(0);
    }
    reap("default action", c);
    return 0;
}
