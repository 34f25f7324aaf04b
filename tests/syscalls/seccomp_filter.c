/* seccomp(2): the queries, argument and program checks, and what each filter action does to
 * the call (ERRNO, TRAP, TRACE and USER_NOTIF without a tracer, LOG, KILL_*), across stacked
 * filters too. Every filter goes on in a child of its own. */
#include "seccomp.h"
#include <linux/capability.h>

static volatile int trap_signo, trap_code, trap_syscall, trap_errno;
static volatile unsigned trap_arch;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    trap_signo = sig;
    trap_code = si->si_code;
    trap_syscall = si->si_syscall;
    trap_arch = si->si_arch;
    trap_errno = si->si_errno;
}

static void no_privs(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    CHECK("capset none", syscall(SYS_capset, &h, d));
    CHECK("filter without no_new_privs", install_for(SYS_getppid, SECCOMP_RET_ERRNO | 1));
    CHECK("PR_SET_SECCOMP without no_new_privs", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL));
}

static void bad_programs(void)
{
    CHECK("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    struct sock_fprog empty = { 0, NULL };
    CHECK("len 0", sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &empty));
    struct sock_fprog big = { 4097, NULL };
    CHECK("len 4097", sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &big));
    struct sock_fprog nul = { 1, NULL };
    CHECK("filter NULL", sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, &nul));
    CHECK("fprog NULL", sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL));
    CHECK("fprog bad", sys_seccomp(SECCOMP_SET_MODE_FILTER, 0, BAD_PTR));
    struct sock_filter half[] = { BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("LD|H|ABS", install(half, 2, 0));
    struct sock_filter far[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("load past seccomp_data", install(far, 2, 0));
    struct sock_filter odd[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("unaligned load", install(odd, 2, 0));
    struct sock_filter jump[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("jump out of the program", install(jump, 2, 0));
    struct sock_filter ja[] = { BPF_STMT(BPF_JMP | BPF_JA, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("JA out of the program", install(ja, 2, 0));
    struct sock_filter noret[] = { BPF_STMT(BPF_LD | BPF_IMM, 0) };
    CHECK("no RET at the end", install(noret, 1, 0));
    struct sock_filter mem[] = { BPF_STMT(BPF_LD | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("scratch read before write", install(mem, 2, 0));
    struct sock_filter memok[] = { BPF_STMT(BPF_ST, 3), BPF_STMT(BPF_LDX | BPF_MEM, 3), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("scratch written then read", install(memok, 3, 0));
    struct sock_filter memidx[] = { BPF_STMT(BPF_ST, 16), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("scratch index 16", install(memidx, 2, 0));
    struct sock_filter div0[] = { BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    CHECK("divide by constant 0", install(div0, 2, 0));
    struct sock_filter retx[] = { BPF_STMT(BPF_RET | BPF_X, 0) };
    CHECK("RET|X", install(retx, 1, 0));
    CHECK("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP));
    /* BPF_LEN is the size of seccomp_data: 64 is KILL_THREAD with data 64, for the next call. */
    struct sock_filter len[] = { BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_RET | BPF_A, 0) };
    fflush(stdout);
    install(len, 2, 0);
    printf("not reached\n");
}

static void act_errno(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    CHECK("install ERRNO(EPERM) for getppid", install_for(SYS_getppid, SECCOMP_RET_ERRNO | EPERM));
    CHECK("getppid", syscall(SYS_getppid));
    CHECK("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP));
    CHECK("install ERRNO(5000) for umask", install_for(SYS_umask, SECCOMP_RET_ERRNO | 5000));
    errno = 0;
    long r = syscall(SYS_umask, 022);
    printf("umask: ret=%ld errno=%d\n", r, errno);
    CHECK("install ERRNO(0) for dup", install_for(SYS_dup, SECCOMP_RET_ERRNO | 0));
    CHECK("dup (answered 0)", syscall(SYS_dup, 1));
}

static void act_trace_notif_log(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_TRACE | 7);
    CHECK("TRACE without a tracer", syscall(SYS_getppid));
    install_for(SYS_umask, SECCOMP_RET_USER_NOTIF);
    CHECK("USER_NOTIF without a listener", syscall(SYS_umask, 022));
    install_for(SYS_getuid, SECCOMP_RET_LOG);
    TRUE("LOG runs the call", syscall(SYS_getuid) >= 0);
}

static void act_trap(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    install_for(SYS_getppid, SECCOMP_RET_TRAP | 42);
    long r = syscall(SYS_getppid);
    printf("TRAP: ret=%ld (getppid is %d) signo=%d code=%d syscall=%d arch=%#x errno=%d\n",
           r, SYS_getppid, trap_signo, trap_code, trap_syscall, trap_arch, trap_errno);
}

static void act_trap_default(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_TRAP);
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void act_kill_process(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_KILL_PROCESS);
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void act_kill_thread(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_KILL_THREAD);
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void act_unknown(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, 0x00420000);
    syscall(SYS_getppid);
    printf("not reached\n");
}

static void stacked(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_for(SYS_getppid, SECCOMP_RET_ERRNO | 1);
    install_for(SYS_getppid, SECCOMP_RET_ERRNO | 2);
    errno = 0;
    long r = syscall(SYS_getppid);
    printf("ERRNO 1 then ERRNO 2: ret=%ld errno=%d\n", r, errno);
    install_for(SYS_getppid, SECCOMP_RET_LOG);
    install_for(SYS_getppid, SECCOMP_RET_ALLOW);
    errno = 0;
    r = syscall(SYS_getppid);
    printf("then LOG and ALLOW: ret=%ld errno=%d\n", r, errno);
    install_for(SYS_getppid, SECCOMP_RET_TRACE);
    errno = 0;
    r = syscall(SYS_getppid);
    printf("then TRACE: ret=%ld errno=%d\n", r, errno);
    fflush(stdout);
    install_for(SYS_getppid, SECCOMP_RET_KILL_PROCESS);
    syscall(SYS_getppid);
    printf("not reached\n");
}

/* A filter on the arguments and on the arch: close(1000) and only close(1000) gets EL2HLT. */
static void args_and_arch(void)
{
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_STMT(BPF_ST, 0),
        BPF_STMT(BPF_LDX | BPF_MEM, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EL2HLT),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    CHECK("install", install(f, sizeof f / sizeof f[0], SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    errno = 0;
    long r = syscall(SYS_close, 1000);
    printf("close(1000): ret=%ld errno=%d\n", r, errno);
    CHECK("close(1001)", syscall(SYS_close, 1001));
    /* The upper half of an argument is a word of its own. */
    errno = 0;
    r = syscall(SYS_close, 0x100000000UL | 1000);
    printf("close(1<<32 | 1000): ret=%ld errno=%d\n", r, errno);
    /* Strict mode is refused once filtering. */
    CHECK("then strict", sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL));
    CHECK("PR_SET_SECCOMP strict", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT));
}

int main(void)
{
    unsigned actions[] = { SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
                           SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW, 0x00420000, SECCOMP_RET_ERRNO | 5 };
    for (unsigned i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "ACTION_AVAIL %#x", actions[i]);
        CHECK(name, sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &actions[i]));
    }
    CHECK("ACTION_AVAIL flags", sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 1, &actions[0]));
    CHECK("ACTION_AVAIL bad pointer", sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, BAD_PTR));
    struct seccomp_notif_sizes sizes;
    CHECK("NOTIF_SIZES", sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sizes));
    printf("sizes: notif=%u resp=%u data=%u\n", sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data);
    CHECK("NOTIF_SIZES bad pointer", sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, BAD_PTR));
    CHECK("unknown op", sys_seccomp(99, 0, NULL));
    CHECK("strict with flags", sys_seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL));
    CHECK("strict with args", sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, &sizes));
    CHECK("filter with unknown flags", sys_seccomp(SECCOMP_SET_MODE_FILTER, 1UL << 20, NULL));
    CHECK("PR_SET_SECCOMP mode 3", prctl(PR_SET_SECCOMP, 3, 0));

    in_child("no privileges", no_privs);
    in_child("bad programs", bad_programs);
    in_child("errno", act_errno);
    in_child("trace, notif, log", act_trace_notif_log);
    in_child("trap", act_trap);
    in_child("trap without a handler", act_trap_default);
    in_child("kill process", act_kill_process);
    in_child("kill thread (the only one)", act_kill_thread);
    in_child("unknown action", act_unknown);
    in_child("stacked", stacked);
    in_child("args and arch", args_and_arch);
    return 0;
}
