/* time(2), times(2), getrusage(2) and libc time conversions of fixed values. */
#include "common.h"
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

int main(void)
{
    time_t a = time(NULL), b;
    time_t c = time(&b);
    TRUE("time(&t) stores result", b == c);
    TRUE("time non-decreasing", c >= a);
    long raw = syscall(SYS_time, NULL);
    TRUE("raw time consistent", raw >= a && raw - a <= 1);
    time_t rawstore = 0;
    long raw2 = syscall(SYS_time, &rawstore);
    TRUE("raw time stores", raw2 == rawstore);
    struct tms t;
    clock_t ticks = times(&t);
    TRUE("times returns a value", ticks != (clock_t)-1);
    TRUE("tms fields non-negative", t.tms_utime >= 0 && t.tms_stime >= 0 && t.tms_cutime == 0 && t.tms_cstime == 0);
    clock_t ticks2 = times(NULL);
    TRUE("times(NULL) non-decreasing", ticks2 >= ticks);
    struct rusage ru;
    CHECK("getrusage self", getrusage(RUSAGE_SELF, &ru));
    TRUE("maxrss > 0", ru.ru_maxrss > 0);
    CHECK("getrusage children", getrusage(RUSAGE_CHILDREN, &ru));
    TRUE("children utime 0", ru.ru_utime.tv_sec == 0 && ru.ru_utime.tv_usec == 0);
    CHECK("getrusage thread", getrusage(RUSAGE_THREAD, &ru));
    CHECK("getrusage bad who", syscall(SYS_getrusage, 5, &ru));
    CHECK("getrusage efault", syscall(SYS_getrusage, RUSAGE_SELF, BAD_PTR));
    time_t epoch = 0, fixed = 1700000000;
    struct tm tm;
    char s[64];
    gmtime_r(&epoch, &tm);
    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S", &tm);
    printf("gmtime(0): %s\n", s);
    gmtime_r(&fixed, &tm);
    strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S %a", &tm);
    printf("gmtime(1700000000): %s\n", s);
    TRUE("timegm round trip", timegm(&tm) == fixed);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    TRUE("gettimeofday near time()", tv.tv_sec >= a && tv.tv_sec - a <= 1);
    struct itimerval it;
    CHECK("getitimer REAL", getitimer(ITIMER_REAL, &it));
    printf("ITIMER_REAL disarmed: %d\n", it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0);
    CHECK("getitimer bad which", syscall(SYS_getitimer, 7, &it));
    return 0;
}
