/* Signals and threads: pthread_kill/tgkill target one thread, per-thread masks, a process-wide
 * signal goes to a thread that does not block it, a fault is delivered to the faulting thread. */
#include "proc.h"
#include <pthread.h>
#include <setjmp.h>

static volatile pid_t handled_by;
static void h(int s)
{
    (void)s;
    handled_by = gettid();
}

static volatile pid_t worker_tid;
static volatile int stop;
static void *worker(void *a)
{
    (void)a;
    worker_tid = gettid();
    while (!stop)
        msleep(1);
    return NULL;
}

static __thread sigjmp_buf jb;
static volatile pid_t fault_tid;
static void hsegv(int s)
{
    (void)s;
    fault_tid = gettid();
    siglongjmp(jb, 1);
}
static volatile pid_t faulter_tid;
static void *faulter(void *a)
{
    (void)a;
    faulter_tid = gettid();
    if (sigsetjmp(jb, 1) == 0)
        *(volatile int *)0 = 1;
    return NULL;
}

int main(void)
{
    signal(SIGUSR1, h);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!worker_tid)
        msleep(1);
    pthread_kill(t, SIGUSR1);
    for (int i = 0; i < 1000 && !handled_by; i++)
        msleep(1);
    printf("pthread_kill handled by the target thread: %s\n", handled_by == worker_tid ? "yes" : "no");
    handled_by = 0;
    syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1);
    for (int i = 0; i < 1000 && !handled_by; i++)
        msleep(1);
    printf("tgkill handled by the target thread: %s\n", handled_by == worker_tid ? "yes" : "no");
    /* main blocks SIGUSR1: a process-directed kill goes to the worker */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &m, NULL);
    handled_by = 0;
    kill(getpid(), SIGUSR1);
    for (int i = 0; i < 1000 && !handled_by; i++)
        msleep(1);
    printf("kill(getpid) handled by the unblocked worker: %s\n", handled_by == worker_tid ? "yes" : "no");
    /* tgkill to the main thread while it blocks the signal: stays pending for the main thread only */
    handled_by = 0;
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    msleep(20);
    sigset_t p;
    sigpending(&p);
    printf("thread-directed signal pending on the blocking main thread: %d, handled meanwhile: %d\n", sigismember(&p, SIGUSR1), handled_by != 0);
    pthread_sigmask(SIG_UNBLOCK, &m, NULL);
    printf("handled by main after unblock: %s\n", handled_by == gettid() ? "yes" : "no");
    stop = 1;
    pthread_join(t, NULL);
    signal(SIGSEGV, hsegv);
    pthread_create(&t, NULL, faulter, NULL);
    pthread_join(t, NULL);
    printf("SIGSEGV delivered to the faulting thread: %s\n", fault_tid == faulter_tid && fault_tid != gettid() ? "yes" : "no");
    msleep(20); /* pthread_join returns when the tid is cleared, slightly before the thread is gone */
    CHECK("tgkill to an exited thread", syscall(SYS_tgkill, getpid(), faulter_tid, 0));
    return 0;
}
