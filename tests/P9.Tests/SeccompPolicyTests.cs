using Sandbox.Gofer.Confinement;
using Xunit;

namespace Sandbox.P9.Tests;

/// <summary>
/// The Gofer's seccomp program, run through a small classic-BPF interpreter: what it allows,
/// refuses and kills for given syscall data (the live tests prove the kernel agrees).
/// </summary>
public class SeccompPolicyTests
{
    private const int Pid = 4242;
    private static readonly BpfProgram Program = SyscallPolicy.Build(Pid);

    /// <summary>Runs the program on struct seccomp_data { nr, arch, ip, args[6] }.</summary>
    private static uint Run(int nr, uint arch = BpfProgram.AuditArchX86_64, params ulong[] args)
    {
        var data = new byte[64];
        BitConverter.GetBytes(nr).CopyTo(data, 0);
        BitConverter.GetBytes(arch).CopyTo(data, 4);
        for (int i = 0; i < args.Length; i++) BitConverter.GetBytes(args[i]).CopyTo(data, 16 + 8 * i);
        uint a = 0;
        var code = Program.Code;
        for (int pc = 0; pc < code.Count; pc++)
        {
            var ins = code[pc];
            switch (ins.Code)
            {
                case BpfProgram.LdWAbs: Assert.True(ins.K + 4 <= 64); a = BitConverter.ToUInt32(data, (int)ins.K); break;
                case BpfProgram.JeqK: pc += a == ins.K ? ins.Jt : ins.Jf; break;
                case BpfProgram.JgeK: pc += a >= ins.K ? ins.Jt : ins.Jf; break;
                case BpfProgram.JsetK: pc += (a & ins.K) != 0 ? ins.Jt : ins.Jf; break;
                case BpfProgram.RetK: return ins.K;
                default: Assert.Fail($"unexpected BPF instruction {ins.Code:x} at {pc}"); break;
            }
        }
        Assert.Fail("the program fell off its end");
        return 0;
    }

    private const uint Allow = BpfProgram.RetAllow, Kill = BpfProgram.RetKillProcess;

    [Fact]
    public void FitsTheKernelsLimitAndEveryJumpLandsInside()
    {
        Assert.True(Program.Code.Count < 4096);
        for (int pc = 0; pc < Program.Code.Count; pc++)
        {
            var i = Program.Code[pc];
            if (i.Code is BpfProgram.JeqK or BpfProgram.JgeK or BpfProgram.JsetK)
                Assert.True(pc + 1 + Math.Max(i.Jt, i.Jf) < Program.Code.Count, $"jump at {pc} leaves the program");
        }
    }

    [Theory]
    [InlineData(257)] // openat
    [InlineData(17)]  // pread64
    [InlineData(217)] // getdents64
    [InlineData(316)] // renameat2
    [InlineData(288)] // accept4
    [InlineData(202)] // futex
    public void FileAndRuntimeCallsAreAllowed(int nr) => Assert.Equal(Allow, Run(nr));

    [Theory]
    [InlineData(59)]  // execve
    [InlineData(322)] // execveat
    [InlineData(101)] // ptrace
    [InlineData(165)] // mount
    [InlineData(155)] // pivot_root
    [InlineData(41)]  // socket
    [InlineData(42)]  // connect
    [InlineData(2)]   // open (by path, not relative to a directory fd)
    [InlineData(87)]  // unlink
    [InlineData(308)] // setns
    [InlineData(272)] // unshare
    [InlineData(321)] // bpf
    [InlineData(57)]  // fork
    [InlineData(126)] // capset
    [InlineData(1000)]
    public void EverythingElseKills(int nr) => Assert.Equal(Kill, Run(nr));

    [Fact]
    public void OtherArchitecturesAndX32Kill()
    {
        Assert.Equal(Kill, Run(257, arch: 0x40000003)); // i386
        Assert.Equal(Kill, Run(257 | 0x40000000));       // x32 openat
    }

    [Fact]
    public void ArgumentsAreChecked()
    {
        const ulong Thread = 0x10000 | 0x100 | 0x200 | 0x400 | 0x800; // what pthread_create passes
        Assert.Equal(Allow, Run(56, args: [Thread]));
        Assert.Equal(Kill, Run(56, args: [0x11])); // fork-like clone
        Assert.Equal(Kill, Run(56, args: [Thread | 0x20000])); // a thread in a new mount namespace
        Assert.Equal(Allow, Run(234, args: [Pid, 77, 10])); // tgkill of our own thread
        Assert.Equal(Kill, Run(234, args: [1, 1, 9]));      // anyone else's
        Assert.Equal(Allow, Run(62, args: [Pid, 15]));
        Assert.Equal(Kill, Run(62, args: [1, 9]));
        Assert.Equal(Allow, Run(157, args: [15]));  // PR_SET_NAME
        Assert.Equal(Kill, Run(157, args: [24]));   // PR_CAPBSET_DROP
        Assert.Equal(Allow, Run(203, args: [0]));   // sched_setaffinity of the caller
        Assert.Equal(Kill, Run(203, args: [1]));
    }

    [Fact]
    public void SomeRuntimeCallsGetAnErrnoInsteadOfAKill()
    {
        Assert.Equal(BpfProgram.RetErrno | 38, Run(435)); // clone3: ENOSYS, glibc falls back to clone
        Assert.Equal(BpfProgram.RetErrno | 1, Run(144));  // sched_setscheduler: EPERM
        Assert.Equal(BpfProgram.RetErrno | 2, Run(89));   // readlink: ENOENT
    }
}
