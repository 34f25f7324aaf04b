/* waitid: siginfo fields for exited and killed children, WNOWAIT leaves the zombie, errors. */
#include "proc.h"

int main(void)
{
    siginfo_t si;
    pid_t c = xfork();
    if (c == 0)
        _exit(42);
    memset(&si, 0, sizeof si);
    CHECK("waitid WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    printf("si_signo=%s si_code=%s si_status=%d pid ok=%d uid ok=%d\n", signame(si.si_signo),
           cldcode(si.si_code), si.si_status, si.si_pid == c, si.si_uid == getuid());
    memset(&si, 0, sizeof si);
    CHECK("waitid WNOWAIT again", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT));
    TRUE("same child still there", si.si_pid == c);
    int st;
    TRUE("waitpid still finds the zombie", waitpid(c, &st, 0) == c);
    printf("status: %s\n", wstatus(st));

    c = xfork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    kill(c, SIGKILL);
    memset(&si, 0, sizeof si);
    CHECK("waitid killed", waitid(P_PID, c, &si, WEXITED));
    printf("si_signo=%s si_code=%s si_status=%s\n", signame(si.si_signo), cldcode(si.si_code), signame(si.si_status));

    CHECK("waitid no WEXITED etc", waitid(P_ALL, 0, &si, WNOHANG));
    CHECK("waitid bad idtype", waitid((idtype_t)42, 0, &si, WEXITED));
    CHECK("waitid no children", waitid(P_ALL, 0, &si, WEXITED));
    CHECK("waitid P_PID non-child", waitid(P_PID, getpid(), &si, WEXITED));
    CHECK("waitid bad options", waitid(P_ALL, 0, &si, WEXITED | 0x100000));
    c = xfork();
    if (c == 0)
        _exit(1);
    CHECK("waitid NULL infop reaps", syscall(SYS_waitid, P_PID, c, NULL, WEXITED, NULL));
    c = xfork();
    if (c == 0)
        _exit(2);
    struct rusage ru;
    CHECK("raw waitid with rusage", syscall(SYS_waitid, P_PID, c, &si, WEXITED, &ru));
    printf("si_status=%d\n", si.si_status);
    return 0;
}
