/* fork copies the address space: the child's writes (globals, heap, stack, private mmap, brk)
 * never show in the parent and vice versa, before and after the child runs. */
#include "proc.h"
#include <sys/mman.h>

static int global = 1;
static char bss[100000];

int main(void)
{
    int local = 2;
    char *heap = malloc(1 << 20);
    memset(heap, 'p', 1 << 20);
    char *priv = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(priv, 'q', 1 << 20);
    char *untouched = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro[0] = 'r';
    mprotect(ro, 4096, PROT_READ);
    bss[99999] = 'b';
    int p[2], go[2];
    pipe(p);
    pipe(go);
    pid_t c = xfork();
    if (c == 0) {
        char seen[8];
        seen[0] = global == 1;
        seen[1] = local == 2;
        seen[2] = heap[12345] == 'p';
        seen[3] = priv[999999] == 'q';
        seen[4] = bss[99999] == 'b';
        seen[5] = ro[0] == 'r';
        seen[6] = untouched[5000] == 0;
        global = 100;
        local = 200;
        memset(heap, 'C', 1 << 20);
        memset(priv, 'D', 1 << 20);
        memset(bss, 'E', sizeof bss);
        memset(untouched, 'F', 1 << 20);
        write_full(p[1], seen, 7);
        wait_fd(go[0]); /* the parent wrote its own values meanwhile */
        char after[5] = {global == 100, heap[0] == 'C', priv[0] == 'D', bss[0] == 'E', untouched[1] == 'F'};
        write_full(p[1], after, 5);
        _exit(0);
    }
    char seen[7];
    read_full(p[0], seen, 7);
    printf("child saw the parent's values: global=%d local=%d heap=%d mmap=%d bss=%d ro=%d untouched zero=%d\n", seen[0], seen[1], seen[2],
           seen[3], seen[4], seen[5], seen[6]);
    printf("parent after child writes: global=%d local=%d heap=%c mmap=%c bss=%d untouched=%d\n", global, local, heap[12345], priv[999999],
           bss[0], untouched[5000]);
    global = 7;
    heap[0] = 'X';
    priv[0] = 'Y';
    bss[0] = 'Z';
    untouched[1] = 'W';
    signal_fd(go[1]);
    char after[5];
    read_full(p[0], after, 5);
    printf("child kept its own values after parent writes: %d %d %d %d %d\n", after[0], after[1], after[2], after[3], after[4]);
    reap("child", c);
    /* ro stays read-only in the child: a write faults there */
    c = xfork();
    if (c == 0) {
        no_core();
        ro[0] = 'x';
        _exit(0);
    }
    reap("child writing a read-only page", c);
    printf("parent ro page intact: %c\n", ro[0]);
    /* brk memory after fork */
    char *top = sbrk(0);
    sbrk(8192);
    top[100] = 'k';
    c = xfork();
    if (c == 0) {
        top[100] = 'm';
        sbrk(1 << 20);
        _exit(top[100] == 'm' ? 0 : 1);
    }
    reap("child growing brk", c);
    printf("parent brk byte: %c, break moved in parent: %s\n", top[100], sbrk(0) == top + 8192 ? "no" : "yes");
    return 0;
}
