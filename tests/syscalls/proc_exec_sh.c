/* fork + execve /bin/sh -c: output through a pipe, the shell's exit status reaches the parent. */
#include "proc.h"

static void run(const char *script)
{
    int p[2];
    pipe(p);
    pid_t c = xfork();
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char *av[] = {"sh", "-c", (char *)script, NULL};
        char *ev[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
        execve("/bin/sh", av, ev);
        _exit(127);
    }
    close(p[1]);
    char buf[512];
    size_t n = read_full(p[0], buf, sizeof buf - 1);
    buf[n] = 0;
    close(p[0]);
    int st;
    waitpid(c, &st, 0);
    printf("[%s] -> %s, output:\n%s", script, wstatus(st), buf);
}

int main(void)
{
    run("echo hello; exit 3");
    run("x=1; while [ $x -le 5 ]; do printf '%s ' $x; x=$((x+1)); done; echo");
    run("true && echo and-ok; false || echo or-ok");
    run("kill -TERM $$");
    run("exit 255");
    run("echo sub $(echo inner)");
    run("nonexistent-command-xyz 2>/dev/null; echo status $?");
    return 0;
}
