using System.Text;
using Sandbox.Linux.Native;
using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// --ipc host: the sandbox's System V IPC is the host's. A segment made on the host is seen,
/// attached and shared both ways in the sandbox (and by a forked child there); without the
/// option the sandbox has a namespace of its own that does not have it.
/// </summary>
public unsafe class HostIpcTests
{
    private const int SYS_shmget = 29, SYS_shmat = 30, SYS_shmctl = 31, SYS_shmdt = 67, IPC_RMID = 0;

    private static string Program => Path.Combine(SandboxProcess.SyscallTestsDir, "sysv_shm");

    [Fact]
    public void HostSegmentIsSharedBothWays()
    {
        int id = (int)Sys.Syscall(SYS_shmget, 0 /* IPC_PRIVATE */, 8192, 0x180 /* 0600 */);
        Assert.True(id >= 0, $"shmget: {id}");
        long at = Sys.Syscall(SYS_shmat, id, 0, 0);
        try
        {
            Assert.True(at > 0 || at < -4096, $"shmat: {at}");
            var mem = new Span<byte>((void*)at, 8192);
            "from-host\0"u8.CopyTo(mem);
            var r = SandboxProcess.SandboxCli("run", "--ipc", "host", "--", Program, "attach", id.ToString());
            Assert.True(r.Exit == 0, $"exit {r.Exit}\n{r.Stdout}\n{r.Stderr}");
            Assert.Contains("read: from-host\n", r.Stdout);
            Assert.Contains("segsz: 8192\n", r.Stdout);
            Assert.Contains("listed: 1\n", r.Stdout);
            Assert.Contains("child reads: from-sandbox\n", r.Stdout);
            Assert.Contains("shmdt: ret=0", r.Stdout);
            Assert.Equal("from-sandbox", Encoding.ASCII.GetString(mem.Slice(0, 12)));

            var own = SandboxProcess.SandboxCli("run", "--", Program, "attach", id.ToString());
            Assert.Equal(1, own.Exit);
            Assert.Contains("shmat: EINVAL", own.Stdout);
        }
        finally
        {
            Sys.Syscall(SYS_shmdt, at);
            Sys.Syscall(SYS_shmctl, id, IPC_RMID, 0);
        }
    }

    /// <summary>ipcs(1) in the sandbox lists a host segment only with --ipc host (critest's HostIpc specs).</summary>
    [SkippableFact]
    public void IpcsListsHostSegmentsOnlyWithHostIpc()
    {
        Skip.IfNot(File.Exists("/usr/bin/ipcs"), "ipcs (util-linux) is not installed");
        int id = (int)Sys.Syscall(SYS_shmget, 0, 4096, 0x1a4 /* 0644 */);
        Assert.True(id >= 0, $"shmget: {id}");
        try
        {
            var host = SandboxProcess.SandboxCli("run", "--ipc", "host", "--", "/usr/bin/ipcs", "-m");
            Assert.True(host.Exit == 0, host.Stderr);
            Assert.Contains($" {id} ", host.Stdout);
            var own = SandboxProcess.SandboxCli("run", "--", "/usr/bin/ipcs", "-m");
            Assert.True(own.Exit == 0, own.Stderr);
            Assert.Contains("Shared Memory Segments", own.Stdout);
            Assert.DoesNotContain($" {id} ", own.Stdout);
        }
        finally { Sys.Syscall(SYS_shmctl, id, IPC_RMID, 0); }
    }

    /// <summary>Host semaphores and message queues through ipcs(1) and ipcrm(1) with --ipc host: values read, objects removed.</summary>
    [SkippableFact]
    public void HostSemaphoresAndQueuesWithHostIpc()
    {
        Skip.IfNot(File.Exists("/usr/bin/ipcs") && File.Exists("/usr/bin/ipcrm"), "ipcs/ipcrm (util-linux) are not installed");
        const int SYS_semget = 64, SYS_semctl = 66, SYS_msgget = 68, SYS_msgsnd = 69, SYS_msgctl = 71, SETVAL = 16;
        int sem = (int)Sys.Syscall(SYS_semget, 0, 2, 0x180);
        int q = (int)Sys.Syscall(SYS_msgget, 0, 0x180);
        Assert.True(sem >= 0 && q >= 0, $"semget {sem}, msgget {q}");
        try
        {
            Assert.Equal(0, Sys.Syscall(SYS_semctl, sem, 1, SETVAL, 7));
            var msg = new byte[8 + 5];
            msg[0] = 1;
            "hello"u8.CopyTo(msg.AsSpan(8));
            fixed (byte* m = msg) Assert.Equal(0, Sys.Syscall(SYS_msgsnd, q, (long)m, 5, 0));

            var s = SandboxProcess.SandboxCli("run", "--ipc", "host", "--", "/usr/bin/ipcs", "-s", "-i", sem.ToString());
            Assert.True(s.Exit == 0, s.Stdout + s.Stderr);
            Assert.Matches(@"(?m)^1\s+7\s", s.Stdout);
            var m2 = SandboxProcess.SandboxCli("run", "--ipc", "host", "--", "/usr/bin/ipcs", "-q", "-i", q.ToString());
            Assert.True(m2.Exit == 0, m2.Stdout + m2.Stderr);
            Assert.Contains("qnum=1", m2.Stdout.Replace(" ", ""));
            // Not the sandbox's own objects: its namespace has neither.
            var own = SandboxProcess.SandboxCli("run", "--", "/usr/bin/ipcs", "-s", "-i", sem.ToString());
            Assert.DoesNotContain("semid=", own.Stdout);
            Assert.Contains("not found", own.Stderr);

            var nobody = SandboxProcess.SandboxCli("run", "--ipc", "host", "--user", "65534", "--", "/usr/bin/ipcrm", "-s", sem.ToString());
            Assert.NotEqual(0, nobody.Exit);
            var rm = SandboxProcess.SandboxCli("run", "--ipc", "host", "--", "/usr/bin/ipcrm", "-s", sem.ToString(), "-q", q.ToString());
            Assert.True(rm.Exit == 0, rm.Stdout + rm.Stderr);
            Assert.True(Sys.Syscall(SYS_semctl, sem, 0, 12 /* GETVAL */) < 0, "the set is gone from the host");
            byte* ds = stackalloc byte[128];
            Assert.True(Sys.Syscall(SYS_msgctl, q, 2 /* IPC_STAT */, (long)ds) < 0, "the queue is gone from the host");
        }
        finally
        {
            Sys.Syscall(SYS_semctl, sem, 0, IPC_RMID, 0);
            Sys.Syscall(SYS_msgctl, q, IPC_RMID, 0);
        }
    }
}
