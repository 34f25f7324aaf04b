/* Identity relations across fork: pids, tids, ppid, pgid, sid, uids, thread-group equality. */
#include "proc.h"

int main(void)
{
    TRUE("gettid == getpid in the main thread", gettid() == getpid());
    int p[2];
    pipe(p);
    pid_t me = getpid(), pg = getpgid(0), sid = getsid(0);
    uid_t u = getuid();
    pid_t c = xfork();
    if (c == 0) {
        int r[8] = {getpid() != me, getppid() == me, gettid() == getpid(), getpgid(0) == pg, getsid(0) == sid, getuid() == u,
                    (int)syscall(SYS_getppid) == me, getpgrp() == pg};
        write_full(p[1], r, sizeof r);
        _exit(0);
    }
    int r[8];
    read_full(p[0], r, sizeof r);
    printf("child: new pid=%d ppid=parent=%d tid=pid=%d same pgid=%d same sid=%d same uid=%d raw getppid=%d getpgrp=%d\n", r[0], r[1], r[2],
           r[3], r[4], r[5], r[6], r[7]);
    waitpid(c, NULL, 0);
    /* pids of consecutive children differ */
    pid_t a = xfork();
    if (a == 0)
        _exit(0);
    pid_t b = xfork();
    if (b == 0)
        _exit(0);
    TRUE("two live children have different pids", a != b);
    waitpid(a, NULL, 0);
    waitpid(b, NULL, 0);
    /* getppid after the parent reaps: unchanged for the parent itself */
    TRUE("our own getppid is stable", getppid() == getppid());
    return 0;
}
