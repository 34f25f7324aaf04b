/* sched_getaffinity(2) and friends: sizes, at least one CPU, errors. No CPU counts printed. */
#include "common.h"
#include <sched.h>

int main(void)
{
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    long r = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    TRUE("returns positive size", r > 0);
    TRUE("size multiple of 8", r % 8 == 0);
    int cpus = 0;
    for (int i = 0; i < 16; i++)
        cpus += __builtin_popcountl(mask[i]);
    TRUE("at least one cpu", cpus >= 1);
    cpu_set_t set;
    CHECK("glibc sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    TRUE("CPU_COUNT matches", CPU_COUNT(&set) == cpus);
    TRUE("self pid same", syscall(SYS_sched_getaffinity, getpid(), sizeof mask, mask) == r);
    CHECK("size 1", syscall(SYS_sched_getaffinity, 0, 1, mask));
    CHECK("size 0", syscall(SYS_sched_getaffinity, 0, 0, mask));
    CHECK("size 12 (not multiple of 8)", syscall(SYS_sched_getaffinity, 0, 12, mask));
    CHECK("efault", syscall(SYS_sched_getaffinity, 0, sizeof mask, BAD_PTR));
    CHECK("bad pid", syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof mask, mask));
    CHECK("setaffinity same mask", sched_setaffinity(0, sizeof set, &set));
    cpu_set_t none;
    CPU_ZERO(&none);
    CHECK("setaffinity empty", sched_setaffinity(0, sizeof none, &none));

    CHECK("sched_yield", sched_yield());
    CHECK("sched_getscheduler", sched_getscheduler(0));
    struct sched_param sp = {.sched_priority = 99};
    CHECK("sched_getparam", sched_getparam(0, &sp));
    printf("priority: %d\n", sp.sched_priority);
    CHECK("prio max FIFO", sched_get_priority_max(SCHED_FIFO));
    CHECK("prio min FIFO", sched_get_priority_min(SCHED_FIFO));
    CHECK("prio max OTHER", sched_get_priority_max(SCHED_OTHER));
    CHECK("prio max bad", sched_get_priority_max(99));
    CHECK("getscheduler bad pid", sched_getscheduler(0x3fffffff));
    CHECK("getscheduler negative pid", sched_getscheduler(-1));
    CHECK("getcpu", syscall(SYS_getcpu, NULL, NULL, NULL));
    unsigned cpu = 9999;
    syscall(SYS_getcpu, &cpu, NULL, NULL);
    TRUE("getcpu in affinity mask", cpu < 1024 && (mask[cpu / 64] >> (cpu % 64) & 1));
    return 0;
}
