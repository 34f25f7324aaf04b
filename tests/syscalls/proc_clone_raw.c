/* Raw clone/clone3 for processes: exit signals, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID,
 * __WCLONE/__WALL for children that do not signal SIGCHLD, flag validation. */
#include "proc.h"
#include <linux/sched.h>
#include <sched.h>

static long raw_clone(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls)
{
    return syscall(SYS_clone, flags, stack, ptid, ctid, tls);
}

int main(void)
{
    int ptid = 0, ctid = 0;
    fflush(stdout);
    long c = raw_clone(SIGCHLD | CLONE_PARENT_SETTID, NULL, &ptid, NULL, 0);
    if (c == 0)
        syscall(SYS_exit_group, 3);
    printf("CLONE_PARENT_SETTID wrote the pid: %s\n", ptid == c ? "yes" : "no");
    reap("clone(SIGCHLD)", (pid_t)c);
    int pp[2];
    pipe(pp);
    c = raw_clone(SIGCHLD | CLONE_CHILD_SETTID, NULL, NULL, &ctid, 0);
    if (c == 0) {
        int ok = ctid == getpid();
        write(pp[1], &ok, sizeof ok);
        syscall(SYS_exit_group, 0);
    }
    int ok = 0;
    read(pp[0], &ok, sizeof ok);
    printf("CLONE_CHILD_SETTID in the child: %s, parent's copy untouched: %s\n", ok ? "yes" : "no", ctid == 0 ? "yes" : "no");
    waitpid((pid_t)c, NULL, 0);
    /* exit signal SIGUSR1 (a "clone child"): plain waitpid does not see it */
    signal(SIGUSR1, SIG_IGN);
    c = raw_clone(SIGUSR1, NULL, NULL, NULL, 0);
    if (c == 0)
        syscall(SYS_exit_group, 8);
    int st;
    msleep(30);
    CHECK("waitpid without __WCLONE", waitpid((pid_t)c, &st, WNOHANG));
    pid_t r = waitpid((pid_t)c, &st, __WCLONE);
    printf("__WCLONE: right pid %s, %s\n", r == c ? "yes" : "no", wstatus(st));
    c = raw_clone(0, NULL, NULL, NULL, 0); /* no exit signal at all */
    if (c == 0)
        syscall(SYS_exit_group, 9);
    r = waitpid((pid_t)c, &st, __WALL);
    printf("__WALL, exit signal 0: right pid %s, %s\n", r == c ? "yes" : "no", wstatus(st));
    CHECK("clone CLONE_THREAD without CLONE_SIGHAND", raw_clone(CLONE_THREAD, NULL, NULL, NULL, 0));
    CHECK("clone CLONE_SIGHAND without CLONE_VM", raw_clone(CLONE_SIGHAND, NULL, NULL, NULL, 0));
    /* clone3 */
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.exit_signal = SIGCHLD;
    ca.parent_tid = (uintptr_t)&ptid;
    ca.flags = CLONE_PARENT_SETTID;
    ptid = 0;
    fflush(stdout);
    c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0)
        syscall(SYS_exit_group, 13);
    if (c > 0) {
        printf("clone3 parent_tid written: %s\n", ptid == c ? "yes" : "no");
        reap("clone3 child", (pid_t)c);
    } else {
        printf("clone3: %s\n", errname(errno));
    }
    CHECK("clone3 size too small", syscall(SYS_clone3, &ca, 8));
    ca.flags = 0;
    ca.exit_signal = 100;
    CHECK("clone3 bad exit_signal", syscall(SYS_clone3, &ca, sizeof ca));
    CHECK("clone3 efault", syscall(SYS_clone3, BAD_PTR, sizeof ca));
    return 0;
}
