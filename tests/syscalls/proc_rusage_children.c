/* getrusage(RUSAGE_CHILDREN), wait4's rusage and times() account for reaped children only. */
#include "proc.h"
#include <sys/times.h>

static void burn(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += i;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 120000000L);
}

static long us(struct timeval t) { return t.tv_sec * 1000000L + t.tv_usec; }

int main(void)
{
    struct rusage before, after, w;
    getrusage(RUSAGE_CHILDREN, &before);
    struct tms t0, t1;
    times(&t0);
    pid_t c = xfork();
    if (c == 0) {
        burn();
        _exit(0);
    }
    /* not yet reaped: the children's usage does not include it */
    msleep(10);
    int st;
    waitpid(c, &st, WNOHANG | WNOWAIT);
    struct rusage mid;
    getrusage(RUSAGE_CHILDREN, &mid);
    TRUE("RUSAGE_CHILDREN unchanged before reaping", us(mid.ru_utime) + us(mid.ru_stime) == us(before.ru_utime) + us(before.ru_stime));
    wait4(c, &st, 0, &w);
    TRUE("wait4 rusage: child used >= 50ms of CPU", us(w.ru_utime) + us(w.ru_stime) >= 50000);
    getrusage(RUSAGE_CHILDREN, &after);
    long d = us(after.ru_utime) + us(after.ru_stime) - us(before.ru_utime) - us(before.ru_stime);
    TRUE("RUSAGE_CHILDREN grew by >= 50ms", d >= 50000);
    TRUE("RUSAGE_CHILDREN grew by what wait4 reported", d == us(w.ru_utime) + us(w.ru_stime));
    times(&t1);
    TRUE("times: children's user+system ticks grew", (t1.tms_cutime + t1.tms_cstime) > (t0.tms_cutime + t0.tms_cstime));
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    TRUE("our own CPU time is much less than the child's", us(self.ru_utime) + us(self.ru_stime) < us(w.ru_utime) + us(w.ru_stime));
    TRUE("maxrss of children > 0", after.ru_maxrss > 0);
    CHECK("getrusage bad who", getrusage(5, &self));
    CHECK("getrusage RUSAGE_THREAD", getrusage(RUSAGE_THREAD, &self));
    /* a grandchild's usage reaches us through its parent once both are reaped */
    struct rusage g0, g1;
    getrusage(RUSAGE_CHILDREN, &g0);
    c = xfork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            burn();
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    getrusage(RUSAGE_CHILDREN, &g1);
    TRUE("grandchild CPU time counted via its reaped parent", us(g1.ru_utime) + us(g1.ru_stime) - us(g0.ru_utime) - us(g0.ru_stime) >= 50000);
    return 0;
}
