namespace Sandbox.Sentry.Kernel;

/// <summary>How a sandbox was asked to run.</summary>
public sealed class KernelOptions
{
    /// <summary>Where --strace lines go (null: off).</summary>
    public TextWriter? Strace { get; set; }
    /// <summary>Where debug lines go (null: off). Unsupported syscalls always appear here.</summary>
    public TextWriter? DebugLog { get; set; }
    /// <summary>Hostname the sandbox reports (null: the host's).</summary>
    public string? Hostname { get; set; }

    /// <summary>NIS domain name the sandbox reports (null: "(none)"); setdomainname(2) changes it.</summary>
    public string? Domainname { get; set; }

    /// <summary>
    /// A pod Sentry: there is no first process of the whole sandbox; processes are started
    /// in containers by a controller, and the kernel lives until it is shut down.
    /// </summary>
    public bool Pod { get; set; }

    /// <summary>--network: the sandbox's own stack (default) or loopback only.</summary>
    public Net.Inet.NetworkMode Network { get; set; } = Net.Inet.NetworkMode.Sandbox;

    /// <summary>
    /// A network namespace path (/var/run/netns/NAME, /proc/PID/ns/net): with
    /// <see cref="Net.Inet.NetworkMode.Sandbox"/>, the stack takes over its interfaces at boot;
    /// null: loopback only.
    /// </summary>
    public string? NetworkNamespace { get; set; }

    /// <summary>
    /// --ipc: System V IPC in the sandbox's own namespace (default), or the host's: the calls
    /// go to the host kernel as the Sentry (weaker isolation, like --network host; a
    /// Kubernetes pod with hostIPC).
    /// </summary>
    public global::Sandbox.Sentry.Kernel.Ipc.IpcMode Ipc { get; set; } = global::Sandbox.Sentry.Kernel.Ipc.IpcMode.Sandbox;

    /// <summary>--sysctl values (dotted keys Sysctls.Check accepted); the rest keep Linux's defaults.</summary>
    public IReadOnlyDictionary<string, string>? Sysctls { get; set; }
}
