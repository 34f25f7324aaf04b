/* PR_SET_CHILD_SUBREAPER: orphaned grandchildren are reparented to us and we can reap them. */
#include "proc.h"

int main(void)
{
    CHECK("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1));
    int v = -1;
    prctl(PR_GET_CHILD_SUBREAPER, &v);
    printf("subreaper: %d\n", v);
    int res[2], go[2];
    pipe(res);
    pipe(go);
    pid_t me = getpid();
    pid_t mid = xfork();
    if (mid == 0) {
        int cv = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &cv);
        printf("child inherits subreaper flag: %d\n", cv);
        fflush(stdout);
        pid_t gc = fork();
        if (gc == 0) {
            wait_fd(go[0]);
            int tries = 0;
            while (getppid() != me && tries++ < 1000)
                msleep(1);
            char ok = getppid() == me ? 'y' : 'n';
            write_full(res[1], &ok, 1);
            _exit(17);
        }
        write_full(res[1], &gc, sizeof gc);
        _exit(0);
    }
    pid_t gc;
    read_full(res[0], &gc, sizeof gc);
    int st;
    waitpid(mid, &st, 0);
    printf("middle: %s\n", wstatus(st));
    signal_fd(go[1]);
    char ok = '?';
    read_full(res[0], &ok, 1);
    printf("grandchild reparented to the subreaper: %c\n", ok);
    pid_t r = waitpid(-1, &st, 0);
    printf("subreaper reaps the grandchild: %s, %s\n", r == gc ? "yes" : "no", wstatus(st));
    return 0;
}
