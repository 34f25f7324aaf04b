/* vfork: the parent is suspended until the child execs or exits; memory is shared meanwhile. */
#include "proc.h"

static volatile int shared_var = 1;

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 44;
    fflush(stdout);
    pid_t c = vfork();
    if (c == 0) {
        shared_var = 2; /* visible to the parent: same memory until exec/exit */
        _exit(5);
    }
    int st;
    waitpid(c, &st, 0);
    printf("vfork+_exit: %s, child's write visible: %s\n", wstatus(st), shared_var == 2 ? "yes" : "no");
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        char *av[] = {argv[0], "child", NULL};
        execv(argv[0], av);
        _exit(127);
    }
    /* by the time vfork returns in the parent the child has exec'd: it is a separate process */
    waitpid(c, &st, 0);
    printf("vfork+execv self: %s\n", wstatus(st));
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        char *av[] = {"sh", "-c", "exit 12", NULL};
        execv("/bin/sh", av);
        _exit(127);
    }
    waitpid(c, &st, 0);
    printf("vfork+exec sh: %s\n", wstatus(st));
    fflush(stdout);
    c = vfork();
    if (c == 0) {
        char *av[] = {"x", NULL};
        execv("/nonexistent", av);
        _exit(errno == ENOENT ? 99 : 98);
    }
    waitpid(c, &st, 0);
    printf("vfork+failed exec: %s\n", wstatus(st));
    /* raw vfork syscall: the parent runs only after the child has exited */
    fflush(stdout);
    static volatile int order = 0;
    c = (pid_t)syscall(SYS_vfork);
    if (c == 0) {
        order = order * 10 + 1;
        syscall(SYS_exit, 0);
    }
    order = order * 10 + 2;
    waitpid(c, &st, 0);
    printf("raw vfork order (child first): %d\n", order);
    /* CLONE_VFORK via clone: the parent sees the child's getpid */
    return 0;
}
