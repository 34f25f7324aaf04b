using Sandbox.Linux.Native;

namespace Sandbox.Gofer.Confinement;

/// <summary>
/// The Gofer's seccomp filter: the file calls it serves 9P with, the socket calls of its
/// connections, and what the .NET runtime needs to run threads, allocate and suspend for GC.
/// Anything else (execve, ptrace, mount, socket, connect, open, setns, bpf, ...) kills the
/// whole process (SECCOMP_RET_KILL_PROCESS), as does any other architecture or the x32 ABI.
/// </summary>
public static class SyscallPolicy
{
    /// <summary>Allowed with any arguments.</summary>
    public static readonly int[] Allowed =
    [
        // 9P service: file calls (all relative to directory fds) and the socket's read/write.
        0 /*read*/, 1 /*write*/, 3 /*close*/, 5 /*fstat*/, 8 /*lseek*/, 17 /*pread64*/, 18 /*pwrite64*/,
        19 /*readv*/, 20 /*writev*/, 32 /*dup*/, 72 /*fcntl*/, 74 /*fsync*/, 75 /*fdatasync*/, 77 /*ftruncate*/,
        138 /*fstatfs*/, 190 /*fsetxattr*/, 193 /*fgetxattr*/, 196 /*flistxattr*/, 199 /*fremovexattr*/,
        217 /*getdents64*/, 257 /*openat*/, 258 /*mkdirat*/, 259 /*mknodat*/, 260 /*fchownat*/,
        262 /*newfstatat*/, 263 /*unlinkat*/, 265 /*linkat*/, 266 /*symlinkat*/, 267 /*readlinkat*/,
        268 /*fchmodat*/, 280 /*utimensat*/, 316 /*renameat2*/, 332 /*statx*/,
        43 /*accept*/, 288 /*accept4*/, 48 /*shutdown*/, 45 /*recvfrom*/, 44 /*sendto*/, 46 /*sendmsg*/, 47 /*recvmsg*/,
        // The .NET runtime: memory, threads, signals used for GC suspension, time.
        9 /*mmap*/, 10 /*mprotect*/, 11 /*munmap*/, 12 /*brk*/, 25 /*mremap*/, 28 /*madvise*/, 149 /*mlock*/,
        13 /*rt_sigaction*/, 14 /*rt_sigprocmask*/, 15 /*rt_sigreturn*/, 131 /*sigaltstack*/,
        24 /*sched_yield*/, 35 /*nanosleep*/, 230 /*clock_nanosleep*/, 228 /*clock_gettime*/, 96 /*gettimeofday*/,
        202 /*futex*/, 273 /*set_robust_list*/, 334 /*rseq*/, 218 /*set_tid_address*/, 204 /*sched_getaffinity*/,
        39 /*getpid*/, 186 /*gettid*/, 102 /*getuid*/, 104 /*getgid*/, 107 /*geteuid*/, 108 /*getegid*/,
        324 /*membarrier*/, 318 /*getrandom*/, 7 /*poll*/, 271 /*ppoll*/, 232 /*epoll_wait*/, 281 /*epoll_pwait*/,
        233 /*epoll_ctl*/, 219 /*restart_syscall*/, 60 /*exit*/, 231 /*exit_group*/, 302 /*prlimit64*/,
        309 /*getcpu*/, 27 /*mincore*/, 293 /*pipe2*/, 99 /*sysinfo*/,
        143 /*sched_getparam*/, 145 /*sched_getscheduler*/, 146 /*sched_get_priority_max*/, 147 /*sched_get_priority_min*/,
    ];

    private const uint CLONE_THREAD = 0x10000;
    /// <summary>CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME(0x80).</summary>
    private const uint CloneNewAny = 0x20000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80;
    private const int SYS_clone = 56, SYS_clone3 = 435, SYS_tgkill = 234, SYS_kill = 62, SYS_prctl = 157, SYS_sched_setaffinity = 203, SYS_sched_setscheduler = 144, SYS_readlink = 89;
    private const uint PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_VMA = 0x53564d41;
    private const uint ENOSYS = 38, EPERM = 1, ENOENT = 2;

