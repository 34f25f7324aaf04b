/* SA_RESETHAND (SA_ONESHOT): the disposition returns to SIG_DFL on delivery. */
#include "proc.h"

static volatile int calls;
static void h(int s) { (void)s; calls++; }
static volatile int blocked = -1;
static void hb(int s)
{
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    blocked = sigismember(&m, s);
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR1, NULL, &old);
    printf("before: handler set %d, SA_RESETHAND reported %d\n", old.sa_handler == h, (old.sa_flags & SA_RESETHAND) != 0);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &old);
    printf("after one delivery: calls=%d, handler is SIG_DFL: %d, SA_RESETHAND still set: %d\n", calls, old.sa_handler == SIG_DFL,
           (old.sa_flags & SA_RESETHAND) != 0);
    /* Linux does not add SA_NODEFER for SA_RESETHAND: is the signal blocked inside? */
    sa.sa_handler = hb;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("own signal blocked inside a SA_RESETHAND handler: %d\n", blocked);
    /* in a child: the second signal takes the default action */
    pid_t c = xfork();
    if (c == 0) {
        sa.sa_handler = h;
        sigaction(SIGTERM, &sa, NULL);
        raise(SIGTERM);
        raise(SIGTERM);
        _exit(50);
    }
    reap("child raising SIGTERM twice", c);
    return 0;
}
