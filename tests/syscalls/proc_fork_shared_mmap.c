/* MAP_SHARED|MAP_ANONYMOUS memory is shared across fork (both ways, with atomics from many
 * children), unlike MAP_PRIVATE; mappings made after fork are not shared. */
#include "proc.h"
#include <sys/mman.h>

int main(void)
{
    long *sh = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long *pr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sh[0] = 1;
    pr[0] = 1;
    pid_t c = xfork();
    if (c == 0) {
        sh[0] = 2;
        pr[0] = 2;
        sh[8000] = 77; /* a page the parent never touched */
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("shared: %ld (child wrote 2), private: %ld, untouched shared page: %ld\n", sh[0], pr[0], sh[8000]);
    /* atomic counter from 8 children */
    sh[1] = 0;
    pid_t kids[8];
    for (int i = 0; i < 8; i++) {
        kids[i] = xfork();
        if (kids[i] == 0) {
            for (int k = 0; k < 20000; k++)
                __atomic_fetch_add(&sh[1], 1, __ATOMIC_SEQ_CST);
            _exit(0);
        }
    }
    for (int i = 0; i < 8; i++)
        waitpid(kids[i], NULL, 0);
    printf("atomic counter: %ld\n", sh[1]);
    /* parent writes seen by a running child */
    sh[2] = 0;
    c = xfork();
    if (c == 0) {
        int spins = 0;
        while (__atomic_load_n(&sh[2], __ATOMIC_SEQ_CST) != 42 && spins++ < 5000)
            msleep(1);
        _exit(sh[2] == 42 ? 0 : 1);
    }
    msleep(10);
    __atomic_store_n(&sh[2], 42, __ATOMIC_SEQ_CST);
    reap("child waiting for the parent's write", c);
    /* a grandchild still shares it */
    c = xfork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            sh[3] = 333;
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    printf("grandchild write: %ld\n", sh[3]);
    /* munmap in the child does not affect the parent */
    c = xfork();
    if (c == 0) {
        munmap(sh, 1 << 16);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    sh[4] = 5;
    printf("still mapped in the parent: %ld\n", sh[4]);
    /* mprotect in the parent after fork is private to the parent */
    c = xfork();
    if (c == 0) {
        msleep(30);
        sh[5] = 9; /* must not fault */
        _exit(0);
    }
    mprotect(sh, 1 << 16, PROT_READ);
    reap("child writes after the parent made it read-only", c);
    printf("parent sees it: %ld\n", sh[5]);
    return 0;
}
