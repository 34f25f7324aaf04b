/* SECCOMP_MODE_STRICT: read, write, _exit and rt_sigreturn only; any other call is SIGKILL.
 * (Needs a program that starts without a filter: natively, not under docker's profile.) */
#include "seccomp.h"

static void strict_prctl(void)
{
    fflush(stdout);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0) { printf("PR_SET_SECCOMP: %s\n", errname(errno)); return; }
    static const char msg[] = "write works in strict mode\n";
    syscall(SYS_write, 1, msg, sizeof msg - 1);
    char c;
    syscall(SYS_read, -1, &c, 1);
    syscall(SYS_getppid);
    syscall(SYS_write, 1, "not reached\n", 12);
}

static void strict_exit(void)
{
    fflush(stdout);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL) != 0) { printf("seccomp: %s\n", errname(errno)); return; }
    syscall(SYS_exit, 7);
}

static void strict_exit_group(void)
{
    fflush(stdout);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL) != 0) { printf("seccomp: %s\n", errname(errno)); return; }
    syscall(SYS_exit_group, 7);
}

int main(void)
{
    in_child("strict, then getppid", strict_prctl);
    in_child("strict, then _exit(7)", strict_exit);
    in_child("strict, then exit_group(7)", strict_exit_group);
    return 0;
}
