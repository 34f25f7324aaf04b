using Xunit;

namespace Sandbox.Tests;

/// <summary>
/// `sandbox run`'s identity, capability, seccomp-profile, mount and sysctl options, checked
/// against what runc gives a container with the same OCI settings (the native side cannot be
/// set up the same way without a container runtime, so the expectations are runc's).
/// </summary>
public class SecurityOptionsTests : IDisposable
{
    // Not under /tmp: the sandbox has its own /tmp.
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(SandboxProcess.RepoRoot, "artifacts", "test-tmp", Guid.NewGuid().ToString("n"))).FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static SandboxProcess.Result Sh(string script, params string[] options)
        => SandboxProcess.SandboxCli(new[] { "run" }.Concat(options).Concat(new[] { "--", "/bin/sh", "-c", script }).ToArray());

    private static string Field(string status, string key) =>
        status.Split('\n').First(l => l.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim();

    [Fact]
    public void NonRootUserKeepsOnlyTheBoundingSet()
    {
        // runc: bounding = the list; after execve a non-root uid has no permitted or effective capabilities.
        var r = Sh("id -u; id -g; id -G; cat /proc/self/status",
            "--user", "1000:1001", "--groups", "10,20", "--cap-drop", "ALL", "--cap-add", "NET_RAW,CHOWN", "--no-new-privileges");
        Assert.True(r.Exit == 0, r.Stderr);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("1000", lines[0]);
        Assert.Equal("1001", lines[1]);
        Assert.Equal("1001 10 20", lines[2]);
        Assert.Equal("0000000000002001", Field(r.Stdout, "CapBnd"));
        Assert.Equal("0000000000000000", Field(r.Stdout, "CapEff"));
        Assert.Equal("0000000000000000", Field(r.Stdout, "CapPrm"));
        Assert.Equal("1", Field(r.Stdout, "NoNewPrivs"));
        Assert.Equal("0", Field(r.Stdout, "Seccomp"));
    }

    [Fact]
    public void RootGetsExactlyTheListedCapabilities()
    {
        var r = Sh("cat /proc/self/status", "--cap-drop", "ALL", "--cap-add", "CAP_CHOWN", "--cap-add", "kill");
        Assert.True(r.Exit == 0, r.Stderr);
        foreach (var set in new[] { "CapBnd", "CapEff", "CapPrm" }) Assert.Equal("0000000000000021", Field(r.Stdout, set));
        Assert.Equal("0000000000000000", Field(r.Stdout, "CapInh"));
        // Dropping one keeps the rest of the host's set.
        r = Sh("cat /proc/self/status", "--cap-drop", "NET_RAW");
        Assert.Equal(0UL, Convert.ToUInt64(Field(r.Stdout, "CapBnd"), 16) & (1UL << 13));
    }

    [Fact]
    public void AmbientCapabilitiesSurviveForANonRootUser()
    {
        var r = Sh("cat /proc/self/status", "--user", "1000", "--cap-drop", "ALL", "--cap-add", "NET_BIND_SERVICE", "--cap-ambient", "NET_BIND_SERVICE");
        Assert.True(r.Exit == 0, r.Stderr);
        foreach (var set in new[] { "CapEff", "CapPrm", "CapAmb", "CapInh" }) Assert.Equal("0000000000000400", Field(r.Stdout, set));
        r = Sh("true", "--cap-drop", "ALL", "--cap-ambient", "NET_ADMIN");
        Assert.Equal(125, r.Exit);
    }

    [Fact]
    public void BadIdentityOptionsAreRefused()
    {
        Assert.Equal(125, Sh("true", "--cap-add", "NOT_A_CAP").Exit);
        Assert.Equal(125, Sh("true", "--user", "no-such-user-here").Exit);
        Assert.Equal(125, Sh("true", "--user", "0:no-such-group-here").Exit);
    }

    [Fact]
    public void SeccompProfileBlocksWhatItLists()
    {
        string profile = Path.Combine(_dir, "profile.json");
        File.WriteAllText(profile, """
            {
              "defaultAction": "SCMP_ACT_ALLOW",
              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
              "syscalls": [
                { "names": ["chmod", "fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO" },
                { "names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 },
                { "names": ["fchmod"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": 1, "value": 511, "op": "SCMP_CMP_EQ" } ] },
                { "names": ["no_such_call_on_x86_64"], "action": "SCMP_ACT_KILL" },
                { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "excludes": { "caps": ["CAP_SYS_ADMIN"] } }
              ]
            }
            """);
        var r = Sh("grep -E '^Seccomp' /proc/self/status; touch /tmp/f; chmod 600 /tmp/f 2>/dev/null && echo chmod ok || echo chmod refused; mkdir /tmp/d && echo mkdir ok",
            "--seccomp-profile", profile);
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Contains("Seccomp:\t2", r.Stdout);
        Assert.Contains("Seccomp_filters:\t1", r.Stdout);
        Assert.Contains("chmod refused", r.Stdout);
        Assert.Contains("mkdir ok", r.Stdout);
        // A docker-style entry that applies only without CAP_SYS_ADMIN.
        r = Sh("mkdir /tmp/d 2>/dev/null && echo mkdir ok || echo mkdir refused", "--seccomp-profile", profile, "--cap-drop", "SYS_ADMIN");
        Assert.Contains("mkdir refused", r.Stdout);
        Assert.Equal(0, Sh("grep -q '^Seccomp:.0' /proc/self/status", "--seccomp-profile", "unconfined").Exit);
    }

    [Fact]
    public void RuntimeDefaultProfileLetsCapabilitiesDecide()
    {
        // runtime/default allows mount(2) to a holder of CAP_SYS_ADMIN, as docker's profile does.
        var r = Sh("grep '^Seccomp:' /proc/self/status; mount -t tmpfs x /mnt && echo mounted; echo piped | cat", "--seccomp-profile", "runtime/default");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("Seccomp:\t2\nmounted\npiped\n", r.Stdout);
        r = Sh("mount -t tmpfs x /mnt 2>/dev/null && echo mounted || echo refused", "--seccomp-profile", "docker/default", "--cap-drop", "SYS_ADMIN");
        Assert.Equal("refused\n", r.Stdout);
    }

    [Fact]
    public void BadSeccompProfilesAreRefused()
    {
        string p = Path.Combine(_dir, "bad.json");
        foreach (var json in new[] { "{}", "not json", """{"defaultAction":"SCMP_ACT_SOMETHING"}""",
                     """{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_AARCH64"]}""",
                     """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOTIFY"}]}""",
                     """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[1],"action":"SCMP_ACT_ERRNO"}]}""",
                     """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":"0","op":"SCMP_CMP_EQ"}]}]}""" })
        {
            File.WriteAllText(p, json);
            var r = Sh("true", "--seccomp-profile", p);
            Assert.True(r.Exit == 125, $"{json}: exit {r.Exit}");
            Assert.Contains("--seccomp-profile", r.Stderr);
        }
    }

    [Fact]
    public void SysctlsShowInProcSys()
    {
        var r = Sh("cat /proc/sys/kernel/shm_rmid_forced /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/msgmax /proc/sys/net/ipv4/ip_local_port_range",
            "--sysctl", "kernel.shm_rmid_forced=1", "--sysctl", "fs/mqueue/msg_max=100", "--sysctl", "net.ipv4.ip_local_port_range=1024 2048");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("1\n100\n8192\n1024\t2048\n", r.Stdout);
        r = Sh("true", "--sysctl", "vm.swappiness=10");
        Assert.Equal(125, r.Exit);
        Assert.Contains("not a namespaced sysctl", r.Stderr);
        Assert.Equal(125, Sh("true", "--sysctl", "kernel.msgmax=lots").Exit);
    }

    [Fact]
    public void LocalPortRangeSysctlPicksEphemeralPorts()
    {
        string src = Path.Combine(_dir, "port.c"), exe = Path.Combine(_dir, "port");
        File.WriteAllText(src, """
            #include <stdio.h>
            #include <arpa/inet.h>
            #include <sys/socket.h>
            int main(void)
            {
                int s = socket(AF_INET, SOCK_DGRAM, 0);
                struct sockaddr_in a = { .sin_family = AF_INET };
                socklen_t l = sizeof a;
                if (bind(s, (void *)&a, sizeof a) || getsockname(s, (void *)&a, &l)) return 1;
                printf("%d\n", ntohs(a.sin_port));
                return 0;
            }
            """);
        Assert.Equal(0, SandboxProcess.Run("gcc", new[] { "-static", "-o", exe, src }).Exit);
        var r = SandboxProcess.SandboxCli("run", "--sysctl", "net.ipv4.ip_local_port_range=40000 40001", "--", exe);
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Contains(r.Stdout.Trim(), new[] { "40000", "40001" });
    }

    [Fact]
    public void MountsTmpfsBindsMaskedAndReadonlyPaths()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "data", "sub"));
        File.WriteAllText(Path.Combine(_dir, "data", "file"), "hello\n");
        File.WriteAllText(Path.Combine(_dir, "data", "secret"), "secret\n");
        File.WriteAllText(Path.Combine(_dir, "data", "sub", "inner"), "inner\n");
        File.WriteAllText(Path.Combine(_dir, "single"), "single\n");
        var r = Sh("""
            echo x > /scratch/f && cat /scratch/f
            cat /data/file
            echo y > /data/new 2>/dev/null || echo data read-only
            cat /etc/single-file
            cat /data/secret; stat -c %F /data/secret
            ls /data/sub | wc -l; touch /data/sub/z 2>/dev/null || echo sub read-only
            touch /rw/made && echo rw writable
            touch /tmp/ro 2>/dev/null || echo tmp read-only
            grep -c ' /scratch tmpfs ' /proc/self/mounts
            """,
            "--tmpfs", "/scratch",
            "--mount", $"type=bind,source={Path.Combine(_dir, "data")},destination=/data,ro",
            "--mount", $"type=bind,src={Path.Combine(_dir, "single")},dst=/etc/single-file,readonly",
            "--mount", $"type=bind,source={Path.Combine(_dir, "data", "sub")},destination=/rw",
            "--masked-path", "/data/secret", "--masked-path", "/data/sub", "--masked-path", "/no/such/path",
            "--readonly-path", "/tmp");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("x\nhello\ndata read-only\nsingle\ncharacter special file\n0\nsub read-only\nrw writable\ntmp read-only\n1\n", r.Stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "data", "sub", "made")));
    }

    [Fact]
    public void ProcPathsCanBeMaskedAndMadeReadOnly()
    {
        // What CRI's default masked and read-only paths do (runc: /proc/kcore ... masked, /proc/sys read-only).
        var r = Sh("wc -c < /proc/cpuinfo; ls /proc/sys/kernel/random | wc -l; cat /proc/sys/kernel/ostype; echo x > /proc/sys/kernel/hostname 2>/dev/null || echo sys read-only",
            "--masked-path", "/proc/cpuinfo", "--masked-path", "/proc/sys/kernel/random", "--masked-path", "/proc/kcore", "--readonly-path", "/proc/sys");
        Assert.True(r.Exit == 0, r.Stderr);
        Assert.Equal("0\n0\nLinux\nsys read-only\n", r.Stdout);
    }

    [Fact]
    public void BadMountsAreRefused()
    {
        Assert.Equal(125, Sh("true", "--mount", "type=bind,source=/no/such/dir,destination=/x").Exit);
        Assert.Equal(125, Sh("true", "--mount", "type=volume,source=v,destination=/x").Exit);
        Assert.Equal(125, Sh("true", "--mount", $"type=bind,source={_dir},destination=relative").Exit);
        Assert.Equal(125, Sh("true", "--tmpfs", "relative").Exit);
        Assert.Equal(125, Sh("true", "--mount", $"type=bind,source={_dir},destination=/x,bind-propagation=sideways").Exit);
    }
}
