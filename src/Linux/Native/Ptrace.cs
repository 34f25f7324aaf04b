namespace Sandbox.Linux.Native;

/// <summary>ptrace(2) requests, options and wait(2) constants (linux/ptrace.h, sys/wait.h).</summary>
public static class PtraceRequest
{
    public const int TRACEME = 0, PEEKDATA = 2, PEEKUSER = 3, POKEDATA = 5, POKEUSER = 6, CONT = 7,
        KILL = 8, SINGLESTEP = 9, GETREGS = 12, SETREGS = 13, GETFPREGS = 14, SETFPREGS = 15,
        ATTACH = 16, DETACH = 17, SYSCALL = 24, SETOPTIONS = 0x4200, GETEVENTMSG = 0x4201,
        GETSIGINFO = 0x4202, SETSIGINFO = 0x4203, GETREGSET = 0x4204, SETREGSET = 0x4205,
        SEIZE = 0x4206, INTERRUPT = 0x4207, LISTEN = 0x4208, SYSEMU = 31, SYSEMU_SINGLESTEP = 32;

    public const int O_TRACESYSGOOD = 1, O_TRACEFORK = 2, O_TRACEVFORK = 4, O_TRACECLONE = 8,
        O_TRACEEXEC = 0x10, O_TRACEVFORKDONE = 0x20, O_TRACEEXIT = 0x40, O_TRACESECCOMP = 0x80,
        O_EXITKILL = 0x100000;
}

public static class Wait
{
    public const int WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8,
        WNOWAIT = 0x01000000, __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = unchecked((int)0x80000000);

    public static bool IfExited(int s) => (s & 0x7f) == 0;
    public static int ExitStatus(int s) => (s >> 8) & 0xff;
    public static bool IfSignaled(int s) => ((sbyte)((s & 0x7f) + 1) >> 1) > 0;
    public static int TermSig(int s) => s & 0x7f;
    public static bool IfStopped(int s) => (s & 0xff) == 0x7f;
    public static int StopSig(int s) => (s >> 8) & 0xff;
}
