/* mprotect(2): protection changes, splitting, validation. No faults are provoked. */
#include "common.h"
#include <sys/mman.h>

#define PG 4096UL

int main(void)
{
    char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    CHECK("read only", mprotect(p, PG, PROT_READ));
    TRUE("still readable", p[0] == 1);
    CHECK("none", mprotect(p + PG, PG, PROT_NONE));
    CHECK("back to rw", mprotect(p + PG, PG, PROT_READ | PROT_WRITE));
    p[PG] = 5;
    TRUE("writable again, kept zero-fill", p[PG] == 5 && p[PG + 1] == 0);
    CHECK("rwx", mprotect(p + 2 * PG, PG, PROT_READ | PROT_WRITE | PROT_EXEC));
    CHECK("unaligned addr", mprotect(p + 1, PG, PROT_READ));
    CHECK("unaligned length ok", mprotect(p, 10, PROT_READ | PROT_WRITE));
    CHECK("length 0", mprotect(p, 0, PROT_READ));
    CHECK("bad prot bits", mprotect(p, PG, 0x40));
    CHECK("growsdown on non-growsdown", mprotect(p, PG, PROT_READ | PROT_GROWSDOWN));
    CHECK("spanning beyond mapping", mprotect(p, 64 * PG, PROT_READ));
    CHECK("unmapped", mprotect((void *)0x100000000000UL, PG, PROT_READ));
    CHECK("wraps", mprotect(p, -PG, PROT_READ));
    CHECK("whole", mprotect(p, 4 * PG, PROT_READ | PROT_WRITE));
    p[3 * PG] = 2;
    TRUE("last page writable", p[3 * PG] == 2);
    munmap(p + PG, PG);
    CHECK("across hole", mprotect(p, 3 * PG, PROT_READ));
    CHECK("pkey_mprotect pkey -1", syscall(SYS_pkey_mprotect, p, PG, PROT_READ, -1));
    return 0;
}
