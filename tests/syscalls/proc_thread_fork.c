/* fork in a multi-threaded process: the child has only the forking thread; exec from a thread
 * replaces the whole thread group. */
#include "proc.h"
#include <pthread.h>

static volatile int spin = 1;
static void *busy(void *a)
{
    (void)a;
    while (spin)
        msleep(1);
    return NULL;
}

static void *forker(void *a)
{
    (void)a;
    pid_t c = xfork();
    if (c == 0) {
        /* only this thread exists; the child can still create threads */
        pthread_t t;
        int e = pthread_create(&t, NULL, busy, NULL);
        spin = 0;
        if (e == 0)
            pthread_join(t, NULL);
        _exit(e == 0 ? 3 : 4);
    }
    int st = -1;
    if (waitpid(c, &st, 0) != c)
        printf("waitpid from the forking thread failed: %s\n", errname(errno));
    return (void *)(long)st;
}

static char *self;
static void *execer(void *a)
{
    (void)a;
    char *av[] = {self, "child", NULL};
    execv(self, av);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("exec'd from a thread: tid == pid: %s\n", gettid() == getpid() ? "yes" : "no");
        return 6;
    }
    self = argv[0];
    pthread_t b, f;
    pthread_create(&b, NULL, busy, NULL);
    pthread_create(&f, NULL, forker, NULL);
    void *st;
    pthread_join(f, &st);
    printf("child forked from a second thread: %s\n", wstatus((int)(long)st));
    spin = 0;
    pthread_join(b, NULL);
    spin = 1;
    pid_t c = xfork();
    if (c == 0) {
        pthread_t x, y;
        pthread_create(&x, NULL, busy, NULL);
        pthread_create(&y, NULL, execer, NULL);
        for (;;)
            pause();
    }
    reap("exec from a non-main thread", c);
    return 0;
}
