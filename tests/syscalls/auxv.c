/* The auxiliary vector: values only, never addresses. */
#include "common.h"
#include <elf.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
    (void)argc;
    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("AT_UID: %lu\n", getauxval(AT_UID));
    printf("AT_EUID: %lu\n", getauxval(AT_EUID));
    printf("AT_GID: %lu\n", getauxval(AT_GID));
    printf("AT_EGID: %lu\n", getauxval(AT_EGID));
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    printf("AT_CLKTCK: %lu\n", getauxval(AT_CLKTCK));
    printf("AT_FLAGS: %lu\n", getauxval(AT_FLAGS));
    printf("AT_BASE (static: 0): %lu\n", getauxval(AT_BASE));
    printf("AT_PHENT: %lu\n", getauxval(AT_PHENT));
    printf("AT_PHNUM: %lu\n", getauxval(AT_PHNUM));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM: %s\n", plat ? plat : "(none)");
    unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
    TRUE("AT_RANDOM non-NULL", rnd != NULL);
    int nz = 0;
    for (int i = 0; rnd && i < 16; i++)
        nz |= rnd[i];
    TRUE("AT_RANDOM bytes not all zero", nz != 0);
    TRUE("AT_PHDR non-zero", getauxval(AT_PHDR) != 0);
    TRUE("AT_ENTRY non-zero", getauxval(AT_ENTRY) != 0);
    extern char _start[];
    TRUE("AT_ENTRY == _start", getauxval(AT_ENTRY) == (unsigned long)_start);
    Elf64_Phdr *ph = (Elf64_Phdr *)getauxval(AT_PHDR);
    int phdr_self = 0;
    for (unsigned long i = 0; ph && i < getauxval(AT_PHNUM); i++)
        if (ph[i].p_type == PT_LOAD)
            phdr_self = 1;
    TRUE("AT_PHDR points at program headers with PT_LOAD", phdr_self);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    TRUE("AT_EXECFN == argv[0]", execfn && strcmp(execfn, argv[0]) == 0);
    TRUE("AT_HWCAP present", getauxval(AT_HWCAP) != 0);
    errno = 0;
    getauxval(12345);
    printf("unknown type errno: %s\n", errname(errno));
    return 0;
}
