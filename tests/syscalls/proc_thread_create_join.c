/* pthread_create/join: return values, distinct tids in one thread group, shared memory, detach. */
#include "proc.h"
#include <pthread.h>

static int shared[8];
static pid_t tids[8];

static void *worker(void *arg)
{
    long i = (long)arg;
    shared[i] = (int)(i * i);
    tids[i] = gettid();
    return (void *)(i + 100);
}

static volatile int detached_ran;
static void *detached(void *a)
{
    (void)a;
    detached_ran = 1;
    return NULL;
}

int main(void)
{
    pthread_t t[8];
    for (long i = 0; i < 8; i++)
        CHECK_ERR("pthread_create", pthread_create(&t[i], NULL, worker, (void *)i));
    long sum = 0;
    for (int i = 0; i < 8; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        sum += (long)ret;
    }
    printf("sum of return values: %ld\n", sum);
    int ok = 1, distinct = 1;
    for (int i = 0; i < 8; i++) {
        ok &= shared[i] == i * i;
        distinct &= tids[i] != getpid();
        for (int j = 0; j < i; j++)
            distinct &= tids[i] != tids[j];
    }
    printf("writes visible: %d, tids distinct and not the pid: %d\n", ok, distinct);
    pthread_t d;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &at, detached, NULL);
    for (int i = 0; i < 1000 && !detached_ran; i++)
        msleep(1);
    printf("detached thread ran: %d\n", detached_ran);
    CHECK_ERR("join self", pthread_join(pthread_self(), NULL));
    return 0;
}
