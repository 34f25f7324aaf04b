/* rt_sigaction(2): install/query handlers, old action, masks, validation. No delivery. */
#include "common.h"
#include <signal.h>

struct kact {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

static void h1(int s) { (void)s; }
static void h2(int s) { (void)s; }

static long ksa(int sig, const struct kact *act, struct kact *old, size_t sz)
{
    return syscall(SYS_rt_sigaction, sig, act, old, sz);
}

static const char *hname(void *h)
{
    if (h == (void *)SIG_DFL) return "SIG_DFL";
    if (h == (void *)SIG_IGN) return "SIG_IGN";
    if (h == (void *)h1) return "h1";
    if (h == (void *)h2) return "h2";
    return "other";
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h1;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sa.sa_flags = SA_RESTART;
    CHECK("set SIGUSR1 h1", sigaction(SIGUSR1, &sa, NULL));
    CHECK("get SIGUSR1", sigaction(SIGUSR1, NULL, &old));
    printf("old: handler=%s flags=%#x usr2_in_mask=%d usr1_in_mask=%d\n", hname((void *)old.sa_handler),
           old.sa_flags, sigismember(&old.sa_mask, SIGUSR2), sigismember(&old.sa_mask, SIGUSR1));
    sa.sa_handler = h2;
    sa.sa_flags = SA_NODEFER | SA_RESETHAND | SA_SIGINFO | SA_ONSTACK;
    CHECK("swap to h2", sigaction(SIGUSR1, &sa, &old));
    printf("returned old: handler=%s flags=%#x\n", hname((void *)old.sa_handler), old.sa_flags);
    sigaction(SIGUSR1, NULL, &old);
    printf("now: handler=%s flags=%#x\n", hname((void *)old.sa_handler), old.sa_flags);

    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    CHECK("ignore SIGTERM", sigaction(SIGTERM, &sa, NULL));
    sigaction(SIGTERM, NULL, &old);
    printf("SIGTERM: %s\n", hname((void *)old.sa_handler));
    sa.sa_handler = SIG_DFL;
    CHECK("default SIGTERM", sigaction(SIGTERM, &sa, &old));
    printf("SIGTERM old: %s\n", hname((void *)old.sa_handler));

    /* Raw kernel interface. */
    struct kact k = {(void *)h1, 0, NULL, 0}, ko;
    k.mask = (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)) | (1UL << (SIGINT - 1));
    CHECK("raw set SIGUSR2 with KILL|STOP|INT in mask", ksa(SIGUSR2, &k, NULL, 8));
    memset(&ko, 0xff, sizeof ko);
    CHECK("raw get SIGUSR2", ksa(SIGUSR2, NULL, &ko, 8));
    printf("raw: handler=%s flags=%#lx mask=%#lx\n", hname(ko.handler), ko.flags, ko.mask);
    CHECK("raw get SIGKILL", ksa(SIGKILL, NULL, &ko, 8));
    printf("SIGKILL: %s\n", hname(ko.handler));
    CHECK("raw set SIGKILL", ksa(SIGKILL, &k, NULL, 8));
    CHECK("raw set SIGSTOP", ksa(SIGSTOP, &k, NULL, 8));
    k.handler = (void *)SIG_DFL;
    CHECK("raw set SIGKILL to SIG_DFL", ksa(SIGKILL, &k, NULL, 8));
    k.handler = (void *)h1;
    CHECK("raw signal 0", ksa(0, &k, NULL, 8));
    CHECK("raw signal 0 query", ksa(0, NULL, &ko, 8));
    CHECK("raw signal 64", ksa(64, &k, NULL, 8));
    CHECK("raw signal 65", ksa(65, &k, NULL, 8));
    CHECK("raw signal -1", ksa(-1, &k, NULL, 8));
    CHECK("raw signal 32", ksa(32, &k, NULL, 8));
    CHECK("raw sigsetsize 4", ksa(SIGUSR2, &k, NULL, 4));
    CHECK("raw sigsetsize 16", ksa(SIGUSR2, &k, NULL, 16));
    CHECK("raw both NULL", ksa(SIGUSR2, NULL, NULL, 8));
    CHECK("raw efault act", ksa(SIGUSR2, BAD_PTR, NULL, 8));
    CHECK("raw efault oldact", ksa(SIGUSR2, NULL, BAD_PTR, 8));
    k.flags = 0x7fffffff & ~0x04000000UL;
    CHECK("raw many flags", ksa(SIGWINCH, &k, NULL, 8));
    ksa(SIGWINCH, NULL, &ko, 8);
    printf("many flags readback: %#lx\n", ko.flags);
    CHECK("glibc signal()", signal(SIGHUP, SIG_IGN) == SIG_ERR);
    printf("signal() old of SIGHUP after ignore: %s\n", hname((void *)signal(SIGHUP, SIG_DFL)));
    return 0;
}
