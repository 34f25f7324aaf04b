using Sandbox.Linux.Abi;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel.Ipc;

/// <summary>What every System V IPC object has: its key, id and struct ipc_perm (svipc(7)).</summary>
public abstract class IpcObject
{
    public int Key;
    public int Id;
    public uint Uid, Gid, Cuid, Cgid, Mode;
    /// <summary>IPC_RMID took it out of its namespace (waiters see EIDRM).</summary>
    public bool Removed;

    public int Index => Id % SysV.IdMultiplier;
    public ushort Seq => (ushort)(Id / SysV.IdMultiplier);

    protected IpcObject(int key, uint mode, Credentials c)
    {
        Key = key;
        Mode = mode & SysV.ModeMask;
        Uid = Cuid = c.Euid;
        Gid = Cgid = c.Egid;
    }

    /// <summary>
    /// ipcperms(): <paramref name="flag"/>'s rwx bits (in any of the three positions) against
    /// the owner, group or other bits that apply to the caller; CAP_IPC_OWNER bypasses.
    /// </summary>
    public bool Permits(Credentials c, int flag) => Permits(Perm, c, flag);

    public static bool Permits(in IpcPerm64 p, Credentials c, int flag)
    {
        uint requested = (uint)((flag >> 6) | (flag >> 3) | flag) & 7;
        uint granted = p.Mode;
        if (c.Euid == p.Cuid || c.Euid == p.Uid) granted >>= 6;
        else if (c.InGroup(p.Cgid) || c.InGroup(p.Gid)) granted >>= 3;
        return (requested & ~granted & 7) == 0 || c.Has(IpcOwnerCap);
    }

    private const int IpcOwnerCap = 15; // CAP_IPC_OWNER

    /// <summary>May change or remove it (IPC_SET, IPC_RMID): its owner or creator, or CAP_SYS_ADMIN.</summary>
    public bool MayAdminister(Credentials c) => c.Euid == Uid || c.Euid == Cuid || c.Has(Cap.SYS_ADMIN);

    /// <summary>IPC_SET: uid, gid and the permission bits of mode.</summary>
    public void Set(in IpcPerm64 p)
    {
        Uid = p.Uid;
        Gid = p.Gid;
        Mode = (Mode & ~SysV.ModeMask) | (p.Mode & SysV.ModeMask);
    }

    public IpcPerm64 Perm => new() { Key = Key, Uid = Uid, Gid = Gid, Cuid = Cuid, Cgid = Cgid, Mode = Mode, Seq = Seq };

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
