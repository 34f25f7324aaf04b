/* setsid/getsid: a new session in a child, errors for leaders and cross-session moves. */
#include "proc.h"

int main(void)
{
    int back[2], go[2];
    pipe(back);
    pipe(go);
    pid_t c = xfork();
    if (c == 0) {
        pid_t oldsid = getsid(0);
        pid_t s = setsid();
        printf("child: setsid returned own pid: %s\n", s == getpid() ? "yes" : "no");
        printf("child: getsid(0) == pid: %s, getpgid(0) == pid: %s, sid changed: %s\n",
               getsid(0) == getpid() ? "yes" : "no", getpgid(0) == getpid() ? "yes" : "no", oldsid != getsid(0) ? "yes" : "no");
        CHECK("child: setsid again (already a leader)", setsid());
        CHECK("child: setpgid as session leader", setpgid(0, 0));
        CHECK("child: move into parent's group (other session)", setpgid(0, getpgid(getppid())));
        TRUE("child: getsid(parent) is the old session", getsid(getppid()) == oldsid);
        /* a grandchild in our session may make its own group, but not join one from another session */
        fflush(stdout);
        pid_t g = fork();
        if (g == 0) {
            TRUE("grandchild: in the new session", getsid(0) == getppid());
            CHECK("grandchild: setpgid(0,0)", setpgid(0, 0));
            CHECK("grandchild: setsid as group leader", setsid());
            fflush(stdout);
            _exit(0);
        }
        waitpid(g, NULL, 0);
        fflush(stdout);
        signal_fd(back[1]);
        wait_fd(go[0]);
        _exit(0);
    }
    wait_fd(back[0]);
    CHECK("parent: setpgid of a child in another session", setpgid(c, c));
    CHECK("parent: setpgid of a child in another session to its own group", setpgid(c, getpgid(0)));
    TRUE("parent: getsid(child) == child", getsid(c) == c);
    CHECK("getsid of nonexistent", getsid(999999));
    CHECK("getsid negative", getsid(-1));
    signal_fd(go[1]);
    reap("child", c);
    /* a fresh child that is not a group leader can setsid even though it is in our group */
    c = xfork();
    if (c == 0)
        _exit(setsid() == getpid() ? 0 : 1);
    reap("setsid in a fresh child", c);
    return 0;
}
