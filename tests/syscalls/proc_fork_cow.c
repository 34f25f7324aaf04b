/* fork's copy-on-write: after fork each side writes (from user code and through system calls
 * such as read(2)) without the other seeing it; MAP_SHARED stays shared; madvise, mprotect and
 * mremap on copy-on-write memory; a multithreaded parent; three generations. */
#include "proc.h"
#include <pthread.h>
#include <sys/mman.h>

#define N (4 << 20)

static unsigned sum(const unsigned char *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
    return s;
}

static volatile int stop_threads;
static unsigned char *heap;

static void *writer(void *arg)
{
    (void)arg;
    while (!stop_threads) heap[N - 1] ^= 1;
    return NULL;
}

int main(void)
{
    heap = malloc(N);
    for (int i = 0; i < N; i++) heap[i] = (unsigned char)(i * 7);
    unsigned char *shared = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(shared, 1, 65536);
    unsigned before = sum(heap, N);
    printf("heap sum before fork: %u\n", before);

    int to_child[2], to_parent[2], data[2];
    pipe(to_child); pipe(to_parent); pipe(data);
    pid_t p = xfork();
    if (p == 0) {
        /* Writes by the program, page by page across the buffer. */
        for (int i = 0; i < N; i += 4096 * 3) heap[i] = 0xAA;
        /* A write by the kernel: read(2) into copy-on-write memory. */
        char msg[32] = {0};
        wait_fd(to_child[0]);
        read_full(data[0], heap + 100000, 12);
        memcpy(msg, heap + 100000, 12);
        printf("child read into its heap: %s\n", msg);
        printf("child sees the parent's later write: %s\n", heap[N / 2 + 1] == 0x55 ? "yes" : "no");
        shared[0] = 99;
        /* madvise(MADV_DONTNEED) on private memory: zeros here, not in the parent. */
        unsigned char *pg = heap + (1 << 20);
        pg = (unsigned char *)(((uintptr_t)pg + 4095) & ~4095UL);
        CHECK("child madvise DONTNEED", madvise(pg, 8192, MADV_DONTNEED));
        printf("child page after DONTNEED: %d\n", pg[0]);
        CHECK("child mprotect read-only", mprotect(pg, 4096, PROT_READ));
        CHECK("child mprotect back", mprotect(pg, 4096, PROT_READ | PROT_WRITE));
        pg[1] = 3;
        printf("child heap sum: %u\n", sum(heap, N));
        fflush(stdout);
        signal_fd(to_parent[1]);
        _exit(0);
    }
    heap[N / 2 + 1] = 0x55;
    write_full(data[1], "from parent!", 12);
    signal_fd(to_child[1]);
    wait_fd(to_parent[0]);
    reap("child", p);
    heap[N / 2 + 1] = (unsigned char)((N / 2 + 1) * 7);
    printf("parent heap unchanged: %s\n", sum(heap, N) == before ? "yes" : "no");
    printf("parent sees the child's MAP_SHARED write: %d\n", shared[0]);

    /* Three generations, each writing its own mark. */
    heap[0] = 1;
    p = xfork();
    if (p == 0) {
        heap[0] = 2;
        pid_t g = xfork();
        if (g == 0) {
            heap[0] = 3;
            printf("grandchild: %d\n", heap[0]);
            fflush(stdout);
            _exit(0);
        }
        reap("grandchild", g);
        printf("child after grandchild: %d\n", heap[0]);
        fflush(stdout);
        _exit(0);
    }
    reap("child 2", p);
    printf("parent after both: %d\n", heap[0]);

    /* mremap of copy-on-write memory moves it without touching the child's view. */
    unsigned char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 5, 1 << 20);
    p = xfork();
    if (p == 0) {
        msleep(50);
        printf("child's copy still 5: %s\n", m[12345] == 5 && m[(1 << 20) - 1] == 5 ? "yes" : "no");
        fflush(stdout);
        _exit(0);
    }
    unsigned char *m2 = mremap(m, 1 << 20, 2 << 20, MREMAP_MAYMOVE);
    TRUE("mremap moved or grew", m2 != MAP_FAILED);
    memset(m2, 6, 2 << 20);
    reap("mremap child", p);

    /* A parent with a thread writing while it forks. */
    pthread_t th;
    pthread_create(&th, NULL, writer, NULL);
    for (int i = 0; i < 20; i++) {
        p = xfork();
        if (p == 0) {
            heap[5] = 9;
            _exit(heap[5] == 9 && heap[6] == 6 * 7 % 256 ? 0 : 1);
        }
        int st;
        waitpid(p, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) printf("threaded fork %d: %s\n", i, wstatus(st));
    }
    stop_threads = 1;
    pthread_join(th, NULL);
    printf("threaded forks done, parent heap[5]: %d\n", heap[5]);
    return 0;
}
