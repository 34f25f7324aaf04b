/* set_tid_address(2) returns the caller's tid; gettid/getpid agree in a single thread.
 * No pid values are printed. */
#include "common.h"

static int clear_me;

int main(void)
{
    long tid = syscall(SYS_gettid);
    long r = syscall(SYS_set_tid_address, &clear_me);
    TRUE("returns tid", r == tid);
    TRUE("tid positive", tid > 0);
    TRUE("tid == pid (single thread)", tid == getpid());
    TRUE("ppid differs", getppid() != getpid());
    /* The sandbox's first task is PID 1 of its own PID space: its parent is 0, not the host's. */
    TRUE("ppid non-negative", getppid() >= 0);
    r = syscall(SYS_set_tid_address, NULL);
    TRUE("NULL accepted", r == tid);
    r = syscall(SYS_set_tid_address, BAD_PTR);
    TRUE("bad pointer accepted (only used at exit)", r == tid);
    syscall(SYS_set_tid_address, &clear_me);
    TRUE("getpgid(0) == getpgrp()", getpgid(0) == getpgrp());
    /* 0 where the session leader lives outside our PID namespace (CI containers). */
    TRUE("getsid succeeds", getsid(0) >= 0);
    CHECK("getpgid bad pid", getpgid(0x3fffffff));
    CHECK("getsid bad pid", getsid(0x3fffffff));
    return 0;
}
