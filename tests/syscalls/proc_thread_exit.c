/* Thread exits: pthread_exit values, exit() from a thread ends the whole process with its status,
 * the main thread's pthread_exit keeps the process alive until the last thread. */
#include "proc.h"
#include <pthread.h>

static void *ret_via_exit(void *a)
{
    pthread_exit((void *)((long)a * 3));
}

static void *exiter(void *a)
{
    (void)a;
    msleep(20);
    exit(42);
}

static void *sleeper(void *a)
{
    (void)a;
    for (;;)
        pause();
    return NULL;
}

static void *exit9_later(void *a)
{
    (void)a;
    msleep(50);
    syscall(SYS_exit, 9); /* this thread only; it is the last one */
    return NULL;
}

static void *last_one(void *a)
{
    (void)a;
    msleep(50);
    printf("last thread finishing\n");
    fflush(stdout);
    return NULL; /* the process exits 0 when the last thread ends */
}

int main(void)
{
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, ret_via_exit, (void *)14);
    pthread_join(t, &r);
    printf("pthread_exit value: %ld\n", (long)r);
    pid_t c = xfork();
    if (c == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, sleeper, NULL);
        pthread_create(&b, NULL, exiter, NULL);
        for (;;)
            pause();
    }
    reap("exit(42) from a thread while others sleep", c);
    c = xfork();
    if (c == 0) {
        pthread_t a;
        pthread_create(&a, NULL, last_one, NULL);
        pthread_exit(NULL);
    }
    reap("main thread pthread_exit, last thread returns", c);
    /* every thread ends with exit (no exit_group): the status is the main thread's code */
    c = xfork();
    if (c == 0) {
        pthread_t a;
        pthread_create(&a, NULL, exit9_later, NULL);
        syscall(SYS_exit, 7);
    }
    reap("main thread exit(7), last thread exit(9)", c);
    c = xfork();
    if (c == 0) {
        pthread_t a;
        pthread_create(&a, NULL, sleeper, NULL);
        syscall(SYS_exit, 7); /* only the main thread: the process lives on */
    }
    msleep(50);
    int st;
    CHECK("process alive after its main thread's exit(7)", waitpid(c, &st, WNOHANG));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("then SIGKILL: %s\n", wstatus(st));
    return 0;
}
