/* Several children exiting in a controlled order; waitpid for specific pids in reverse order,
 * then wait(-1) collects the rest in whatever order (the set is printed sorted). */
#include "proc.h"

#define N 6

int main(void)
{
    pid_t kids[N];
    int go[N][2];
    for (int i = 0; i < N; i++) {
        pipe(go[i]);
        kids[i] = xfork();
        if (kids[i] == 0) {
            close(go[i][1]);
            wait_fd(go[i][0]);
            _exit(10 + i);
        }
        close(go[i][0]);
    }
    /* let them all exit, then reap the last three in reverse order by pid */
    for (int i = 0; i < N; i++)
        signal_fd(go[i][1]);
    for (int i = N - 1; i >= N / 2; i--) {
        int st;
        pid_t r = waitpid(kids[i], &st, 0);
        printf("waitpid(kid %d): %s, right pid %s\n", i, wstatus(st), r == kids[i] ? "yes" : "no");
    }
    int seen[N] = {0};
    for (;;) {
        int st;
        pid_t r = wait(&st);
        if (r < 0) {
            printf("wait: errno=%s\n", errname(errno));
            break;
        }
        for (int i = 0; i < N; i++)
            if (kids[i] == r)
                seen[i] = WEXITSTATUS(st);
    }
    for (int i = 0; i < N; i++)
        printf("kid %d collected by wait(-1): %d\n", i, seen[i]);
    /* a child that exits only after the parent starts waiting */
    int g[2];
    pipe(g);
    pid_t slow = xfork();
    if (slow == 0) {
        msleep(30);
        _exit(99);
    }
    int st;
    TRUE("blocking waitpid for a late child", waitpid(-1, &st, 0) == slow);
    printf("late child: %s\n", wstatus(st));
    return 0;
}
