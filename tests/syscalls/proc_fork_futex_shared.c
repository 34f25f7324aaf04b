/* Futexes in MAP_SHARED memory between processes: a parent waits, a child wakes it. */
#include "proc.h"
#include <linux/futex.h>
#include <sys/mman.h>

static long fx(int *u, int op, int val, const struct timespec *ts)
{
    return syscall(SYS_futex, u, op, val, ts, NULL, 0);
}

int main(void)
{
    int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    w[0] = 0;
    pid_t c = xfork();
    if (c == 0) {
        msleep(30);
        __atomic_store_n(&w[0], 1, __ATOMIC_SEQ_CST);
        long n = fx(&w[0], FUTEX_WAKE, 1, NULL);
        _exit(n <= 1 ? 0 : 11);
    }
    long r;
    struct timespec two = {2, 0};
    while ((r = fx(&w[0], FUTEX_WAIT, 0, &two)) == -1 && errno == EINTR) {
    }
    int timedout = r == -1 && errno == ETIMEDOUT;
    printf("parent woke by FUTEX_WAKE (not by the 2 s timeout): %s, value=%d\n", timedout ? "no" : "yes", w[0]);
    reap("waker", c);
    if (timedout) {
        printf("ping-pong skipped: shared futex wake-ups do not reach another process\n");
        return 0;
    }
    /* ping-pong 200 times */
    w[1] = 0;
    c = xfork();
    if (c == 0) {
        for (int i = 0; i < 200; i++) {
            while (__atomic_load_n(&w[1], __ATOMIC_SEQ_CST) != 2 * i + 1)
                fx(&w[1], FUTEX_WAIT, 2 * i, NULL);
            __atomic_store_n(&w[1], 2 * i + 2, __ATOMIC_SEQ_CST);
            fx(&w[1], FUTEX_WAKE, 1, NULL);
        }
        _exit(0);
    }
    for (int i = 0; i < 200; i++) {
        __atomic_store_n(&w[1], 2 * i + 1, __ATOMIC_SEQ_CST);
        fx(&w[1], FUTEX_WAKE, 1, NULL);
        while (__atomic_load_n(&w[1], __ATOMIC_SEQ_CST) != 2 * i + 2)
            fx(&w[1], FUTEX_WAIT, 2 * i + 1, NULL);
    }
    printf("ping-pong final value: %d\n", w[1]);
    reap("ping-pong child", c);
    /* a private futex op on shared memory does not wake another process */
    w[2] = 0;
    c = xfork();
    if (c == 0) {
        struct timespec t = {0, 200 * 1000 * 1000};
        long rr = fx(&w[2], FUTEX_WAIT, 0, &t);
        _exit(rr == -1 && errno == ETIMEDOUT ? 0 : 1);
    }
    msleep(50);
    printf("FUTEX_WAKE_PRIVATE across processes woke: %ld\n", fx(&w[2], FUTEX_WAKE_PRIVATE, 1, NULL));
    reap("child waiting with a timeout (0: timed out)", c);
    return 0;
}
