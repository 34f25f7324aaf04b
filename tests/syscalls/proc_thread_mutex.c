/* Futex contention: 8 threads x 20000 increments under one pthread mutex, plus a condition
 * variable hand-off and a barrier. */
#include "proc.h"
#include <pthread.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static void *inc(void *a)
{
    (void)a;
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue[16], qlen, produced_done;
static long consumed_sum;
static void *consumer(void *a)
{
    (void)a;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (qlen == 0 && !produced_done)
            pthread_cond_wait(&cv, &mu);
        if (qlen == 0 && produced_done) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        consumed_sum += queue[--qlen];
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
}

static pthread_barrier_t bar;
static volatile int phase[4];
static void *barrier_worker(void *a)
{
    long i = (long)a;
    for (int r = 0; r < 50; r++) {
        phase[i] = r;
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, inc, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    printf("counter: %ld\n", counter);
    pthread_t c[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&c[i], NULL, consumer, NULL);
    long expect = 0;
    for (int i = 1; i <= 5000; i++) {
        pthread_mutex_lock(&mu);
        while (qlen == 16)
            pthread_cond_wait(&cv, &mu);
        queue[qlen++] = i;
        expect += i;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    produced_done = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < 3; i++)
        pthread_join(c[i], NULL);
    printf("producer/consumer sum matches: %s\n", consumed_sum == expect ? "yes" : "no");
    pthread_barrier_init(&bar, NULL, 4);
    pthread_t b[4];
    for (long i = 0; i < 4; i++)
        pthread_create(&b[i], NULL, barrier_worker, (void *)i);
    for (int i = 0; i < 4; i++)
        pthread_join(b[i], NULL);
    printf("barrier rounds done: %d %d %d %d\n", phase[0], phase[1], phase[2], phase[3]);
    return 0;
}
