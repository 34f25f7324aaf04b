/* futex(2), single thread: value mismatch, timeouts, wake with no waiters, validation. */
#include "common.h"
#include <linux/futex.h>
#include <time.h>

static long fx(void *uaddr, int op, int val, void *timeout, void *uaddr2, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static long long mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    static int word = 5;
    static int other = 0;
    struct timespec ten = {0, 10 * 1000 * 1000};
    CHECK("WAIT mismatch", fx(&word, FUTEX_WAIT, 4, NULL, NULL, 0));
    CHECK("WAIT_PRIVATE mismatch", fx(&word, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0));
    long long t0 = mono();
    CHECK("WAIT 10ms timeout", fx(&word, FUTEX_WAIT, 5, &ten, NULL, 0));
    TRUE("waited >= 10ms", mono() - t0 >= 10000000LL);
    t0 = mono();
    CHECK("WAIT_PRIVATE 10ms timeout", fx(&word, FUTEX_WAIT_PRIVATE, 5, &ten, NULL, 0));
    TRUE("waited >= 10ms", mono() - t0 >= 10000000LL);
    CHECK("WAKE no waiters", fx(&word, FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK("WAKE_PRIVATE no waiters", fx(&word, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0));

    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    CHECK("WAIT_BITSET abs monotonic now", fx(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
    struct timespec past = {1, 0};
    CHECK("WAIT_BITSET realtime past", fx(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &past, NULL, FUTEX_BITSET_MATCH_ANY));
    CHECK("WAIT_BITSET bitset 0", fx(&word, FUTEX_WAIT_BITSET, 5, &past, NULL, 0));
    CHECK("WAKE_BITSET bitset 0", fx(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    CHECK("WAKE_BITSET no waiters", fx(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, FUTEX_BITSET_MATCH_ANY));
    CHECK("CLOCK_REALTIME with plain WAIT", fx(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, &ten, NULL, 0));
    struct timespec badns = {0, 1000000000L};
    CHECK("WAIT bad tv_nsec", fx(&word, FUTEX_WAIT, 5, &badns, NULL, 0));
    struct timespec negs = {-1, 0};
    CHECK("WAIT negative tv_sec", fx(&word, FUTEX_WAIT, 5, &negs, NULL, 0));
    CHECK("REQUEUE no waiters", fx(&word, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &other, 0));
    CHECK("CMP_REQUEUE mismatch", fx(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &other, 4));
    CHECK("CMP_REQUEUE match", fx(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &other, 5));
    CHECK("WAKE_OP", fx(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &other, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0)));
    printf("other after WAKE_OP add 3: %d\n", other);
    CHECK("bad op", fx(&word, 99, 0, NULL, NULL, 0));
    CHECK("bad op private", fx(&word, 99 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
    CHECK("WAIT unaligned", fx((char *)&word + 1, FUTEX_WAIT, 5, NULL, NULL, 0));
    CHECK("WAKE unaligned", fx((char *)&word + 1, FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK("WAIT NULL address", fx(NULL, FUTEX_WAIT, 0, NULL, NULL, 0));
    CHECK("WAIT bad address", fx((void *)0x1000, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    CHECK("WAIT bad timeout pointer", fx(&word, FUTEX_WAIT, 5, BAD_PTR, NULL, 0));
    CHECK("WAKE shared NULL", fx(NULL, FUTEX_WAKE, 1, NULL, NULL, 0));
    CHECK("WAKE private NULL", fx(NULL, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    other = 0;
    CHECK("LOCK_PI unowned", fx(&other, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    TRUE("LOCK_PI wrote our tid", other == syscall(SYS_gettid));
    CHECK("UNLOCK_PI", fx(&other, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("word after unlock: %d\n", other);
    return 0;
}
