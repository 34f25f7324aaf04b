/* SIGCHLD with SA_SIGINFO: CLD_EXITED/CLD_KILLED/CLD_STOPPED/CLD_CONTINUED, si_pid, si_status;
 * SA_NOCLDSTOP suppresses the stop/continue ones. */
#include "proc.h"

static siginfo_t last;
static volatile int count;
static void h(int s, siginfo_t *si, void *u)
{
    (void)s;
    (void)u;
    last = *si;
    count++;
}

static void expect(const char *what, pid_t c)
{
    sigset_t none;
    sigemptyset(&none);
    while (count == 0)
        sigsuspend(&none);
    printf("%s: count=%d signo=%s code=%s status=%d pid ok=%d\n", what, count, signame(last.si_signo), cldcode(last.si_code),
           last.si_status, last.si_pid == c);
    count = 0;
}

int main(void)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL); /* only delivered inside sigsuspend */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t c = xfork();
    if (c == 0)
        _exit(21);
    expect("exit 21", c);
    waitpid(c, NULL, 0);
    c = xfork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    kill(c, SIGTERM);
    expect("killed", c);
    printf("si_status is the signal: %s\n", signame(last.si_status));
    waitpid(c, NULL, 0);
    int go[2];
    pipe(go);
    c = xfork();
    if (c == 0) {
        raise(SIGSTOP);
        wait_fd(go[0]); /* exit only after the parent saw CLD_CONTINUED: two SIGCHLDs would merge */
        _exit(4);
    }
    expect("stopped", c);
    printf("si_status is the stop signal: %s\n", signame(last.si_status));
    waitpid(c, NULL, WUNTRACED);
    kill(c, SIGCONT);
    expect("continued", c);
    signal_fd(go[1]);
    expect("then exited", c);
    waitpid(c, NULL, 0);
    /* SA_NOCLDSTOP: only the exit */
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    c = xfork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(5);
    }
    int st;
    waitpid(c, &st, WUNTRACED);
    printf("SA_NOCLDSTOP: %s\n", wstatus(st));
    kill(c, SIGCONT);
    expect("SA_NOCLDSTOP exit", c);
    waitpid(c, NULL, 0);
    /* several children exiting together may coalesce into fewer SIGCHLDs, but all are reaped */
    for (int i = 0; i < 5; i++) {
        pid_t k = xfork();
        if (k == 0)
            _exit(i);
    }
    int reaped = 0;
    while (waitpid(-1, NULL, 0) > 0)
        reaped++;
    printf("reaped %d\n", reaped);
    return 0;
}
