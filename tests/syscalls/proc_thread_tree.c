/* Threads creating threads: a binary tree of depth 5 (63 threads), each joining its two
 * children; several threads map and unmap stacks at the same time. */
#include "proc.h"
#include <pthread.h>

static void *spawner(void *a)
{
    long depth = (long)a;
    if (depth == 0)
        return (void *)1L;
    pthread_t x, y;
    void *rx, *ry;
    pthread_create(&x, NULL, spawner, (void *)(depth - 1));
    pthread_create(&y, NULL, spawner, (void *)(depth - 1));
    pthread_join(x, &rx);
    pthread_join(y, &ry);
    return (void *)(1 + (long)rx + (long)ry);
}

int main(void)
{
    pthread_t s;
    void *n;
    pthread_create(&s, NULL, spawner, (void *)5L);
    pthread_join(s, &n);
    printf("thread tree of depth 5: %ld threads\n", (long)n);
    pthread_create(&s, NULL, spawner, (void *)4L);
    pthread_join(s, &n);
    printf("again, depth 4 (reusing cached stacks): %ld threads\n", (long)n);
    return 0;
}
