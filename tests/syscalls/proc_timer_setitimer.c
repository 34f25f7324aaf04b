/* setitimer/getitimer: ITIMER_REAL periodic ticks, remaining value, disarming, errors;
 * ITIMER_VIRTUAL/PROF fire on CPU time. */
#include "proc.h"
#include <sys/time.h>

static volatile int ticks, vticks, pticks;
static void h(int s)
{
    if (s == SIGALRM) ticks++;
    if (s == SIGVTALRM) vticks++;
    if (s == SIGPROF) pticks++;
}

int main(void)
{
    signal(SIGALRM, h);
    signal(SIGVTALRM, h);
    signal(SIGPROF, h);
    struct itimerval it = {{0, 20000}, {0, 20000}}, old, cur;
    CHECK("setitimer REAL 20ms periodic", setitimer(ITIMER_REAL, &it, &old));
    printf("old value was zero: %d\n", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
    getitimer(ITIMER_REAL, &cur);
    printf("interval kept: %ld us, value <= 20ms: %d\n", (long)cur.it_interval.tv_usec, cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 20000);
    while (ticks < 5)
        pause();
    struct itimerval zero = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &zero, &old);
    printf("5 ticks seen; disarmed: old interval %ld us\n", (long)old.it_interval.tv_usec);
    int t = ticks;
    msleep(60);
    printf("no more ticks after disarm: %d\n", ticks == t);
    getitimer(ITIMER_REAL, &cur);
    printf("getitimer disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    struct itimerval v = {{0, 10000}, {0, 10000}};
    setitimer(ITIMER_VIRTUAL, &v, NULL);
    setitimer(ITIMER_PROF, &v, NULL);
    volatile unsigned long x = 0;
    while (vticks < 3 || pticks < 3)
        x++;
    setitimer(ITIMER_VIRTUAL, &zero, NULL);
    setitimer(ITIMER_PROF, &zero, NULL);
    printf("virtual and prof timers fired on CPU time: yes\n");
    CHECK("setitimer bad which", setitimer(7, &it, NULL));
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    CHECK("setitimer usec too big", setitimer(ITIMER_REAL, &bad, NULL));
    CHECK("getitimer bad which", getitimer(7, &cur));
    CHECK("getitimer efault", getitimer(ITIMER_REAL, BAD_PTR));
    return 0;
}
