/* WNOHANG: 0 while the child runs, the pid once it is a zombie; ECHILD rules. */
#include "proc.h"

int main(void)
{
    int st = 0;
    CHECK("WNOHANG without children", waitpid(-1, &st, WNOHANG));
    int p[2];
    pipe(p);
    pid_t c = xfork();
    if (c == 0) {
        close(p[1]);
        wait_fd(p[0]);
        _exit(5);
    }
    close(p[0]);
    CHECK("WNOHANG running child", waitpid(c, &st, WNOHANG));
    CHECK("WNOHANG -1 running child", waitpid(-1, &st, WNOHANG));
    CHECK("WNOHANG pid 1 is not our child", getpid() == 1 ? (errno = ECHILD, -1) : waitpid(1, &st, WNOHANG));
    CHECK("waitpid of a non-child (self)", waitpid(getpid(), &st, WNOHANG));
    close(p[1]); /* EOF: the child exits */
    pid_t r;
    int tries = 0;
    while ((r = waitpid(c, &st, WNOHANG)) == 0 && tries++ < 2000)
        msleep(1);
    TRUE("WNOHANG eventually returns the child", r == c);
    printf("status: %s\n", wstatus(st));
    CHECK("WNOHANG after reaping", waitpid(c, &st, WNOHANG));
    siginfo_t si;
    memset(&si, 0x55, sizeof si);
    pid_t c2 = xfork();
    if (c2 == 0) {
        msleep(50);
        _exit(0);
    }
    CHECK("waitid WNOHANG running", waitid(P_PID, c2, &si, WEXITED | WNOHANG));
    printf("si_pid zeroed: %s si_signo zeroed: %s\n", si.si_pid == 0 ? "yes" : "no", si.si_signo == 0 ? "yes" : "no");
    CHECK("waitid blocking", waitid(P_PID, c2, &si, WEXITED));
    TRUE("si_pid is the child", si.si_pid == c2);
    return 0;
}
