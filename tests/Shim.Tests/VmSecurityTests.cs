using Runtime.V1;
using Sandbox.MicroVm.Protocol;
using Sandbox.Shim.Backends;

namespace Sandbox.Shim.Tests;

/// <summary>A microvm container's CRI security context as the agent's CreateContainer: the
/// sentry handler's derivation made concrete (names resolved in the image, seccomp compiled).</summary>
public sealed class VmSecurityTests : IDisposable
{
    private readonly string _rootfs = Path.Combine(Path.GetTempPath(), "vmsec-" + Guid.NewGuid().ToString("n"));
    private const ulong DefaultCaps = 0xa80425fb;

    public VmSecurityTests()
    {
        Directory.CreateDirectory(Path.Combine(_rootfs, "etc"));
        File.WriteAllText(Path.Combine(_rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\ndefault-user:x:1000:1000::/home:/bin/sh\n");
        File.WriteAllText(Path.Combine(_rootfs, "etc/group"), "root:x:0:\ngroup-defined-in-image:x:50000:default-user\nstaff:x:50:other\n");
    }

    public void Dispose() => Directory.Delete(_rootfs, true);

    private CreateContainer For(LinuxContainerSecurityContext sc, PodSandboxConfig? pod = null, string? imageUser = null)
    {
        VmSecurity.RuntimeDefaultProfileJson = Sentry.Kernel.Seccomp.RuntimeDefaultProfile.Json;
        return VmSecurity.RequestFor("c1", "/run/sandbox/rootfs/x", "pod", _rootfs,
            new ContainerConfig { Linux = new LinuxContainerConfig { SecurityContext = sc } }, pod, imageUser);
    }

    [Fact]
    public void PidNamespaceModeFromTheContainerOrElseThePod()
    {
        static PodSandboxConfig Pod(NamespaceMode pid) => new()
        {
            Linux = new LinuxPodSandboxConfig { SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Pid = pid } } },
        };
        static LinuxContainerSecurityContext Ctr(NamespaceMode pid) => new() { NamespaceOptions = new NamespaceOption { Pid = pid } };
        Assert.Equal(PidMode.Pod, For(new LinuxContainerSecurityContext()).Pid); // unset is POD, as in containerd
        Assert.Equal(PidMode.Container, For(Ctr(NamespaceMode.Container)).Pid);
        Assert.Equal(PidMode.Node, For(Ctr(NamespaceMode.Node)).Pid);
        Assert.Equal(PidMode.Pod, For(Ctr(NamespaceMode.Pod), Pod(NamespaceMode.Node)).Pid);
        Assert.Equal(PidMode.Node, For(new LinuxContainerSecurityContext(), Pod(NamespaceMode.Node)).Pid);
        Assert.Equal(PidMode.Container, For(new LinuxContainerSecurityContext(), Pod(NamespaceMode.Container)).Pid);
        Assert.Throws<ArgumentException>(() => For(Ctr(NamespaceMode.Target)));
    }

    [Fact]
    public void UserByIdWithTheImagesGroupsAndSupplementalGroups()
    {
        var sc = new LinuxContainerSecurityContext { RunAsUser = new Int64Value { Value = 1000 }, NoNewPrivs = true };
        sc.SupplementalGroups.Add(1234);
        var r = For(sc);
        var s = r.Security!;
        Assert.Equal((1000u, 1000u), (s.Uid, s.Gid));
        Assert.Equal(new uint[] { 50000, 1234 }, s.Groups);
        Assert.Equal(DefaultCaps, s.Capabilities);
        Assert.True(s.NoNewPrivs);
        Assert.Empty(s.Seccomp);
        Assert.True(r.WritableRoot);
    }

    [Fact]
    public void UserByNameGroupOverrideAndTheImagesUser()
    {
        var s = For(new LinuxContainerSecurityContext { RunAsUsername = "default-user", RunAsGroup = new Int64Value { Value = 7 } }).Security!;
        Assert.Equal((1000u, 7u), (s.Uid, s.Gid));
        s = For(new LinuxContainerSecurityContext(), imageUser: "default-user").Security!;
        Assert.Equal((1000u, 1000u), (s.Uid, s.Gid));
        s = For(new LinuxContainerSecurityContext { RunAsUser = new Int64Value { Value = 4242 } }).Security!;
        Assert.Equal((4242u, 0u), (s.Uid, s.Gid)); // not in /etc/passwd
        Assert.Empty(s.Groups);
        Assert.Throws<ArgumentException>(() => For(new LinuxContainerSecurityContext { RunAsUsername = "nobody-here" }));
    }

    [Fact]
    public void CapabilitiesPrivilegedSeccompPathsAndSysctls()
    {
        var sc = new LinuxContainerSecurityContext { Capabilities = new Capability(), ReadonlyRootfs = true };
        sc.Capabilities.DropCapabilities.Add("NET_RAW");
        sc.Capabilities.AddCapabilities.Add("NET_ADMIN");
        sc.Capabilities.AddAmbientCapabilities.Add("NET_ADMIN");
        sc.MaskedPaths.Add("/proc/kcore");
        sc.ReadonlyPaths.Add("/proc/sys");
        sc.Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault };
        var pod = new PodSandboxConfig { Linux = new LinuxPodSandboxConfig() };
        pod.Linux.Sysctls.Add("kernel.shm_rmid_forced", "1");
        var r = For(sc, pod);
        Assert.Equal(DefaultCaps & ~(1UL << 13) | 1UL << 12, r.Security!.Capabilities);
        Assert.Equal(1UL << 12, r.Security.Ambient);
        Assert.NotEmpty(r.Security.Seccomp);
        Assert.Equal(0, r.Security.Seccomp.Length % 8);
        Assert.Equal(new[] { "/proc/kcore" }, r.MaskedPaths);
        Assert.Equal(new[] { "/proc/sys" }, r.ReadonlyPaths);
        Assert.Equal(new[] { "kernel.shm_rmid_forced=1" }, r.Sysctls);
        Assert.False(r.WritableRoot);

        // privileged: every capability, no seccomp, nothing masked
        sc.Privileged = true;
        r = For(sc, pod);
        Assert.Equal(ProcessSecurity.AllCapabilities, r.Security!.Capabilities);
        Assert.Empty(r.Security.Seccomp);
        Assert.Empty(r.MaskedPaths!);

        // a localhost profile is read from the host; a bad one is refused with the reason
        var profile = Path.Combine(_rootfs, "profile.json");
        File.WriteAllText(profile, """{ "defaultAction": "SCMP_ACT_ALLOW", "syscalls": [ { "names": ["sethostname"], "action": "SCMP_ACT_ERRNO" } ] }""");
#pragma warning disable CS0612
        var local = new LinuxContainerSecurityContext { SeccompProfilePath = "localhost/" + profile };
        Assert.NotEmpty(For(local).Security!.Seccomp);
        File.WriteAllText(profile, "{ nope");
        Assert.Throws<FormatException>(() => For(local));
#pragma warning restore CS0612
    }
}
