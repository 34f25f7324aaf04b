using Runtime.V1;
using Sandbox.Shim.Backends;

namespace Sandbox.Shim.Tests;

/// <summary>CRI security contexts, mounts and sysctls as `sandbox run` flags, with containerd's meaning.</summary>
public class SentryProcessSpecTests
{
    private static ContainerConfig Config(LinuxContainerSecurityContext sc) => new() { Linux = new LinuxContainerConfig { SecurityContext = sc } };

    [Fact]
    public void IdentityAndDefaultCapabilities()
    {
        var sc = new LinuxContainerSecurityContext { RunAsUser = new Int64Value { Value = 1000 }, RunAsGroup = new Int64Value { Value = 2000 }, NoNewPrivs = true };
        sc.SupplementalGroups.Add(new long[] { 3000, 4000 });
        var a = SentryProcessSpec.SecurityArgumentsFor(Config(sc), null);
        Assert.Equal(new[] { "--user", "1000:2000", "--groups", "3000,4000", "--no-new-privileges", "--cap-drop", "ALL", "--cap-add" }, a.Take(8));
        Assert.Contains("NET_RAW", a[8].Split(','));
        Assert.Equal(14, a[8].Split(',').Length);
    }

    [Fact]
    public void CapabilitiesAddDropAndAll()
    {
        var sc = new LinuxContainerSecurityContext { Capabilities = new Capability() };
        sc.Capabilities.DropCapabilities.Add("NET_RAW");
        sc.Capabilities.AddCapabilities.Add("CAP_NET_ADMIN");
        var a = SentryProcessSpec.SecurityArgumentsFor(Config(sc), null);
        var caps = a[a.IndexOf("--cap-add") + 1].Split(',');
        Assert.DoesNotContain("NET_RAW", caps);
        Assert.Contains("NET_ADMIN", caps);

        sc = new LinuxContainerSecurityContext { Capabilities = new Capability() };
        sc.Capabilities.DropCapabilities.Add("ALL");
        a = SentryProcessSpec.SecurityArgumentsFor(Config(sc), null);
        Assert.DoesNotContain("--cap-add", a);

        sc = new LinuxContainerSecurityContext { Privileged = true, Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.RuntimeDefault } };
        sc.MaskedPaths.Add("/proc/kcore");
        a = SentryProcessSpec.SecurityArgumentsFor(Config(sc), null);
        Assert.Equal(new[] { "--cap-drop", "ALL", "--cap-add", "ALL" }, a);
    }

    [Fact]
    public void SeccompMountsPathsAndSysctls()
    {
        var sc = new LinuxContainerSecurityContext { Seccomp = new SecurityProfile { ProfileType = SecurityProfile.Types.ProfileType.Localhost, LocalhostRef = "/p.json" } };
        sc.MaskedPaths.Add("/proc/kcore");
        sc.ReadonlyPaths.Add("/proc/sys");
        var config = Config(sc);
        config.Mounts.Add(new Mount { HostPath = "/host/dir", ContainerPath = "/data", Readonly = true });
        config.Mounts.Add(new Mount { HostPath = "/host/shared", ContainerPath = "/s", Propagation = MountPropagation.PropagationBidirectional });
        var pod = new PodSandboxConfig { Linux = new LinuxPodSandboxConfig() };
        pod.Linux.Sysctls.Add("kernel.shm_rmid_forced", "1");
        var a = string.Join(' ', SentryProcessSpec.SecurityArgumentsFor(config, pod));
        Assert.Contains("--seccomp-profile /p.json", a);
        Assert.Contains("--masked-path /proc/kcore --readonly-path /proc/sys", a);
        Assert.Contains("--mount type=bind,source=/host/dir,destination=/data,ro", a);
        Assert.Contains("--mount type=bind,source=/host/shared,destination=/s,bind-propagation=rshared", a);
        Assert.EndsWith("--sysctl kernel.shm_rmid_forced=1", a);
        // A pod Sentry's container: sysctls are the pod's (pod serve), an exec's mounts are its container's.
        Assert.DoesNotContain("--sysctl", SentryProcessSpec.SecurityArgumentsFor(config, pod, sysctls: false));
        Assert.DoesNotContain("--mount", SentryProcessSpec.SecurityArgumentsFor(config, pod, mounts: false));
        Assert.Equal(new[] { "--sysctl", "kernel.shm_rmid_forced=1" }, SentryProcessSpec.SysctlArguments(pod));
        Assert.Contains("--seccomp-profile runtime/default",
            string.Join(' ', SentryProcessSpec.SecurityArgumentsFor(Config(new LinuxContainerSecurityContext { Seccomp = new SecurityProfile() }), null)));
        Assert.DoesNotContain("--seccomp-profile", SentryProcessSpec.SecurityArgumentsFor(Config(new LinuxContainerSecurityContext()), null));
    }
}
