/* SIGCHLD set to SIG_IGN (or SA_NOCLDWAIT): children are reaped automatically and wait
 * blocks until all have exited, then fails with ECHILD. */
#include "proc.h"

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &sa, NULL);
    for (int i = 0; i < 3; i++) {
        pid_t c = xfork();
        if (c == 0) {
            msleep(20 * i);
            _exit(i);
        }
    }
    int st;
    CHECK("wait with SIGCHLD ignored", wait(&st));
    pid_t c = xfork();
    if (c == 0)
        _exit(0);
    msleep(30);
    CHECK("kill(auto-reaped child, 0)", kill(c, 0));
    /* back to default: zombies again */
    sa.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &sa, NULL);
    c = xfork();
    if (c == 0)
        _exit(9);
    TRUE("SIG_DFL: waitpid gets the child", waitpid(c, &st, 0) == c);
    printf("status: %s\n", wstatus(st));
    /* SA_NOCLDWAIT with a handler */
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    c = xfork();
    if (c == 0)
        _exit(1);
    CHECK("wait with SA_NOCLDWAIT", wait(&st));
    return 0;
}
