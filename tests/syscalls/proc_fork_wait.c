/* fork + wait4: return values, parent/child relations, exit status seen by the parent. */
#include "proc.h"

int main(void)
{
    int p[2];
    pipe(p);
    pid_t me = getpid();
    pid_t c = xfork();
    if (c == 0) {
        pid_t info[2] = {getpid(), getppid()};
        write_full(p[1], info, sizeof info);
        _exit(7);
    }
    TRUE("fork returned a positive pid in the parent", c > 0);
    pid_t info[2];
    read_full(p[0], info, sizeof info);
    TRUE("child's getpid equals fork's return", info[0] == c);
    TRUE("child's getppid equals parent's getpid", info[1] == me);
    TRUE("child pid differs from parent", c != me);
    int st = 0;
    struct rusage ru;
    pid_t r = wait4(c, &st, 0, &ru);
    TRUE("wait4 returned the child", r == c);
    printf("status: %s\n", wstatus(st));
    TRUE("WIFEXITED", WIFEXITED(st));
    printf("WEXITSTATUS=%d\n", WEXITSTATUS(st));
    CHECK("wait4 again", wait4(c, &st, 0, NULL));
    CHECK("wait4(-1) no children", wait4(-1, &st, 0, NULL));
    CHECK("wait4 bad options", wait4(-1, &st, 0x12345678, NULL));
    pid_t c2 = xfork();
    if (c2 == 0)
        _exit(0);
    CHECK("wait4 efault status", syscall(SYS_wait4, c2, BAD_PTR, 0, NULL));
    CHECK("wait4 after efault still reaps", wait4(c2, &st, 0, NULL) == c2);
    pid_t c3 = xfork();
    if (c3 == 0)
        _exit(3);
    TRUE("wait(NULL) returns the child", wait(NULL) == c3);
    return 0;
}
