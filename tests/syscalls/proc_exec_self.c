/* execve of our own binary with a new argv and envp; the pid is kept, the exit status travels. */
#include "proc.h"

int main(int argc, char **argv, char **envp)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        printf("exec'd child: argc=%d\n", argc);
        for (int i = 1; i < argc; i++)
            if (i != 2)
                printf("  argv[%d]=%s\n", i, argv[i]);
        int n = 0;
        for (char **e = envp; *e; e++, n++)
            printf("  env %s\n", *e);
        printf("  %d environment entries\n", n);
        printf("  same pid as before exec: %s\n", atoi(argv[2]) == getpid() ? "yes" : "no");
        return 33;
    }
    (void)envp;
    pid_t c = xfork();
    if (c == 0) {
        char pidbuf[32];
        snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
        char *nargv[] = {argv[0], "child", pidbuf, "", "with space", "last", NULL};
        char *nenvp[] = {"A=1", "EMPTY=", "B=two words", NULL};
        execve(argv[0], nargv, nenvp);
        printf("execve failed: %s\n", errname(errno));
        _exit(1);
    }
    reap("exec'd child", c);
    c = xfork();
    if (c == 0) {
        char *nargv[] = {argv[0], "child", "0", NULL};
        char *nenvp[] = {NULL};
        execve(argv[0], nargv, nenvp);
        _exit(1);
    }
    reap("empty environment", c);
    return 0;
}
