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
    }

    public SharedMemory Shm { get; }
}
