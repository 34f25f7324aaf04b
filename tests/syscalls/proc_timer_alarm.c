/* alarm(): SIGALRM arrives after the delay; the remaining time is returned; alarm(0) cancels;
 * the default action kills; pause() is woken. */
#include "proc.h"
#include <sys/time.h>

static volatile int got;
static void h(int s) { got = s; }

int main(void)
{
    signal(SIGALRM, h);
    CHECK("alarm(5) with none pending", alarm(5));
    unsigned left = alarm(0);
    printf("alarm(0) returned the remaining seconds (4 or 5): %s\n", left == 4 || left == 5 ? "yes" : "no");
    CHECK("alarm(0) again", alarm(0));
    /* ualarm for sub-second precision */
    ualarm(30000, 0);
    pause();
    printf("pause woken by %s\n", signame(got));
    got = 0;
    /* alarm() shares the ITIMER_REAL timer with setitimer */
    alarm(7);
    struct itimerval it;
    getitimer(ITIMER_REAL, &it);
    printf("alarm(7) seen by getitimer: %s\n", it.it_value.tv_sec >= 6 && it.it_value.tv_sec <= 7 ? "yes" : "no");
    alarm(0);
    pid_t c = xfork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        ualarm(20000, 0);
        for (;;)
            pause();
    }
    reap("child with the default SIGALRM action", c);
    /* an alarm is not inherited by fork */
    ualarm(100000, 0);
    c = xfork();
    if (c == 0) {
        signal(SIGALRM, SIG_DFL);
        msleep(200);
        _exit(0);
    }
    reap("fork does not inherit a pending alarm", c);
    while (!got)
        pause();
    return 0;
}
