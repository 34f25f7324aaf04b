/* seccomp filters live on over fork, threads and execve; TSYNC puts one on every thread; a
 * thread killed by KILL_THREAD leaves its process running; /proc/self/status tells the mode
 * and how many filters (counted from what the program started with, which is not always 0). */
#include "seccomp.h"
#include <pthread.h>

static long base_filters;

static void show(const char *when)
{
    errno = 0;
    long r = syscall(SYS_getppid);
    printf("%s: getppid ret=%s errno=%s mode=%ld added=%ld nnp=%ld\n", when, r == -1 ? "-1" : "ok",
           r == -1 ? errname(errno) : "0", status_field("Seccomp"), status_field("Seccomp_filters") - base_filters,
           status_field("NoNewPrivs"));
}

static void fork_and_exec(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_ERRNO | EPERM);
    show("after install");
    install_for(SYS_umask, SECCOMP_RET_ERRNO | EACCES);
    show("two filters");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("forked child");
        CHECK("child umask", syscall(SYS_umask, 0));
        fflush(stdout);
        char *argv[] = { "/proc/self/exe", "exec", NULL };
        execv(argv[0], argv);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child: exit %d\n", WEXITSTATUS(st));
}

static volatile int go, done;
static long thread_result, thread_errno;

static void *early_thread(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        usleep(1000);
    errno = 0;
    thread_result = syscall(SYS_getppid);
    thread_errno = errno;
    return NULL;
}

static void no_tsync(void)
{
    const char *name = "without TSYNC";
    pthread_t th;
    go = 0;
    pthread_create(&th, NULL, early_thread, NULL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    CHECK(name, install_for(SYS_getppid, SECCOMP_RET_ERRNO | EPERM));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    printf("%s: older thread getppid %s errno=%s\n", name, thread_result == -1 ? "-1" : "ok", errname((int)thread_errno));
}

static void tsync(void)
{
    pthread_t th;
    go = 0;
    pthread_create(&th, NULL, early_thread, NULL);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    CHECK("install with TSYNC", install(f, 4, SECCOMP_FILTER_FLAG_TSYNC));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    printf("with TSYNC: older thread getppid %s errno=%s\n", thread_result == -1 ? "-1" : "ok", errname((int)thread_errno));
}

static void *new_thread(void *arg)
{
    (void)arg;
    errno = 0;
    thread_result = syscall(SYS_getppid);
    thread_errno = errno;
    return NULL;
}

static void later_thread(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_ERRNO | EPERM);
    pthread_t th;
    pthread_create(&th, NULL, new_thread, NULL);
    pthread_join(th, NULL);
    printf("newer thread getppid %s errno=%s\n", thread_result == -1 ? "-1" : "ok", errname((int)thread_errno));
}

static void *doomed_thread(void *arg)
{
    (void)arg;
    syscall(SYS_getppid);
    done = 1;
    return NULL;
}

static void kill_one_thread(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_KILL_THREAD);
    pthread_t th;
    pthread_create(&th, NULL, doomed_thread, NULL);
    pthread_join(th, NULL);
    printf("thread gone, process alive, thread finished its call: %s\n", done ? "yes" : "no");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        /* No base known here: the parent added 2 to what the program started with. */
        errno = 0;
        long r = syscall(SYS_getppid);
        printf("after execve: getppid errno=%s mode=%ld nnp=%ld PR_GET_SECCOMP=%d\n",
               r == -1 ? errname(errno) : "0", status_field("Seccomp"), status_field("NoNewPrivs"), prctl(PR_GET_SECCOMP));
        return 3;
    }
    base_filters = status_field("Seccomp_filters");
    TRUE("Seccomp_filters shown", base_filters >= 0);
    in_child("fork and exec", fork_and_exec);
    in_child("thread before, no TSYNC", no_tsync);
    in_child("thread before, TSYNC", tsync);
    in_child("thread after", later_thread);
    in_child("kill one thread", kill_one_thread);
    return 0;
}