    /// <summary>Builds the filter for a process whose pid is <paramref name="pid"/> (tgkill may only target it).</summary>
    public static BpfProgram Build(int pid)
    {
        var p = new BpfProgram();
        p.Load(BpfProgram.OffArch)
         .Emit(BpfProgram.JeqK, BpfProgram.AuditArchX86_64, 1, 0)
         .Return(BpfProgram.RetKillProcess)
         .LoadNr()
         .Emit(BpfProgram.JgeK, BpfProgram.X32Bit, 0, 1)
         .Return(BpfProgram.RetKillProcess);
        foreach (int nr in Allowed) p.AllowIfEq((uint)nr);

        // clone: threads only, never a new process or namespace.
        p.Emit(BpfProgram.JeqK, SYS_clone, 0, 6)
         .Load(BpfProgram.OffArgLow(0))
         .Emit(BpfProgram.JsetK, CloneNewAny, 3, 0)
         .Emit(BpfProgram.JsetK, CLONE_THREAD, 0, 2)
         .Return(BpfProgram.RetAllow)
         .LoadNr() // unreachable filler keeps the block's jumps simple
         .Return(BpfProgram.RetKillProcess);
        p.LoadNr();
        // clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc use clone.
        p.AllowIfEq(SYS_clone3, BpfProgram.RetErrno | ENOSYS);
        // readlink by path: the runtime's realpath when it probes for an assembly to load lazily.
        // Nothing of the host is reachable by path any more, so "not there" is true and keeps it alive.
        p.AllowIfEq(SYS_readlink, BpfProgram.RetErrno | ENOENT);
        // The runtime sets its threads' scheduling policy and copes with a refusal; no other process's.
        p.AllowIfEq(SYS_sched_setscheduler, BpfProgram.RetErrno | EPERM);
        // tgkill: signals to our own threads (the runtime suspends threads for GC with them);
        // kill: to ourselves (the runtime re-raises SIGTERM after its handlers).
        foreach (int sys in (int[])[SYS_tgkill, SYS_kill])
        {
            p.Emit(BpfProgram.JeqK, (uint)sys, 0, 4)
             .Load(BpfProgram.OffArgLow(0))
             .Emit(BpfProgram.JeqK, (uint)pid, 0, 1)
             .Return(BpfProgram.RetAllow)
             .Return(BpfProgram.RetKillProcess);
            p.LoadNr();
        }
        // sched_setaffinity: the runtime pins each new thread of its own (pid 0 = the caller).
        p.Emit(BpfProgram.JeqK, SYS_sched_setaffinity, 0, 4)
         .Load(BpfProgram.OffArgLow(0))
         .Emit(BpfProgram.JeqK, 0, 0, 1)
         .Return(BpfProgram.RetAllow)
         .Return(BpfProgram.RetKillProcess);
        p.LoadNr();
        // prctl: naming threads and anonymous mappings only.
        p.Emit(BpfProgram.JeqK, SYS_prctl, 0, 6)
         .Load(BpfProgram.OffArgLow(0))
         .Emit(BpfProgram.JeqK, PR_SET_NAME, 2, 0)
         .Emit(BpfProgram.JeqK, PR_GET_NAME, 1, 0)
         .Emit(BpfProgram.JeqK, PR_SET_VMA, 0, 1)
         .Return(BpfProgram.RetAllow)
         .Return(BpfProgram.RetKillProcess);
        p.Return(BpfProgram.RetKillProcess);
        return p;
    }

    private const int PR_SET_NO_NEW_PRIVS = 38, SECCOMP_SET_MODE_FILTER = 1, SECCOMP_FILTER_FLAG_TSYNC = 1;

    /// <summary>Sets no_new_privs and installs <paramref name="prog"/> on every thread (TSYNC). Returns 0 or -errno.</summary>
    public static unsafe int Install(BpfProgram prog)
    {
        long r = Sys.Syscall(Host.SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (r < 0) return (int)r;
        var code = prog.Code.ToArray();
        fixed (BpfInsn* f = code)
        {
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            var fprog = stackalloc long[2];
            fprog[0] = code.Length;
            fprog[1] = (long)f;
            r = Sys.Syscall(Host.SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)fprog);
        }
        // With TSYNC a positive result is the id of a thread that could not be synchronised.
        return r > 0 ? -(int)Linux.Errno.ESRCH : (int)r;
    }
}
