/* POSIX timers: timer_create with SIGEV_SIGNAL and si_value, periodic overruns, timer_gettime,
 * delete, errors; SIGEV_NONE. */
#include "proc.h"
#include <time.h>

static volatile int fired, code, val;
static void h(int s, siginfo_t *si, void *u)
{
    (void)s;
    (void)u;
    fired++;
    code = si->si_code;
    val = si->si_value.sival_int;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    sev.sigev_value.sival_int = 777;
    timer_t t;
    CHECK("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}}, cur;
    CHECK("timer_settime one-shot 20ms", timer_settime(t, 0, &its, NULL));
    timer_gettime(t, &cur);
    printf("armed: remaining <= 20ms and > 0: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
    while (!fired)
        pause();
    printf("fired=%d code=%s value=%d\n", fired, sicode(code), val);
    timer_gettime(t, &cur);
    printf("disarmed after firing: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    /* periodic with the signal blocked: overruns accumulate */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &m, NULL);
    struct itimerspec per = {{0, 5 * 1000 * 1000}, {0, 5 * 1000 * 1000}};
    timer_settime(t, 0, &per, NULL);
    msleep(100);
    siginfo_t si;
    sigwaitinfo(&m, &si);
    int ov = timer_getoverrun(t);
    printf("periodic while blocked: one signal queued, overrun >= 5: %s, si_overrun matches: %s\n", ov >= 5 || si.si_overrun >= 5 ? "yes" : "no",
           si.si_overrun >= 5 ? "yes" : "no");
    struct itimerspec zero = {{0, 0}, {0, 0}};
    timer_settime(t, 0, &zero, NULL);
    CHECK("timer_delete", timer_delete(t));
    CHECK("timer_delete again", timer_delete(t));
    CHECK("timer_settime on a deleted timer", timer_settime(t, 0, &its, NULL));
    CHECK("timer_create bad clock", timer_create(12345, &sev, &t));
    sev.sigev_signo = 100;
    CHECK("timer_create bad signal", timer_create(CLOCK_MONOTONIC, &sev, &t));
    sev.sigev_notify = SIGEV_NONE;
    CHECK("timer_create SIGEV_NONE", timer_create(CLOCK_REALTIME, &sev, &t));
    its.it_value.tv_sec = 10;
    timer_settime(t, 0, &its, NULL);
    timer_gettime(t, &cur);
    printf("SIGEV_NONE timer counts down: %d\n", cur.it_value.tv_sec >= 9 && cur.it_value.tv_sec <= 10);
    its.it_value.tv_nsec = 2000000000L;
    CHECK("timer_settime bad nsec", timer_settime(t, 0, &its, NULL));
    /* absolute time in the past fires at once */
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN;
    timer_t t2;
    timer_create(CLOCK_REALTIME, &sev, &t2);
    struct itimerspec past = {{0, 0}, {1, 0}};
    timer_settime(t2, TIMER_ABSTIME, &past, NULL);
    struct timespec z = {1, 0};
    printf("absolute time in the past fires: %s\n", sigtimedwait(&m, &si, &z) == SIGRTMIN ? "yes" : "no");
    return 0;
}
