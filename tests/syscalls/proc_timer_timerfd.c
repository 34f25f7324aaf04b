/* timerfd: one-shot and periodic expirations counted by read, nonblocking EAGAIN, poll,
 * timerfd_gettime, cancel by disarming, errors. */
#include "proc.h"
#include <poll.h>
#include <sys/timerfd.h>

int main(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    printf("timerfd_create: %s\n", fd >= 0 ? "ok" : errname(errno));
    if (fd < 0)
        return 0;
    struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}}, cur;
    CHECK("settime 20ms one-shot", timerfd_settime(fd, 0, &its, NULL));
    uint64_t n = 0;
    CHECK("blocking read", read(fd, &n, 8));
    printf("expirations: %llu\n", (unsigned long long)n);
    timerfd_gettime(fd, &cur);
    printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    int nb = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK("nonblocking read unarmed", read(nb, &n, 8));
    struct itimerspec per = {{0, 5 * 1000 * 1000}, {0, 5 * 1000 * 1000}};
    timerfd_settime(nb, 0, &per, NULL);
    msleep(60);
    read(nb, &n, 8);
    printf("periodic 5ms over 60ms: >= 8 expirations: %s\n", n >= 8 ? "yes" : "no");
    /* A slower period for the poll checks, so that a loaded machine cannot fire it in between. */
    struct itimerspec slow = {{0, 150 * 1000 * 1000}, {0, 150 * 1000 * 1000}};
    timerfd_settime(nb, 0, &slow, NULL);
    struct pollfd p = {nb, POLLIN, 0};
    printf("poll right after re-arming: %d\n", poll(&p, 1, 0));
    printf("poll with a 1 s timeout becomes readable: %d\n", poll(&p, 1, 1000));
    struct itimerspec zero = {{0, 0}, {0, 0}};
    timerfd_settime(nb, 0, &zero, NULL);
    CHECK("read after disarm", read(nb, &n, 8));
    CHECK("short read", read(fd, &n, 4));
    CHECK("timerfd_create bad clock", timerfd_create(12345, 0));
    CHECK("timerfd_create bad flags", timerfd_create(CLOCK_MONOTONIC, 0x4));
    its.it_value.tv_nsec = 1000000000L;
    CHECK("settime bad nsec", timerfd_settime(fd, 0, &its, NULL));
    CHECK("settime on a non-timerfd", timerfd_settime(0, 0, &per, NULL));
    return 0;
}
