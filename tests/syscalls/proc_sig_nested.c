/* Nested handlers: a handler sends another signal (runs at once, nested), and its own signal
 * (blocked while it runs: delivered right after it returns). */
#include "proc.h"

static char trace[256];
static int tlen;
static void note(const char *s)
{
    size_t l = strlen(s);
    memcpy(trace + tlen, s, l);
    tlen += l;
}

static volatile int depth, maxdepth, usr1s;
static void h1(int s)
{
    (void)s;
    depth++;
    if (depth > maxdepth)
        maxdepth = depth;
    note("[1");
    if (++usr1s == 1) {
        raise(SIGUSR1); /* blocked now: pending */
        note("p");
        raise(SIGUSR2); /* nests */
    }
    note("1]");
    depth--;
}
static void h2(int s)
{
    (void)s;
    depth++;
    if (depth > maxdepth)
        maxdepth = depth;
    note("[2");
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    note(sigismember(&m, SIGUSR1) ? "u1blocked" : "u1open");
    note(sigismember(&m, SIGUSR2) ? "u2blocked" : "u2open");
    raise(SIGTERM); /* blocked by sa_mask of SIGUSR2 */
    note("2]");
    depth--;
}
static void hterm(int s)
{
    (void)s;
    note("[T]");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = h2;
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR2, &sa, NULL);
    sa.sa_handler = hterm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    raise(SIGUSR1);
    trace[tlen] = 0;
    printf("trace: %s\n", trace);
    printf("max depth: %d, SIGUSR1 handled %d times\n", maxdepth, usr1s);
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    printf("mask restored (nothing blocked): %s\n", sigismember(&m, SIGUSR1) || sigismember(&m, SIGUSR2) || sigismember(&m, SIGTERM) ? "no" : "yes");
    return 0;
}
