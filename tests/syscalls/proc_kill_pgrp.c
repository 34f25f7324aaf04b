/* kill(-pgid) and kill(0) reach every process of the group, and only those. */
#include "proc.h"

static volatile sig_atomic_t got;
static void h(int s) { got = s; }

int main(void)
{
    pid_t top = xfork();
    if (top == 0) {
        setpgid(0, 0); /* a group of our own: kill(0) must never hit the test harness */
        int ready[2];
        pipe(ready);
        pid_t kids[3];
        for (int i = 0; i < 3; i++) {
            kids[i] = xfork();
            if (kids[i] == 0) {
                signal_fd(ready[1]);
                for (;;)
                    pause();
            }
        }
        /* a fourth child in its own group must survive kill(-pgid) */
        pid_t other = xfork();
        if (other == 0) {
            setpgid(0, 0);
            signal_fd(ready[1]);
            for (;;)
                pause();
        }
        setpgid(other, other);
        for (int i = 0; i < 4; i++)
            wait_fd(ready[0]);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = h;
        sigaction(SIGUSR1, &sa, NULL);
        /* kill(0, SIGUSR1): we get it too (handler), the children die (default action) */
        CHECK("kill(0, SIGUSR1)", kill(0, SIGUSR1));
        printf("handler ran in the sender: %s\n", got == SIGUSR1 ? "yes" : "no");
        for (int i = 0; i < 3; i++) {
            int st;
            waitpid(kids[i], &st, 0);
            printf("group child %d: %s\n", i, wstatus(st));
        }
        int st;
        CHECK("the other group's child is still running", waitpid(other, &st, WNOHANG));
        CHECK("kill(-other, SIGTERM)", kill(-other, SIGTERM));
        waitpid(other, &st, 0);
        printf("other group child: %s\n", wstatus(st));
        CHECK("kill(-pgid) of an empty group", kill(-other, SIGTERM));
        CHECK("kill(-pgid) probe with signal 0 (our group)", kill(-getpgid(0), 0));
        fflush(stdout);
        _exit(0);
    }
    reap("top", top);
    return 0;
}
