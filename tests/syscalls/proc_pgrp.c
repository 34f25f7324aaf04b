/* setpgid/getpgid/getpgrp rules and errors, done in a child that starts its own group. */
#include "proc.h"

int main(void)
{
    int res[2];
    pipe(res);
    pid_t top = xfork();
    if (top == 0) {
        /* this process is not a session leader (natively nor in the sandbox) */
        CHECK("setpgid(0,0)", setpgid(0, 0));
        TRUE("getpgid(0) == getpid", getpgid(0) == getpid());
        TRUE("getpgrp() == getpid", getpgrp() == getpid());
        TRUE("getpgid(self pid) == getpid", getpgid(getpid()) == getpid());
        CHECK("setpgid(0,0) again", setpgid(0, 0));
        CHECK("setpgid negative pgid", setpgid(0, -5));
        CHECK("setpgid of a non-child", setpgid(getppid(), 0));
        CHECK("setpgid of a nonexistent pid", setpgid(999999, 0));
        CHECK("getpgid nonexistent", getpgid(999999));
        CHECK("getpgid negative", getpgid(-3));
        int go[2], back[2];
        pipe(go);
        pipe(back);
        pid_t c = fork();
        if (c == 0) {
            char ok = getpgid(0) == getppid() ? 'y' : 'n';
            write(back[1], &ok, 1);
            wait_fd(go[0]); /* parent moves us around meanwhile */
            ok = getpgid(0) == getpid() ? 'y' : 'n';
            write(back[1], &ok, 1);
            wait_fd(go[0]);
            /* once exec'd, the shell says so on fd 3 (the back pipe) */
            char *av[] = {"sh", "-c", "echo >&3; read x", NULL};
            dup2(go[0], 0);
            dup2(back[1], 3);
            close(go[1]);
            execv("/bin/sh", av);
            _exit(127);
        }
        char ok;
        read(back[0], &ok, 1);
        printf("child starts in the parent's group: %c\n", ok);
        CHECK("parent puts the child in its own group", setpgid(c, c));
        TRUE("getpgid(child) == child", getpgid(c) == c);
        CHECK("move the child back into our group", setpgid(c, getpgid(0)));
        CHECK("and into its own again", setpgid(c, 0));
        CHECK("into a group that does not exist", setpgid(c, 999999));
        signal_fd(go[1]);
        read(back[0], &ok, 1);
        printf("child sees its own group: %c\n", ok);
        signal_fd(go[1]); /* the child execs */
        read(back[0], &ok, 1);
        CHECK("setpgid on a child that has exec'd", setpgid(c, getpgid(0)));
        write(go[1], "\n", 1);
        close(go[1]);
        int st;
        waitpid(c, &st, 0);
        printf("sh child: %s\n", wstatus(st));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(top, &st, 0);
    printf("top: %s\n", wstatus(st));
    return 0;
}
