/* madvise(2) and mincore(2): advice values, MADV_DONTNEED zeroing, validation. */
#include "common.h"
#include <sys/mman.h>

#define PG 4096UL

int main(void)
{
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 1, 4 * PG);
    CHECK("normal", madvise(p, 4 * PG, MADV_NORMAL));
    CHECK("random", madvise(p, 4 * PG, MADV_RANDOM));
    CHECK("sequential", madvise(p, 4 * PG, MADV_SEQUENTIAL));
    CHECK("willneed", madvise(p, 4 * PG, MADV_WILLNEED));
    TRUE("data kept", p[0] == 1 && p[4 * PG - 1] == 1);
    CHECK("dontneed page 1", madvise(p + PG, PG, MADV_DONTNEED));
    TRUE("dontneed zeroes anon private", p[PG] == 0 && p[2 * PG - 1] == 0);
    TRUE("neighbours kept", p[PG - 1] == 1 && p[2 * PG] == 1);
    CHECK("dontfork", madvise(p, PG, MADV_DONTFORK));
    CHECK("dofork", madvise(p, PG, MADV_DOFORK));
    CHECK("length 0", madvise(p, 0, MADV_NORMAL));
    CHECK("unaligned", madvise(p + 1, PG, MADV_NORMAL));
    CHECK("bad advice", madvise(p, PG, 9999));
    CHECK("unmapped", madvise((void *)0x100000000000UL, PG, MADV_NORMAL));
    CHECK("unmapped dontneed", madvise((void *)0x100000000000UL, PG, MADV_DONTNEED));
    munmap(p + 2 * PG, PG);
    CHECK("across hole", madvise(p, 4 * PG, MADV_WILLNEED));
    unsigned char vec[4];
    CHECK("mincore mapped", mincore(p, PG, vec));
    CHECK("mincore unmapped", mincore(p + 2 * PG, PG, vec));
    CHECK("mincore unaligned", mincore(p + 1, PG, vec));
    CHECK("mincore bad vec", syscall(SYS_mincore, p, PG, BAD_PTR));
    munmap(p, 4 * PG);
    return 0;
}
