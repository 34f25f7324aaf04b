/* Waiting by process group: waitid(P_PGID), waitpid(-pgid), waitpid(0). */
#include "proc.h"

int main(void)
{
    setpgid(0, 0); /* our own group, so "our group" means just us and our children */
    int go[2];
    pipe(go);
    /* two children in a new group led by the first, one child in our group */
    pid_t a = xfork();
    if (a == 0) {
        setpgid(0, 0);
        close(go[1]);
        wait_fd(go[0]);
        _exit(1);
    }
    setpgid(a, a);
    pid_t b = xfork();
    if (b == 0) {
        setpgid(0, a);
        close(go[1]);
        wait_fd(go[0]);
        _exit(2);
    }
    setpgid(b, a);
    pid_t c = xfork();
    if (c == 0) {
        close(go[1]);
        wait_fd(go[0]);
        _exit(3);
    }
    close(go[0]);
    TRUE("a leads its group", getpgid(a) == a);
    TRUE("b is in a's group", getpgid(b) == a);
    TRUE("c is in our group", getpgid(c) == getpgid(0));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK("waitid P_PGID WNOHANG (all running)", waitid(P_PGID, a, &si, WEXITED | WNOHANG));
    close(go[1]); /* all three exit */
    int st;
    pid_t r = waitpid(0, &st, 0);
    printf("waitpid(0): c=%d %s\n", r == c, wstatus(st));
    CHECK("waitpid(0) again: nothing left in our group", waitpid(0, &st, WNOHANG));
    memset(&si, 0, sizeof si);
    CHECK("waitid P_PGID", waitid(P_PGID, a, &si, WEXITED));
    int first = si.si_status;
    pid_t firstpid = si.si_pid;
    r = waitpid(-a, &st, 0);
    int second = WEXITSTATUS(st);
    printf("group statuses: %d %d\n", first < second ? first : second, first < second ? second : first);
    TRUE("two different children", r != firstpid && (r == a || r == b) && (firstpid == a || firstpid == b));
    CHECK("waitpid(-pgid) empty group", waitpid(-a, &st, 0));
    CHECK("waitid P_PGID 0 (own group) empty", waitid(P_PGID, 0, &si, WEXITED | WNOHANG));
    return 0;
}
