namespace Sandbox.Sentry.Net;

/// <summary>struct ucred: what SO_PEERCRED and SCM_CREDENTIALS carry.</summary>
public readonly record struct Ucred(int Pid, uint Uid, uint Gid)
{
    /// <summary>No credentials: pid 0, uid and gid -1 (cred_to_ucred without a cred).</summary>
    public static readonly Ucred None = new(0, uint.MaxValue, uint.MaxValue);

    public static Ucred Of(Kernel.Task t) => new(t.Tgid, t.Creds.Uid, t.Creds.Gid);

    public void WriteTo(Span<byte> dst)
    {
        BitConverter.TryWriteBytes(dst, Pid);
        BitConverter.TryWriteBytes(dst.Slice(4), Uid);
        BitConverter.TryWriteBytes(dst.Slice(8), Gid);
    }
}
