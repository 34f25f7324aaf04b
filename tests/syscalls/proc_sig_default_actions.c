/* Default actions, each in a child: terminate, core (seen as killed), ignore (keeps running),
 * and stop/continue for SIGTSTP/SIGTTIN/SIGTTOU. */
#include "proc.h"

int main(void)
{
    int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
                  SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO,
                  SIGPWR, SIGSYS, SIGCONT};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        pid_t c = xfork();
        if (c == 0) {
            no_core();
            kill(getpid(), sigs[i]);
            _exit(77); /* survived */
        }
        int st;
        waitpid(c, &st, 0);
        printf("%-10s -> %s\n", signame(sigs[i]), wstatus(st));
    }
    int stops[] = {SIGTSTP, SIGTTIN, SIGTTOU, SIGSTOP};
    for (int i = 0; i < 4; i++) {
        pid_t c = xfork();
        if (c == 0) {
            /* a group of its own whose parent is in another group of the session: not orphaned,
             * so SIGTSTP/SIGTTIN/SIGTTOU are not discarded, whatever group the test runner uses */
            setpgid(0, 0);
            kill(getpid(), stops[i]);
            _exit(78);
        }
        int st;
        waitpid(c, &st, WUNTRACED);
        printf("%-10s -> %s", signame(stops[i]), wstatus(st));
        kill(c, SIGCONT);
        waitpid(c, &st, 0);
        printf(", after SIGCONT: %s\n", wstatus(st));
    }
    /* SIGKILL and SIGSTOP cannot be caught, blocked or ignored */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    CHECK("sigaction(SIGKILL, SIG_IGN)", sigaction(SIGKILL, &sa, NULL));
    CHECK("sigaction(SIGSTOP, SIG_IGN)", sigaction(SIGSTOP, &sa, NULL));
    pid_t c = xfork();
    if (c == 0) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        sigset_t now;
        sigprocmask(SIG_BLOCK, NULL, &now);
        printf("child: SIGKILL blockable=%d SIGSTOP blockable=%d SIGTERM blocked=%d\n", sigismember(&now, SIGKILL), sigismember(&now, SIGSTOP),
               sigismember(&now, SIGTERM));
        fflush(stdout);
        kill(getpid(), SIGTERM); /* stays pending */
        kill(getpid(), SIGKILL);
        _exit(79);
    }
    reap("everything blocked, then SIGKILL", c);
    return 0;
}
