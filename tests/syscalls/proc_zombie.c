/* A zombie still exists (kill 0, getpgid, getsid work) until it is reaped, then ESRCH. */
#include "proc.h"

int main(void)
{
    int p[2];
    pipe(p);
    pid_t c = xfork();
    if (c == 0) {
        close(p[0]);
        _exit(6); /* closing the write end tells the parent we are gone */
    }
    close(p[1]);
    char ch;
    CHECK("read EOF once the child exited", read(p[0], &ch, 1));
    msleep(10);
    CHECK("kill(zombie, 0)", kill(c, 0));
    CHECK("kill(zombie, SIGTERM) is ignored", kill(c, SIGTERM));
    TRUE("getpgid(zombie) works", getpgid(c) == getpgid(0));
    TRUE("getsid(zombie) works", getsid(c) == getsid(0));
    CHECK("setpgid(zombie)", setpgid(c, c));
    int st;
    TRUE("reaped", waitpid(c, &st, 0) == c);
    printf("status (SIGTERM to a zombie changed nothing): %s\n", wstatus(st));
    CHECK("kill(reaped, 0)", kill(c, 0));
    CHECK("getpgid(reaped)", getpgid(c));
    CHECK("getsid(reaped)", getsid(c));
    /* many zombies at once */
    pid_t kids[20];
    for (int i = 0; i < 20; i++) {
        kids[i] = xfork();
        if (kids[i] == 0)
            _exit(i);
    }
    msleep(20);
    int alive = 0;
    for (int i = 0; i < 20; i++)
        alive += kill(kids[i], 0) == 0;
    printf("zombies answering kill 0: %d\n", alive);
    int sum = 0;
    for (int i = 0; i < 20; i++) {
        waitpid(kids[i], &st, 0);
        sum += WEXITSTATUS(st);
    }
    printf("sum of statuses: %d\n", sum);
    return 0;
}
