/* A grandchild whose parent exits is reparented: its getppid changes and it keeps running. */
#include "proc.h"

int main(void)
{
    int res[2], go[2];
    pipe(res);
    pipe(go);
    pid_t mid = xfork();
    if (mid == 0) {
        pid_t before = getpid(); /* the middle process: the grandchild's first parent */
        pid_t gc = fork();
        if (gc == 0) {
            wait_fd(go[0]); /* the middle process has exited when this arrives */
            pid_t after = getppid();
            int tries = 0;
            while (after == before && tries++ < 1000) {
                msleep(1);
                after = getppid();
            }
            char msg[128];
            int n = snprintf(msg, sizeof msg, "orphan: getppid changed after parent exit: %s; still alive: yes; new parent is not 0: %s\n",
                             after != before ? "yes" : "no", after != 0 ? "yes" : "no");
            write_full(res[1], msg, n);
            _exit(0);
        }
        _exit(gc > 0 ? 0 : 1);
    }
    close(res[1]);
    int st;
    waitpid(mid, &st, 0);
    printf("middle process: %s\n", wstatus(st));
    signal_fd(go[1]);
    char buf[256];
    size_t n = read_full(res[0], buf, sizeof buf - 1); /* EOF when the grandchild exits */
    buf[n] = 0;
    fputs(buf, stdout);
    /* (not checked: whether we may now wait for it; in the sandbox we are PID 1, the reaper) */
    return 0;
}
