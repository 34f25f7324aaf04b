/* A child stopped and continued: WUNTRACED, WCONTINUED, then killed; waitid WSTOPPED/WCONTINUED. */
#include "proc.h"

int main(void)
{
    int st;
    pid_t c = xfork();
    if (c == 0) {
        raise(SIGSTOP);
        for (;;)
            pause();
    }
    pid_t r = waitpid(c, &st, WUNTRACED);
    printf("WUNTRACED: right pid %d, %s\n", r == c, wstatus(st));
    TRUE("WIFSTOPPED", WIFSTOPPED(st));
    CHECK("stop not reported twice", waitpid(c, &st, WUNTRACED | WNOHANG));
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    printf("WCONTINUED: right pid %d, %s\n", r == c, wstatus(st));
    TRUE("WIFCONTINUED", WIFCONTINUED(st));
    printf("raw continued status is 0xffff: %s\n", st == 0xffff ? "yes" : "no");
    kill(c, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK("waitid WSTOPPED", waitid(P_PID, c, &si, WSTOPPED));
    printf("si_code=%s si_status=%s\n", cldcode(si.si_code), signame(si.si_status));
    CHECK("waitid WSTOPPED|WNOHANG again", waitid(P_PID, c, &si, WSTOPPED | WNOHANG));
    kill(c, SIGCONT);
    memset(&si, 0, sizeof si);
    CHECK("waitid WCONTINUED", waitid(P_PID, c, &si, WCONTINUED));
    printf("si_code=%s si_status=%s\n", cldcode(si.si_code), signame(si.si_status));
    kill(c, SIGSTOP);
    /* a stopped child is not reported without WUNTRACED */
    msleep(20);
    CHECK("plain WNOHANG does not report the stop", waitpid(c, &st, WNOHANG));
    kill(c, SIGTERM); /* pending while stopped */
    msleep(20);
    CHECK("still stopped, TERM pending", waitpid(c, &st, WNOHANG));
    kill(c, SIGCONT);
    r = waitpid(c, &st, 0);
    printf("after CONT: %s\n", wstatus(st));
    /* SIGKILL ends a stopped child */
    c = xfork();
    if (c == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    waitpid(c, &st, WUNTRACED);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("stopped then SIGKILL: %s\n", wstatus(st));
    return 0;
}
