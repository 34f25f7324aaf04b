/* prctl(2): task name, dumpable, no_new_privs, pdeathsig and friends. */
#include "common.h"
#include <sys/prctl.h>

int main(void)
{
    char name[32];
    memset(name, 0, sizeof name);
    CHECK("PR_GET_NAME", prctl(PR_GET_NAME, name));
    printf("initial name: %s\n", name);
    CHECK("PR_SET_NAME", prctl(PR_SET_NAME, "renamed-task"));
    prctl(PR_GET_NAME, name);
    printf("name: %s\n", name);
    CHECK("PR_SET_NAME long", prctl(PR_SET_NAME, "a-very-long-task-name-that-is-truncated"));
    prctl(PR_GET_NAME, name);
    printf("name: %s (len %zu)\n", name, strlen(name));
    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    CHECK("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
    CHECK("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
    CHECK("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
    CHECK("PR_SET_DUMPABLE 1", prctl(PR_SET_DUMPABLE, 1));
    CHECK("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    int sig = -1;
    CHECK("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig));
    printf("pdeathsig: %d\n", sig);
    CHECK("PR_SET_PDEATHSIG bad", prctl(PR_SET_PDEATHSIG, 99));
    CHECK("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS));
    CHECK("PR_GET_TIMERSLACK > 0", prctl(PR_GET_TIMERSLACK) > 0);
    CHECK("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP));
    CHECK("PR_GET_CHILD_SUBREAPER", (prctl(PR_GET_CHILD_SUBREAPER, &sig), sig));
    CHECK("bad option", prctl(0x7fff));
    CHECK("PR_GET_NAME efault", syscall(SYS_prctl, PR_GET_NAME, BAD_PTR));
    return 0;
}
