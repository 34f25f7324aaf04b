/* mmap(2) anonymous mappings: basic use, MAP_FIXED, MAP_FIXED_NOREPLACE, validation. */
#include "common.h"
#include <sys/mman.h>

#define PG 4096UL

int main(void)
{
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_OK("mmap 4 pages", p);
    TRUE("page aligned", ((uintptr_t)p & (PG - 1)) == 0);
    TRUE("zero filled", p[0] == 0 && p[4 * PG - 1] == 0);
    memset(p, 'a', 4 * PG);
    TRUE("readback", p[PG + 17] == 'a');

    char *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    TRUE("MAP_FIXED at requested address", q == p + PG);
    TRUE("MAP_FIXED replaced contents with zeros", q[0] == 0 && q[PG - 1] == 0);
    TRUE("neighbours untouched", p[PG - 1] == 'a' && p[2 * PG] == 'a');

    CHECK("MAP_FIXED_NOREPLACE over mapping",
          (long)mmap(p + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
    CHECK("MAP_FIXED_NOREPLACE partly over mapping",
          (long)mmap(p + 3 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));

    void *h = mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TRUE("hint over existing mapping moved elsewhere", h != MAP_FAILED && h != p + PG);
    munmap(h, PG);

    CHECK("MAP_FIXED unaligned", (long)mmap(p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    CHECK("length 0", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK("no private/shared", (long)mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0));
    CHECK("private|shared", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    CHECK("huge length", (long)mmap(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK("length -4096", (long)mmap(NULL, -PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK("unaligned offset anon", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1));
    CHECK("MAP_FIXED above user space", (long)mmap((void *)0x800000000000UL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));

    char *s = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK_OK("shared anon", s);
    s[5] = 9;
    TRUE("shared readback", s[5] == 9);

    char *odd = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK_OK("length not page multiple", odd);
    odd[PG - 1] = 1; /* rounded up to a whole page */
    TRUE("rest of page usable", odd[PG - 1] == 1);

    char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    TRUE("populate readonly zero", ro != MAP_FAILED && ro[100] == 0);
    char *none = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK_OK("prot none reserve", none);

    CHECK("munmap all", munmap(p, 4 * PG) | munmap(s, 2 * PG) | munmap(odd, 100) |
                            munmap(ro, PG) | munmap(none, 16 * PG));
    return 0;
}
