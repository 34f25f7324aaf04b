/* The interrupted code's SSE/x87 state survives a handler that uses the FPU heavily. */
#include "proc.h"

static volatile double sink;
static void h(int s)
{
    (void)s;
    double acc = 0;
    for (int i = 1; i < 1000; i++)
        acc += 1.0 / i;
    __asm__ volatile("xorps %%xmm0, %%xmm0; xorps %%xmm1, %%xmm1; xorps %%xmm7, %%xmm7; xorps %%xmm15, %%xmm15" ::: "xmm0", "xmm1", "xmm7", "xmm15");
    sink = acc;
}

int main(void)
{
    signal(SIGUSR1, h);
    double in[4] = {1.5, -2.25, 3.125, 1e100}, out[4];
    long pid = getpid(), ret = SYS_kill;
    __asm__ volatile("movsd 0(%[i]), %%xmm0\n"
                     "movsd 8(%[i]), %%xmm1\n"
                     "movsd 16(%[i]), %%xmm7\n"
                     "movsd 24(%[i]), %%xmm15\n"
                     "syscall\n"
                     "movsd %%xmm0, 0(%[o])\n"
                     "movsd %%xmm1, 8(%[o])\n"
                     "movsd %%xmm7, 16(%[o])\n"
                     "movsd %%xmm15, 24(%[o])\n"
                     : "+a"(ret)
                     : [i] "r"(in), [o] "r"(out), "D"(pid), "S"((long)SIGUSR1)
                     : "rcx", "r11", "xmm0", "xmm1", "xmm7", "xmm15", "memory");
    printf("kill returned %ld; xmm preserved: %d %d %d %d\n", ret, out[0] == in[0], out[1] == in[1], out[2] == in[2], out[3] == in[3]);
    /* MXCSR rounding mode set before the signal is kept */
    unsigned mx, mx2;
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    unsigned want = (mx & ~0x6000u) | 0x6000u; /* round toward zero */
    __asm__ volatile("ldmxcsr %0" ::"m"(want));
    raise(SIGUSR1);
    __asm__ volatile("stmxcsr %0" : "=m"(mx2));
    __asm__ volatile("ldmxcsr %0" ::"m"(mx));
    printf("MXCSR rounding kept: %d\n", (mx2 & 0x6000u) == 0x6000u);
    /* x87 control word */
    unsigned short cw, cw2, cwnew;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    cwnew = (cw & ~0x0c00) | 0x0400; /* round down */
    __asm__ volatile("fldcw %0" ::"m"(cwnew));
    raise(SIGUSR1);
    __asm__ volatile("fnstcw %0" : "=m"(cw2));
    __asm__ volatile("fldcw %0" ::"m"(cw));
    printf("x87 control word kept: %d\n", cw2 == cwnew);
    printf("handler result: %.6f\n", sink);
    return 0;
}
