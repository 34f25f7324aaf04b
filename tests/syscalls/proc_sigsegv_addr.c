/* Faults delivered to a SA_SIGINFO handler: SEGV_MAPERR/SEGV_ACCERR with si_addr equal to the
 * faulting address; the handler recovers with siglongjmp and the program continues. */
#include "proc.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf jb;
static siginfo_t got;
static void h(int s, siginfo_t *si, void *u)
{
    (void)s;
    (void)u;
    got = *si;
    siglongjmp(jb, 1);
}

static const char *segvcode(int c)
{
    switch (c) {
    case SEGV_MAPERR: return "SEGV_MAPERR";
    case SEGV_ACCERR: return "SEGV_ACCERR";
    case SI_KERNEL: return "SI_KERNEL";
    default: return "other";
    }
}

static void try_read(const char *what, volatile char *addr)
{
    memset(&got, 0, sizeof got);
    if (sigsetjmp(jb, 1) == 0) {
        char c = *addr;
        (void)c;
        printf("%s: no fault\n", what);
    } else {
        printf("%s: %s %s si_addr==addr: %s\n", what, signame(got.si_signo), segvcode(got.si_code), got.si_addr == (void *)addr ? "yes" : "no");
    }
}

static void try_write(const char *what, volatile char *addr)
{
    memset(&got, 0, sizeof got);
    if (sigsetjmp(jb, 1) == 0) {
        *addr = 1;
        printf("%s: no fault\n", what);
    } else {
        printf("%s: %s %s si_addr==addr: %s\n", what, signame(got.si_signo), segvcode(got.si_code), got.si_addr == (void *)addr ? "yes" : "no");
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    try_read("read NULL", (char *)0);
    try_write("write NULL+16", (char *)16);
    char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(m + 4096, 4096);
    try_read("read unmapped hole", m + 4096 + 123);
    try_write("write unmapped hole", m + 4096 + 4095);
    mprotect(m, 4096, PROT_READ);
    try_read("read PROT_READ page", m + 5);
    try_write("write PROT_READ page", m + 7);
    mprotect(m, 4096, PROT_NONE);
    try_read("read PROT_NONE page", m + 9);
    try_write("write PROT_NONE page", m);
    try_read("read after recovery from many faults: mapped page", m + 2 * 4096);
    try_write("write to the text segment", (char *)main);
    /* non-canonical address: SIGSEGV with SI_KERNEL and si_addr 0 on x86-64 */
    memset(&got, 0, sizeof got);
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = *(volatile char *)0x8000000000000000UL;
        (void)c;
    }
    printf("non-canonical: %s %s si_addr is 0: %s\n", signame(got.si_signo), segvcode(got.si_code), got.si_addr == 0 ? "yes" : "no");
    /* the mask was restored by siglongjmp(…, savemask=1): SIGSEGV is not blocked */
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGSEGV blocked after recovery: %d\n", sigismember(&cur, SIGSEGV));
    /* a fault while SIGSEGV is blocked kills the process even with a handler */
    pid_t c = xfork();
    if (c == 0) {
        no_core();
        sigset_t b;
        sigemptyset(&b);
        sigaddset(&b, SIGSEGV);
        sigprocmask(SIG_BLOCK, &b, NULL);
        *(volatile int *)0 = 1;
        _exit(0);
    }
    reap("fault with SIGSEGV blocked", c);
    /* and with SIGSEGV ignored */
    c = xfork();
    if (c == 0) {
        no_core();
        signal(SIGSEGV, SIG_IGN);
        *(volatile int *)0 = 1;
        _exit(0);
    }
    reap("fault with SIGSEGV ignored", c);
    return 0;
}
