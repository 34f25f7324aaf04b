/* 64 threads hammering 4 mutexes and an atomic counter. */
#include "proc.h"
#include <pthread.h>

static pthread_mutex_t mu[4] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static long cnt[4];
static long atomic_cnt;

static void *work(void *a)
{
    long id = (long)a;
    for (int i = 0; i < 2000; i++) {
        int k = (int)((id + i) % 4);
        pthread_mutex_lock(&mu[k]);
        cnt[k]++;
        pthread_mutex_unlock(&mu[k]);
        __atomic_fetch_add(&atomic_cnt, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(void)
{
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64 * 1024);
    pthread_t t[64];
    int created = 0;
    for (long i = 0; i < 64; i++)
        if (pthread_create(&t[i], &at, work, (void *)i) == 0)
            created++;
    for (int i = 0; i < created; i++)
        pthread_join(t[i], NULL);
    printf("threads created: %d, counters: %ld %ld %ld %ld, atomic: %ld\n", created, cnt[0], cnt[1], cnt[2], cnt[3], atomic_cnt);
    return 0;
}
