/* PR_SET_PDEATHSIG: a child gets the signal when its parent (thread) dies; not inherited. */
#include "proc.h"

int main(void)
{
    int res[2], ready[2];
    pipe(res);
    pipe(ready);
    pid_t mid = xfork();
    if (mid == 0) {
        pid_t gc = fork();
        if (gc == 0) {
            sigset_t m;
            sigemptyset(&m);
            sigaddset(&m, SIGUSR1);
            sigprocmask(SIG_BLOCK, &m, NULL);
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            int sig = 0;
            prctl(PR_GET_PDEATHSIG, &sig);
            /* a grandchild of ours must not inherit it */
            pid_t ggc = fork();
            if (ggc == 0) {
                int s2 = -1;
                prctl(PR_GET_PDEATHSIG, &s2);
                _exit(s2);
            }
            int st;
            waitpid(ggc, &st, 0);
            signal_fd(ready[1]);
            siginfo_t si;
            struct timespec t = {3, 0};
            int got = sigtimedwait(&m, &si, &t);
            char msg[160];
            int n = snprintf(msg, sizeof msg, "pdeathsig set: %s, its child inherited: %d, received on parent death: %s code=%s\n",
                             signame(sig), WEXITSTATUS(st), got > 0 ? signame(got) : errname(errno), got > 0 ? sicode(si.si_code) : "-");
            write_full(res[1], msg, n);
            _exit(0);
        }
        wait_fd(ready[0]);
        _exit(0); /* dies: the grandchild gets SIGUSR1 */
    }
    close(res[1]);
    waitpid(mid, NULL, 0);
    char buf[200];
    size_t n = read_full(res[0], buf, sizeof buf - 1);
    buf[n] = 0;
    fputs(buf, stdout);
    CHECK("PR_SET_PDEATHSIG 0", prctl(PR_SET_PDEATHSIG, 0));
    CHECK("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65));
    return 0;
}
