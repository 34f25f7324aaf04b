/* nanosleep(2) and clock_nanosleep(2): sleeps last at least as long as asked; validation. */
#include "common.h"
#include <time.h>

static long long now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    struct timespec req = {0, 10 * 1000 * 1000}, rem = {99, 99};
    long long t0 = now(CLOCK_MONOTONIC);
    CHECK("nanosleep 10ms", nanosleep(&req, &rem));
    long long t1 = now(CLOCK_MONOTONIC);
    TRUE("elapsed >= 10ms", t1 - t0 >= 10000000LL);
    TRUE("elapsed < 1s", t1 - t0 < 1000000000LL);
    TRUE("rem untouched on success", rem.tv_sec == 99 && rem.tv_nsec == 99);
    struct timespec zero = {0, 0};
    CHECK("nanosleep 0", nanosleep(&zero, NULL));
    struct timespec bad = {0, 1000000000L};
    CHECK("tv_nsec 1e9", syscall(SYS_nanosleep, &bad, NULL));
    struct timespec neg = {0, -1};
    CHECK("tv_nsec -1", syscall(SYS_nanosleep, &neg, NULL));
    struct timespec negsec = {-1, 0};
    CHECK("tv_sec -1", syscall(SYS_nanosleep, &negsec, NULL));
    CHECK("efault req", syscall(SYS_nanosleep, BAD_PTR, NULL));

    t0 = now(CLOCK_MONOTONIC);
    CHECK_ERR("clock_nanosleep rel 10ms", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
    t1 = now(CLOCK_MONOTONIC);
    TRUE("clock_nanosleep elapsed >= 10ms", t1 - t0 >= 10000000LL);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 5000000;
    if (abs.tv_nsec >= 1000000000L) {
        abs.tv_nsec -= 1000000000L;
        abs.tv_sec++;
    }
    CHECK_ERR("clock_nanosleep abstime +5ms", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
    TRUE("reached deadline", now(CLOCK_MONOTONIC) >= abs.tv_sec * 1000000000LL + abs.tv_nsec);
    struct timespec past = {1, 0};
    CHECK_ERR("clock_nanosleep abstime past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
    CHECK_ERR("clock_nanosleep realtime abstime past", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL));
    CHECK_ERR("clock_nanosleep bad clock", clock_nanosleep(100, 0, &req, NULL));
    CHECK_ERR("clock_nanosleep thread cputime", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));
    CHECK_ERR("clock_nanosleep bad nsec", clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL));
    CHECK("raw clock_nanosleep bad flags", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0x100, &zero, NULL));
    CHECK("raw clock_nanosleep efault", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, NULL));
    return 0;
}
