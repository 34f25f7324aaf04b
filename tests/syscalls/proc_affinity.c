/* sched_setaffinity/getaffinity as the program sees them: the set it chose, inherited by
 * children, CPU_COUNT equal to the number of online CPUs at first, errors. */
#include "proc.h"
#include <sched.h>

int main(void)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CHECK("getaffinity", sched_getaffinity(0, sizeof s, &s));
    printf("CPU_COUNT equals online CPUs: %d\n", CPU_COUNT(&s) == sysconf(_SC_NPROCESSORS_ONLN));
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    CHECK("setaffinity {0}", sched_setaffinity(0, sizeof one, &one));
    CPU_ZERO(&s);
    sched_getaffinity(0, sizeof s, &s);
    printf("now: count %d, cpu0 %d\n", CPU_COUNT(&s), CPU_ISSET(0, &s));
    pid_t c = xfork();
    if (c == 0) {
        CPU_ZERO(&s);
        sched_getaffinity(0, sizeof s, &s);
        printf("child inherits: count %d\n", CPU_COUNT(&s));
        fflush(stdout);
        _exit(0);
    }
    reap("child", c);
    cpu_set_t none;
    CPU_ZERO(&none);
    CHECK("setaffinity {} ", sched_setaffinity(0, sizeof none, &none));
    CHECK("getaffinity small buffer", syscall(SYS_sched_getaffinity, 0, 4, &s));
    CHECK("getaffinity odd size", syscall(SYS_sched_getaffinity, 0, 12, &s));
    CHECK("getaffinity no such pid", sched_getaffinity(999999, sizeof s, &s));
    CHECK("getaffinity bad pointer", syscall(SYS_sched_getaffinity, 0, sizeof s, BAD_PTR));
    return 0;
}
