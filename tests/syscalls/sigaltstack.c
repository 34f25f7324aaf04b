/* sigaltstack(2): query, install, SS_AUTODISARM, disable, size and flag validation. */
#include "common.h"
#include <signal.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char stackmem[65536];

static void show(const char *label)
{
    stack_t s;
    memset(&s, 0x5a, sizeof s);
    long r = syscall(SYS_sigaltstack, NULL, &s);
    printf("%s: ret=%ld flags=%d size=%zu sp_is_ours=%d\n", label, r, s.ss_flags, s.ss_size,
           s.ss_sp == stackmem);
}

int main(void)
{
    show("initial");
    stack_t s = {.ss_sp = stackmem, .ss_size = sizeof stackmem, .ss_flags = 0};
    CHECK("install", sigaltstack(&s, NULL));
    show("installed");
    stack_t old;
    s.ss_size = 32768;
    CHECK("reinstall smaller", sigaltstack(&s, &old));
    printf("old: flags=%d size=%zu\n", old.ss_flags, old.ss_size);
    s.ss_flags = SS_AUTODISARM;
    CHECK("autodisarm", sigaltstack(&s, NULL));
    show("autodisarm");
    s.ss_flags = SS_ONSTACK;
    CHECK("SS_ONSTACK flag accepted", sigaltstack(&s, NULL));
    show("after SS_ONSTACK");
    s.ss_size = 1024;
    s.ss_flags = 0;
    CHECK("too small", sigaltstack(&s, NULL));
    s.ss_size = 2048;
    CHECK("MINSIGSTKSZ", sigaltstack(&s, NULL));
    show("min size");
    s.ss_size = sizeof stackmem;
    s.ss_flags = 4;
    CHECK("bad flags", sigaltstack(&s, NULL));
    s.ss_flags = SS_DISABLE;
    s.ss_size = 0;
    CHECK("disable (size ignored)", sigaltstack(&s, NULL));
    show("disabled");
    CHECK("efault new", syscall(SYS_sigaltstack, BAD_PTR, NULL));
    CHECK("efault old", syscall(SYS_sigaltstack, NULL, BAD_PTR));
    CHECK("both NULL", syscall(SYS_sigaltstack, NULL, NULL));
    return 0;
}
