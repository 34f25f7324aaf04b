namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>
/// A System V IPC namespace: the Sentry's one (every container of a pod shares it, as a
/// Kubernetes pod shares IPC). Limits come from the kernel.shm*/sem/msg* sysctls.
/// </summary>
public sealed class IpcNamespace
{
    public IpcNamespace(Kernel k)
    {
        ulong U(string key) => ulong.TryParse(Sysctls.Value(k.Options, key), out var v) ? v : 0;
        Shm = new SharedMemory(k.MemoryFile, U("kernel.shmmax"), U("kernel.shmall"), (int)Math.Min(U("kernel.shmmni"), int.MaxValue));
        // kernel.sem: SEMMSL SEMMNS SEMOPM SEMMNI.
        var sem = Sysctls.Value(k.Options, "kernel.sem").Split('\t').Select(v => int.TryParse(v, out int n) ? n : 0).ToArray();
        Sem = new Semaphores(sem[0], sem[1], sem[2], sem[3]);
        Msg = new MessageQueues((int)U("kernel.msgmax"), (int)U("kernel.msgmnb"), (int)U("kernel.msgmni"));
    }

    public MessageQueues Msg { get; }

    public Semaphores Sem { get; }

    public SharedMemory Shm { get; }
    /// <summary>Host segments attached in IPC mode "host".</summary>
    public HostShm HostShm { get; } = new();
}

/// <summary>Whose System V IPC objects the sandbox sees (sandbox run --ipc).</summary>
public enum IpcMode
{
    /// <summary>The Sentry's own namespace, shared by every container of a pod.</summary>
    Sandbox,
    /// <summary>The host's: the calls are made on the host kernel by the Sentry.</summary>
    Host,
}
