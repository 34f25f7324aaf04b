/* Across execve: caught signals are reset to SIG_DFL, ignored stay ignored, the mask is kept,
 * a pending blocked signal stays pending, the alternate stack is dropped. */
#include "proc.h"

static void h(int s) { (void)s; }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        struct sigaction sa;
        sigaction(SIGUSR1, NULL, &sa);
        printf("SIGUSR1 handler after exec: %s\n", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
        sigaction(SIGUSR2, NULL, &sa);
        printf("SIGUSR2 after exec: %s\n", sa.sa_handler == SIG_IGN ? "SIG_IGN" : "other");
        sigaction(SIGTERM, NULL, &sa);
        printf("SIGTERM after exec: %s\n", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
        sigset_t m, p;
        sigprocmask(SIG_BLOCK, NULL, &m);
        printf("SIGINT still blocked: %d, SIGHUP blocked: %d\n", sigismember(&m, SIGINT), sigismember(&m, SIGHUP));
        sigpending(&p);
        printf("SIGINT still pending: %d\n", sigismember(&p, SIGINT));
        stack_t ss;
        sigaltstack(NULL, &ss);
        printf("altstack disabled after exec: %s\n", (ss.ss_flags & SS_DISABLE) ? "yes" : "no");
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGINT);
    sigprocmask(SIG_BLOCK, &m, NULL);
    static char stk[65536];
    stack_t ss = {.ss_sp = stk, .ss_size = sizeof stk, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    pid_t c = xfork();
    if (c == 0) {
        raise(SIGINT); /* blocked: stays pending across exec */
        char *av[] = {argv[0], "child", NULL};
        execv(argv[0], av);
        _exit(127);
    }
    reap("child", c);
    return 0;
}
