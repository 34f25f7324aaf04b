/* arch_prctl(2): FS/GS base get/set round trips, validated through %fs/%gs loads. */
#include "common.h"
#include <asm/prctl.h>

static __thread int tls_var = 42;

static long ap(int code, unsigned long arg)
{
    return syscall(SYS_arch_prctl, code, arg);
}

/* Temporarily point FS at 'fake', load %fs:0 and %fs:8, then restore FS. No libc calls
 * (which would use TLS) happen in between. */
static void fs_swap(unsigned long orig, unsigned long fake, unsigned long out[2])
{
    long r1, r2;
    unsigned long v0, v1;
    __asm__ volatile(
        "mov %[set], %%edi\n\t"
        "mov %[fake], %%rsi\n\t"
        "mov %[nr], %%eax\n\t"
        "syscall\n\t"
        "mov %%rax, %[r1]\n\t"
        "mov %%fs:0, %[v0]\n\t"
        "mov %%fs:8, %[v1]\n\t"
        "mov %[set], %%edi\n\t"
        "mov %[orig], %%rsi\n\t"
        "mov %[nr], %%eax\n\t"
        "syscall\n\t"
        "mov %%rax, %[r2]\n\t"
        : [r1] "=&r"(r1), [r2] "=&r"(r2), [v0] "=&r"(v0), [v1] "=&r"(v1)
        : [set] "i"(ARCH_SET_FS), [nr] "i"(SYS_arch_prctl), [fake] "m"(fake), [orig] "m"(orig)
        : "rax", "rdi", "rsi", "rcx", "r11", "memory");
    out[0] = v0;
    out[1] = v1;
    printf("set fake fs: ret=%ld, restore: ret=%ld\n", r1, r2);
}

int main(void)
{
    unsigned long fs = 0, fs2 = 0, gs = 1;
    CHECK("ARCH_GET_FS", ap(ARCH_GET_FS, (unsigned long)&fs));
    TRUE("fs nonzero", fs != 0);
    unsigned long self;
    __asm__("mov %%fs:0, %0" : "=r"(self));
    TRUE("fs:0 is TCB self pointer", self == fs);
    CHECK("ARCH_SET_FS same", ap(ARCH_SET_FS, fs));
    CHECK("ARCH_GET_FS again", ap(ARCH_GET_FS, (unsigned long)&fs2));
    TRUE("round trip", fs == fs2);
    TRUE("tls var intact", tls_var == 42);
    tls_var++;
    TRUE("tls var writable", tls_var == 43);

    static unsigned long fake[4] = {0x1111222233334444UL, 0x5555666677778888UL};
    unsigned long got[2];
    fs_swap(fs, (unsigned long)fake, got);
    TRUE("fs:0 via fake base", got[0] == fake[0]);
    TRUE("fs:8 via fake base", got[1] == fake[1]);
    TRUE("tls var after restore", tls_var == 43);

    CHECK("ARCH_GET_GS", ap(ARCH_GET_GS, (unsigned long)&gs));
    printf("initial gs base: %#lx\n", gs);
    static unsigned long gsbuf[2] = {0xabcdef0123456789UL, 7};
    CHECK("ARCH_SET_GS", ap(ARCH_SET_GS, (unsigned long)gsbuf));
    unsigned long gv;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(gv));
    TRUE("gs:0 via new base", gv == gsbuf[0]);
    CHECK("ARCH_GET_GS after set", ap(ARCH_GET_GS, (unsigned long)&gs));
    TRUE("gs round trip", gs == (unsigned long)gsbuf);
    CHECK("ARCH_SET_GS 0", ap(ARCH_SET_GS, 0));

    CHECK("ARCH_SET_FS non-canonical", ap(ARCH_SET_FS, 0x800000000000UL));
    CHECK("ARCH_SET_GS kernel address", ap(ARCH_SET_GS, (unsigned long)KERNEL_PTR));
    CHECK("ARCH_GET_FS efault", ap(ARCH_GET_FS, 8));
    CHECK("bad code", ap(0x9999, 0));
    CHECK("ARCH_GET_CPUID", ap(ARCH_GET_CPUID, 0));
    return 0;
}
