/* Children killed by signals (sent and synchronous): the parent sees WIFSIGNALED/WTERMSIG. */
#include "proc.h"

static volatile int zero = 0;

static void die(int how)
{
    no_core();
    switch (how) {
    case 0: kill(getpid(), SIGTERM); break;
    case 1: raise(SIGKILL); break;
    case 2: { volatile int *p = (int *)8; *p = 1; break; }
    case 3: abort();
    case 4: { int a = 1, d = zero; __asm__ volatile("cltd; idivl %1" : "+a"(a) : "r"(d) : "edx"); break; }
    case 5: __asm__ volatile("ud2"); break;
    case 6: raise(SIGINT); break;
    case 7: raise(SIGHUP); break;
    case 8: raise(SIGUSR2); break;
    case 9: raise(SIGQUIT); break;
    case 10: raise(SIGALRM); break;
    case 11: __asm__ volatile("int3"); break;
    case 12: raise(SIGRTMIN + 1); break;
    }
    _exit(100);
}

int main(void)
{
    const char *what[] = {"kill SIGTERM", "raise SIGKILL", "NULL store", "abort", "divide by zero", "ud2",
                          "SIGINT", "SIGHUP", "SIGUSR2", "SIGQUIT", "SIGALRM", "int3", "SIGRTMIN+1"};
    for (int i = 0; i < 13; i++) {
        pid_t c = xfork();
        if (c == 0)
            die(i);
        int st;
        waitpid(c, &st, 0);
        printf("%-14s: %s WIFSIGNALED=%d WIFEXITED=%d\n", what[i], wstatus(st), WIFSIGNALED(st) != 0, WIFEXITED(st) != 0);
    }
    /* killed by the parent while blocked */
    pid_t c = xfork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGTERM);
    reap("pause()ing child sent SIGTERM", c);
    return 0;
}
