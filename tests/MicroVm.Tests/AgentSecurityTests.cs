using System.Text;
using Sandbox.MicroVm.Protocol;
using Sandbox.MicroVm.Vm;

namespace Sandbox.MicroVm.Tests;

/// <summary>CreateContainer's security, paths, sysctls and writable root, applied by the agent
/// in a real VM (the shared VM of the "vm" collection; the rootfs is the host's /).</summary>
[Collection("vm")]
public sealed class AgentSecurityTests(VmFixture f)
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>containerd's default capability set (docker's list).</summary>
    internal static readonly ulong DefaultCaps = Caps(0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31);

    internal static ulong Caps(params int[] caps) => caps.Aggregate(0UL, (a, c) => a | 1UL << c);

    AgentClient Agent
    {
        get
        {
            Skip.If(f.SkipReason is not null, f.SkipReason);
            return f.Vm!.Agent;
        }
    }

    async Task<string> NewContainer(ProcessSecurity? security = null, bool writable = false, string[]? masked = null,
        string[]? readOnly = null, string[]? sysctls = null)
    {
        var id = "s" + Guid.NewGuid().ToString("n")[..8];
        await Agent.CreateContainerAsync(new CreateContainer(id, VirtualMachine.GuestRootfs, id, writable, masked, readOnly, sysctls, security))
            .WaitAsync(Timeout);
        return id;
    }

    async Task<(int Code, string Out, string Err)> Run(string cid, string script)
    {
        var o = new StringBuilder();
        var e = new StringBuilder();
        var x = await Agent.ExecAsync(cid, ["/bin/busybox", "sh", "-c", script],
            onOutput: (s, d) => { lock (o) (s == 1 ? o : e).Append(Encoding.UTF8.GetString(d)); }).WaitAsync(Timeout);
        await x.CloseStdinAsync();
        var (code, _) = await x.Exited.WaitAsync(Timeout);
        lock (o) return (code, o.ToString(), e.ToString());
    }

    static string Field(string status, string name) =>
        status.Split('\n').First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

    [SkippableFact]
    public async Task UserGroupsAndDefaultCapabilitiesOfANonRootUser()
    {
        var cid = await NewContainer(new ProcessSecurity(1000, 1001, [1234, 5678], DefaultCaps, 0, false, []));
        var (code, output, err) = await Run(cid, "id -u; id -g; id -G; cat /proc/self/status");
        Assert.True(code == 0, err);
        var lines = output.Split('\n');
        Assert.Equal("1000", lines[0]);
        Assert.Equal("1001", lines[1]);
        Assert.Equal(["1001", "1234", "5678"], lines[2].Split(' ').Order().ToArray());
        // a non-root program gets no capabilities across execve, but the bounding set is the container's
        Assert.Equal("0000000000000000", Field(output, "CapEff"));
        Assert.Equal("0000000000000000", Field(output, "CapPrm"));
        Assert.Equal(DefaultCaps.ToString("x16"), Field(output, "CapBnd"));
        Assert.Equal("0", Field(output, "NoNewPrivs"));
        Assert.Equal("0", Field(output, "Seccomp"));
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task RootGetsExactlyItsCapabilitiesAddedAndDropped()
    {
        // containerd's defaults minus NET_RAW plus NET_ADMIN
        ulong caps = DefaultCaps & ~Caps(13) | Caps(12);
        var cid = await NewContainer(new ProcessSecurity(0, 0, [], caps, 0, true, []));
        var (code, output, err) = await Run(cid, "cat /proc/self/status; busybox ping -c1 -W1 127.0.0.1 2>&1; echo ping=$?");
        Assert.True(code == 0, err);
        Assert.Equal(caps.ToString("x16"), Field(output, "CapEff"));
        Assert.Equal(caps.ToString("x16"), Field(output, "CapBnd"));
        Assert.Equal("1", Field(output, "NoNewPrivs"));
        Assert.Contains("ping=", output);
        // NET_ADMIN: a bridge can be made (the bridge module is in the initramfs; /sys is mounted)
        var br = await Run(cid, "busybox brctl addbr br-test && ls /sys/class/net | grep -c br-test; touch /sys/x 2>&1 | grep -c Read-only");
        Assert.Equal("1\n1\n", br.Out);
        Assert.DoesNotContain("ping=0", output); // no NET_RAW: no raw ICMP socket
        // every exec of the container gets the same
        var again = await Run(cid, "grep CapEff /proc/self/status");
        Assert.Contains(caps.ToString("x16"), again.Out);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task AmbientCapabilitiesReachANonRootProgram()
    {
        ulong bind = Caps(10); // NET_BIND_SERVICE
        var cid = await NewContainer(new ProcessSecurity(1000, 1000, [], DefaultCaps, bind, false, []));
        var (code, output, err) = await Run(cid, "cat /proc/self/status");
        Assert.True(code == 0, err);
        Assert.Equal(bind.ToString("x16"), Field(output, "CapEff"));
        Assert.Equal(bind.ToString("x16"), Field(output, "CapAmb"));
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task DroppingAllCapabilitiesEmptiesTheBoundingSet()
    {
        var cid = await NewContainer(new ProcessSecurity(0, 0, [], 0, 0, false, []));
        var (code, output, err) = await Run(cid, "cat /proc/self/status; busybox hostname other 2>&1; echo rc=$?");
        Assert.True(code == 0, err);
        Assert.Equal("0000000000000000", Field(output, "CapBnd"));
        Assert.Equal("0000000000000000", Field(output, "CapEff"));
        Assert.DoesNotContain("rc=0", output);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task WritableRootIsAnOverlayThatLeavesTheShareAlone()
    {
        var name = "microvm-overlay-" + Guid.NewGuid().ToString("n")[..8];
        var cid = await NewContainer(writable: true);
        var (code, output, err) = await Run(cid, $"touch /{name} && [ -f /{name} ] && echo Found; echo changed >> /etc/hostname && tail -1 /etc/hostname");
        Assert.True(code == 0, err);
        Assert.Equal("Found\nchanged\n", output);
        Assert.False(File.Exists("/" + name), "the write stayed in the VM's upper layer");
        // another container sees the share as it was
        var other = await NewContainer();
        var (_, seen, _) = await Run(other, $"[ -e /{name} ] && echo leaked; touch /x-{name} 2>&1 | grep -c Read-only");
        Assert.Equal("1\n", seen);
        await Agent.DestroyContainerAsync(cid);
        await Agent.DestroyContainerAsync(other);
    }

    [SkippableFact]
    public async Task MaskedAndReadOnlyPaths()
    {
        var cid = await NewContainer(writable: true, masked: ["/etc/hostname", "/usr/share", "/does/not/exist", "/proc/kcore"],
            readOnly: ["/root", "/proc/sys"]);
        var (code, output, err) = await Run(cid,
            "wc -c < /etc/hostname; ls /usr/share | wc -l; touch /usr/share/x 2>&1 | grep -c Read-only; wc -c < /proc/kcore; " +
            "touch /root/x 2>&1 | grep -c Read-only; (echo 1 > /proc/sys/kernel/shm_rmid_forced) 2>&1 | grep -c Read-only; touch /etc/y && echo etc-writable");
        Assert.True(code == 0, err);
        Assert.Equal("0\n0\n1\n0\n1\n1\netc-writable\n", output);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task MaskedProgramCannotRun()
    {
        var cid = await NewContainer(masked: ["/bin/ls"]);
        var (code, _, err) = await Run(cid, "/bin/ls /");
        Assert.NotEqual(0, code);
        Assert.Contains("Permission denied", err);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task SysctlsAreWrittenInTheContainersNamespaces()
    {
        var cid = await NewContainer(sysctls: ["kernel.shm_rmid_forced=1", "net/ipv4/ip_local_port_range=40000 50000"]);
        var (code, output, err) = await Run(cid, "cat /proc/sys/kernel/shm_rmid_forced /proc/sys/net/ipv4/ip_local_port_range");
        Assert.True(code == 0, err);
        Assert.Equal("1\n40000\t50000\n", output);
        // kernel.shm_* belongs to the container's IPC namespace: another container keeps the default
        var other = await NewContainer();
        Assert.Equal("0\n", (await Run(other, "cat /proc/sys/kernel/shm_rmid_forced")).Out);
        await Agent.DestroyContainerAsync(cid);
        await Agent.DestroyContainerAsync(other);
    }

    const string BlockSethostname = """
        { "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["sethostname"], "action": "SCMP_ACT_ERRNO" } ] }
        """;

    [SkippableFact]
    public async Task SeccompProfileBlocksSethostnameEvenWithSysAdmin()
    {
        var bpf = Seccomp.SeccompCompiler.Compile(BlockSethostname, ProcessSecurity.AllCapabilities);
        var cid = await NewContainer(new ProcessSecurity(0, 0, [], ProcessSecurity.AllCapabilities, 0, false, bpf));
        var (code, output, err) = await Run(cid, "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; busybox hostname blocked 2>&1; echo rc=$?; hostname");
        Assert.True(code == 0, err);
        Assert.Contains("Seccomp:\t2\n", output);
        Assert.Contains("Operation not permitted", output);
        Assert.Contains("rc=1", output);
        Assert.EndsWith(cid + "\n", output); // the name stayed
        // without the filter, the same container security can set it
        var free = await NewContainer(ProcessSecurity.Root);
        Assert.Equal("renamed\n", (await Run(free, "busybox hostname renamed && hostname")).Out);
        await Agent.DestroyContainerAsync(cid);
        await Agent.DestroyContainerAsync(free);
    }

    [SkippableFact]
    public async Task SeccompWithNoNewPrivsForANonRootUser()
    {
        // loaded after the switch to uid 1000 (allowed by no_new_privs, no CAP_SYS_ADMIN needed)
        var bpf = Seccomp.SeccompCompiler.Compile(BlockSethostname, DefaultCaps);
        var cid = await NewContainer(new ProcessSecurity(1000, 1000, [], DefaultCaps, 0, true, bpf));
        var (code, output, err) = await Run(cid, "id -u; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status");
        Assert.True(code == 0, err);
        Assert.Equal("1000\nNoNewPrivs:\t1\nSeccomp:\t2\n", output);
        await Agent.DestroyContainerAsync(cid);
    }

    [SkippableFact]
    public async Task BadSecurityAndPathsAreRefused()
    {
        var bad = new CreateContainer[]
        {
            new("b1", VirtualMachine.GuestRootfs, "", Security: new ProcessSecurity(0, 0, [], DefaultCaps, 0, false, [1, 2, 3])),
            new("b2", VirtualMachine.GuestRootfs, "", Security: new ProcessSecurity(1000, 1000, [], Caps(0), Caps(12), false, [])),
            new("b3", VirtualMachine.GuestRootfs, "", MaskedPaths: ["etc/passwd"]),
            new("b4", VirtualMachine.GuestRootfs, "", ReadonlyPaths: ["/etc/../proc"]),
            new("b5", VirtualMachine.GuestRootfs, "", Sysctls: ["kernel..x=1"]),
            new("b6", VirtualMachine.GuestRootfs, "", Sysctls: ["novalue"]),
        };
        foreach (var m in bad)
        {
            var e = await Assert.ThrowsAsync<AgentErrorException>(() => Agent.CreateContainerAsync(m).WaitAsync(Timeout));
            Assert.Equal(22, e.Code);
        }
        // an unknown sysctl fails the create with its errno
        var enoent = await Assert.ThrowsAsync<AgentErrorException>(() =>
            Agent.CreateContainerAsync(new CreateContainer("b7", VirtualMachine.GuestRootfs, "", Sysctls: ["kernel.no_such_thing=1"])).WaitAsync(Timeout));
        Assert.Equal(2, enoent.Code);
    }
}
