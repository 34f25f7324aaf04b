/* ud2 -> SIGILL (ILL_ILLOPN, si_addr = the instruction); int3 -> SIGTRAP (SI_KERNEL, RIP after
 * it); a handler that advances RIP in the ucontext resumes after the faulting instruction. */
#include "proc.h"
#include <ucontext.h>

static siginfo_t got;
static greg_t rip_at_signal;
static int skip;
static void h(int s, siginfo_t *si, void *uv)
{
    (void)s;
    ucontext_t *uc = uv;
    got = *si;
    rip_at_signal = uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RIP] += skip;
}

extern char ud2_insn[], after_int3[], ud2b_insn[];

static const char *code(int sig, int c)
{
    if (sig == SIGILL && c == ILL_ILLOPN) return "ILL_ILLOPN";
    if (sig == SIGILL && c == ILL_ILLOPC) return "ILL_ILLOPC";
    if (c == SI_KERNEL) return "SI_KERNEL";
    if (sig == SIGTRAP && c == TRAP_BRKPT) return "TRAP_BRKPT";
    return "other";
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    skip = 2;
    __asm__ volatile(".globl ud2_insn\nud2_insn: ud2");
    printf("ud2: %s %s si_addr==insn: %s rip==insn: %s, resumed after it\n", signame(got.si_signo), code(got.si_signo, got.si_code),
           got.si_addr == (void *)ud2_insn ? "yes" : "no", rip_at_signal == (greg_t)ud2_insn ? "yes" : "no");
    skip = 0;
    memset(&got, 0, sizeof got);
    __asm__ volatile("int3\n.globl after_int3\nafter_int3: nop");
    printf("int3: %s %s rip is after it: %s\n", signame(got.si_signo), code(got.si_signo, got.si_code),
           rip_at_signal == (greg_t)after_int3 ? "yes" : "no");
    /* registers changed in the ucontext are restored into the program */
    skip = 2;
    long rax = 5;
    __asm__ volatile(".globl ud2b_insn\nud2b_insn: ud2" : "+a"(rax));
    printf("rax preserved across the handler: %ld\n", rax);
    /* a SIGILL with the default action kills */
    pid_t c = xfork();
    if (c == 0) {
        no_core();
        signal(SIGILL, SIG_DFL);
        __asm__ volatile("ud2");
        _exit(0);
    }
    reap("ud2 default action", c);
    c = xfork();
    if (c == 0) {
        no_core();
        signal(SIGTRAP, SIG_DFL);
        __asm__ volatile("int3");
        _exit(0);
    }
    reap("int3 default action", c);
    /* raise(SIGTRAP) is SI_TKILL, not SI_KERNEL */
    skip = 0;
    raise(SIGTRAP);
    printf("raise(SIGTRAP): %s\n", sicode(got.si_code));
    return 0;
}
