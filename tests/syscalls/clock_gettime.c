/* clock_gettime/clock_getres/gettimeofday/time: monotonicity, consistency, errors.
 * No timestamps are printed. Error cases use raw syscalls (the vDSO would fault). */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static long long ns(struct timespec t)
{
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    struct timespec a, b, r;
    CHECK("monotonic", clock_gettime(CLOCK_MONOTONIC, &a));
    int nondec = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        nondec &= ns(b) >= ns(a);
        a = b;
    }
    TRUE("monotonic non-decreasing", nondec);
    struct timespec ra, rb;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ra);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &rb);
    TRUE("raw monotonic non-decreasing", ns(rb) >= ns(ra));
    TRUE("raw and vdso agree", ns(rb) >= ns(a) && ns(rb) - ns(a) < 1000000000LL);
    TRUE("tv_nsec in range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000L);

    struct timespec rt;
    CHECK("realtime", clock_gettime(CLOCK_REALTIME, &rt));
    time_t t = time(NULL);
    TRUE("realtime close to time()", rt.tv_sec - t <= 1 && t - rt.tv_sec <= 1);
    TRUE("realtime after 2020", rt.tv_sec > 1577836800L);
    long raw_t = syscall(SYS_time, NULL);
    TRUE("raw time close", raw_t - t <= 1 && t - raw_t <= 1);
    struct timeval tv;
    CHECK("gettimeofday", gettimeofday(&tv, NULL));
    TRUE("gettimeofday consistent", tv.tv_sec - rt.tv_sec <= 1 && tv.tv_sec >= rt.tv_sec &&
                                         tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    CHECK("raw gettimeofday", syscall(SYS_gettimeofday, &tv, NULL));

    static const struct { const char *name; int id; } clocks[] = {
        {"REALTIME", CLOCK_REALTIME}, {"MONOTONIC", CLOCK_MONOTONIC},
        {"PROCESS_CPUTIME_ID", CLOCK_PROCESS_CPUTIME_ID}, {"THREAD_CPUTIME_ID", CLOCK_THREAD_CPUTIME_ID},
        {"MONOTONIC_RAW", CLOCK_MONOTONIC_RAW}, {"REALTIME_COARSE", CLOCK_REALTIME_COARSE},
        {"MONOTONIC_COARSE", CLOCK_MONOTONIC_COARSE}, {"BOOTTIME", CLOCK_BOOTTIME},
    };
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        errno = 0;
        long g = syscall(SYS_clock_gettime, clocks[i].id, &a);
        long s = syscall(SYS_clock_getres, clocks[i].id, &r);
        printf("%s: gettime=%ld getres=%ld res_positive=%d res_le_10ms=%d\n", clocks[i].name, g, s,
               ns(r) > 0, ns(r) <= 10000000);
    }
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &r);
    printf("MONOTONIC res ns: %lld\n", ns(r));
    syscall(SYS_clock_getres, CLOCK_REALTIME, &r);
    printf("REALTIME res ns: %lld\n", ns(r));
    struct timespec c1, c2;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    volatile unsigned long spin = 0;
    for (int i = 0; i < 2000000; i++)
        spin += i;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c2);
    TRUE("cpu time advances", ns(c2) > ns(c1));
    struct timespec bt, mo;
    clock_gettime(CLOCK_MONOTONIC, &mo);
    clock_gettime(CLOCK_BOOTTIME, &bt);
    TRUE("boottime >= monotonic", ns(bt) >= ns(mo));

    CHECK("bad clock 100", syscall(SYS_clock_gettime, 100, &a));
    CHECK("bad clock 12", syscall(SYS_clock_gettime, 12, &a));
    CHECK("getres bad clock", syscall(SYS_clock_getres, 100, &r));
    CHECK("getres NULL ok", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    CHECK("efault", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD_PTR));
    CHECK("efault realtime", syscall(SYS_clock_gettime, CLOCK_REALTIME, KERNEL_PTR));
    CHECK("gettimeofday efault", syscall(SYS_gettimeofday, BAD_PTR, NULL));
    CHECK("time efault", syscall(SYS_time, BAD_PTR));
    CHECK("clock_settime not permitted value", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &a));
    return 0;
}
