/* sysinfo(2): sanity only (values are host- and time-dependent). */
#include "common.h"
#include <sys/sysinfo.h>

int main(void)
{
    struct sysinfo si;
    memset(&si, 0, sizeof si);
    CHECK("sysinfo", sysinfo(&si));
    TRUE("totalram > 0", si.totalram > 0);
    TRUE("mem_unit > 0", si.mem_unit > 0);
    TRUE("freeram <= totalram", si.freeram <= si.totalram);
    TRUE("uptime >= 0", si.uptime >= 0);
    TRUE("procs >= 1", si.procs >= 1);
    TRUE("freeswap <= totalswap", si.freeswap <= si.totalswap);
    CHECK("efault", syscall(SYS_sysinfo, BAD_PTR));
    TRUE("nprocs >= 1", get_nprocs() >= 1);
    TRUE("sysconf PAGESIZE", sysconf(_SC_PAGESIZE) == 4096);
    return 0;
}
