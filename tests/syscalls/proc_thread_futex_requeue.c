/* Raw futex with threads: WAIT/WAKE counts, CMP_REQUEUE moving waiters, WAKE_OP, bitsets. */
#include "proc.h"
#include <linux/futex.h>
#include <pthread.h>

static int f1, f2, bits;
static volatile int woken;

static long fx(int *u, int op, int val, long v2, int *u2, int v3)
{
    return syscall(SYS_futex, u, op, val, v2, u2, v3);
}

static void *waiter1(void *a)
{
    (void)a;
    while (__atomic_load_n(&f1, __ATOMIC_SEQ_CST) == 0)
        fx(&f1, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0);
    __atomic_fetch_add(&woken, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *bitwaiter(void *a)
{
    long mask = (long)a;
    fx(&bits, FUTEX_WAIT_BITSET_PRIVATE, 0, 0, NULL, (int)mask);
    __atomic_fetch_add(&woken, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void settle(void) { msleep(50); }

int main(void)
{
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        pthread_create(&t[i], NULL, waiter1, NULL);
    settle();
    printf("WAKE 2 of 6 (value unchanged): woke %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 2, 0, NULL, 0));
    settle(); /* the two woken threads see f1 == 0 and wait again */
    CHECK("CMP_REQUEUE wrong value", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &f2, 7));
    long r = fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &f2, 0);
    printf("CMP_REQUEUE wake 1 requeue 2: %ld (woken + requeued)\n", r);
    settle();
    __atomic_store_n(&f1, 1, __ATOMIC_SEQ_CST);
    printf("WAKE all on f1: %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 100, 0, NULL, 0));
    printf("WAKE all on f2 (the requeued ones): %ld\n", fx(&f2, FUTEX_WAKE_PRIVATE, 100, 0, NULL, 0));
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    printf("all 6 finished: %d\n", woken);
    woken = 0;
    pthread_t b[3];
    pthread_create(&b[0], NULL, bitwaiter, (void *)1L);
    pthread_create(&b[1], NULL, bitwaiter, (void *)2L);
    pthread_create(&b[2], NULL, bitwaiter, (void *)3L);
    settle();
    printf("WAKE_BITSET 1: %ld\n", fx(&bits, FUTEX_WAKE_BITSET_PRIVATE, 100, 0, NULL, 1));
    settle();
    printf("WAKE_BITSET 4 (nobody): %ld\n", fx(&bits, FUTEX_WAKE_BITSET_PRIVATE, 100, 0, NULL, 4));
    printf("WAKE_BITSET 2: %ld\n", fx(&bits, FUTEX_WAKE_BITSET_PRIVATE, 100, 0, NULL, 2));
    for (int i = 0; i < 3; i++)
        pthread_join(b[i], NULL);
    printf("bitset waiters finished: %d\n", woken);
    /* WAKE_OP(uaddr=f2, uaddr2=f1): f1 += 5, wake nobody on f2, and one waiter on f1 if old f1 == 0 */
    f1 = 0;
    f2 = 0;
    woken = 0;
    pthread_create(&t[0], NULL, waiter1, NULL);
    settle();
    r = fx(&f2, FUTEX_WAKE_OP_PRIVATE, 0, 1, &f1, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0));
    printf("WAKE_OP: %ld, f1 now %d\n", r, f1);
    pthread_join(t[0], NULL);
    return 0;
}
