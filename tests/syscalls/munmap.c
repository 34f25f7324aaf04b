/* munmap(2): partial unmaps, holes, validation. Uses mprotect as a "is it mapped" probe. */
#include "common.h"
#include <sys/mman.h>

#define PG 4096UL

static int mapped(void *p)
{
    return mprotect(p, PG, PROT_READ | PROT_WRITE) == 0 ? 1 : -errno;
}

int main(void)
{
    char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 7, 8 * PG);
    CHECK("unmap middle", munmap(p + 3 * PG, 2 * PG));
    printf("page states:");
    for (int i = 0; i < 8; i++) {
        int m = mapped(p + i * PG);
        printf(" %s", m == 1 ? "mapped" : errname(-m));
    }
    printf("\n");
    TRUE("data kept", p[2 * PG] == 7 && p[5 * PG] == 7);
    CHECK("unmap hole again", munmap(p + 3 * PG, 2 * PG));
    CHECK("unmap spanning hole", munmap(p + 2 * PG, 4 * PG));
    CHECK("unmap unaligned", munmap(p + 1, PG));
    CHECK("unmap length 0", munmap(p, 0));
    CHECK("unmap unaligned length", munmap(p, 100));
    int m0 = mapped(p), m1 = mapped(p + PG);
    printf("after unmapping 100 bytes: first page %s, second page %s\n", m0 == 1 ? "mapped" : errname(-m0),
           m1 == 1 ? "mapped" : errname(-m1));
    CHECK("unmap rest", munmap(p, 8 * PG));
    CHECK("unmap above user space", munmap((void *)0x800000000000UL, PG));
    CHECK("unmap huge length", munmap((void *)PG, -PG));
    CHECK("unmap never mapped", munmap((void *)0x100000000000UL, PG));
    for (int i = 0; i < 64; i++) {
        char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        m[0] = 1;
        if (munmap(m + PG, PG) || munmap(m, PG) || munmap(m + 2 * PG, PG)) {
            printf("loop failed\n");
            return 1;
        }
    }
    printf("loop ok\n");
    return 0;
}
