/* brk(2): query, grow, use, shrink, and refusal to go below the start. */
#include "common.h"

static uintptr_t rawbrk(uintptr_t v)
{
    return (uintptr_t)syscall(SYS_brk, v);
}

int main(void)
{
    /* A static stdio buffer keeps printf from calling malloc, which would move the break
     * under our feet. */
    static char outbuf[8192];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    uintptr_t b0 = rawbrk(0);
    TRUE("brk(0) nonzero", b0 != 0);
    TRUE("brk(0) stable", rawbrk(0) == b0);
    uintptr_t b1 = rawbrk(b0 + 65536);
    printf("grow 64k: delta=%ld\n", (long)(b1 - b0));
    memset((void *)b0, 0x5a, 65536);
    TRUE("grown memory usable", ((char *)b0)[65535] == 0x5a);
    uintptr_t b2 = rawbrk(b0 + 65536 + 123);
    printf("grow unaligned: delta=%ld\n", (long)(b2 - b0));
    ((char *)b0)[65536 + 122] = 1;
    uintptr_t b3 = rawbrk(b0 + 4096);
    printf("shrink: delta=%ld\n", (long)(b3 - b0));
    uintptr_t b4 = rawbrk(b0 + 65536);
    printf("regrow: delta=%ld\n", (long)(b4 - b0));
    TRUE("regrown memory zeroed", ((char *)b0)[8192] == 0 && ((char *)b0)[4095] == 0x5a);
    uintptr_t b5 = rawbrk(4096);
    printf("below start: delta=%ld\n", (long)(b5 - b0));
    uintptr_t b6 = rawbrk(0x7fffffffffffUL);
    printf("absurd: delta=%ld\n", (long)(b6 - b0));
    rawbrk(b0);
    printf("reset: delta=%ld\n", (long)(rawbrk(0) - b0));
    void *s = sbrk(0);
    CHECK_OK("sbrk +8192", sbrk(8192));
    TRUE("sbrk moved", (char *)sbrk(0) == (char *)s + 8192);
    CHECK_OK("sbrk -8192", sbrk(-8192));
    TRUE("sbrk back", sbrk(0) == s);
    return 0;
}
