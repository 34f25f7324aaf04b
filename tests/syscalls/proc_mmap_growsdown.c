/* MAP_GROWSDOWN: an access below the mapping extends it (any distance, since Linux 4.20 no
 * longer compares with rsp) within RLIMIT_STACK and the stack guard gap above the mapping below. */
#include "proc.h"
#include <setjmp.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile int faults, last_code;
static volatile void *last_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    faults++;
    last_code = si->si_code;
    last_addr = si->si_addr;
    siglongjmp(env, 1);
}

static int touch(const char *what, volatile char *p)
{
    int before = faults;
    if (sigsetjmp(env, 1) == 0) {
        *p = 1;
        printf("%s: ok (reads back %d)\n", what, *p);
        return 0;
    }
    printf("%s: SIGSEGV %s, si_addr is the address: %s\n", what, last_code == SEGV_MAPERR ? "SEGV_MAPERR" : last_code == SEGV_ACCERR ? "SEGV_ACCERR" : "other",
           last_addr == (void *)p ? "yes" : "no");
    return faults - before;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    sa.sa_flags |= SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);

    const size_t page = 4096;
    char *base = (char *)0x300000000UL;
    /* A floor mapping, then a 4-page grows-down mapping 8 MiB above it. */
    char *floor_ = mmap(base, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    TRUE("floor mapped", floor_ == base);
    char *top = base + (8 << 20);
    char *g = mmap(top, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
    TRUE("grows-down mapped", g == top);

    touch("inside", g);
    touch("one byte below", g - 1);
    touch("16 pages below", g - 16 * page);
    touch("inside the grown part", g - 5 * page);
    CHECK("mprotect(PROT_GROWSDOWN) on it", mprotect(g + page, page, PROT_READ | PROT_WRITE | PROT_GROWSDOWN));
    CHECK("mprotect(PROT_GROWSDOWN) on the floor", mprotect(floor_, page, PROT_READ | PROT_WRITE | PROT_GROWSDOWN));
    CHECK("munmap of a grown page", munmap(g - 16 * page, page));

    /* Into the guard gap above the floor mapping. */
    touch("within the guard gap", floor_ + page + 4 * page);

    /* RLIMIT_STACK bounds the growth. */
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    struct rlimit small = {256 * 1024, rl.rlim_max};
    setrlimit(RLIMIT_STACK, &small);
    char *g2 = mmap(base + (64 << 20), 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
    TRUE("second grows-down mapped", g2 == base + (64 << 20));
    touch("within RLIMIT_STACK", g2 - 32 * page);
    touch("beyond RLIMIT_STACK", g2 - 128 * page);
    setrlimit(RLIMIT_STACK, &rl);

    /* A plain mapping does not grow. */
    char *plain = mmap(base + (128 << 20), page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    touch("below a plain mapping", plain - 1);

    /* The grown memory survives fork (and is copied, not shared). */
    g[-page] = 42;
    pid_t p = xfork();
    if (p == 0) {
        printf("child sees %d below the original start\n", g[-page]);
        g[-page] = 7;
        fflush(stdout);
        _exit(0);
    }
    reap("child", p);
    printf("parent still has %d\n", g[-page]);
    printf("faults taken: %d\n", faults);
    return 0;
}
