/* The AVX state survives a signal handler that changes it: the frame carries the XSAVE area
 * (not just the legacy fxsave image) and rt_sigreturn restores it. */
#include "proc.h"
#include <cpuid.h>
#include <signal.h>

static void handler(int s)
{
    (void)s;
    /* Clobber all of ymm0, upper half included. */
    __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0" ::: "xmm0");
}

int main(void)
{
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (!(c & (1u << 28)) || !(c & (1u << 27))) { /* AVX and OSXSAVE */
        printf("no AVX on this CPU\n");
        return 0;
    }
    signal(SIGUSR1, handler);
    unsigned out[8];
    __attribute__((aligned(32))) unsigned in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    __asm__ volatile(
        "vmovdqu (%1), %%ymm0\n\t"
        "mov $62, %%eax\n\t"          /* kill(getpid(), SIGUSR1) with ymm0 live */
        "mov %2, %%edi\n\t"
        "mov $10, %%esi\n\t"
        "syscall\n\t"
        "vmovdqu %%ymm0, (%0)\n\t"
        : : "r"(out), "r"(in), "r"(getpid()) : "rax", "rdi", "rsi", "rcx", "r11", "memory", "xmm0");
    int same = 1;
    for (int i = 0; i < 8; i++) same &= out[i] == in[i];
    printf("ymm0 after the handler: %s\n", same ? "preserved" : "clobbered");
    return 0;
}
