using Sandbox.Linux.Abi;
using Sys = Sandbox.Linux.Native.Sys;

namespace Sandbox.Sentry.Vfs;

/// <summary>
/// The identity a task presents to permission checks (credentials(7)). Immutable once shared:
/// set*id and capset replace a task's object with a changed copy, as the kernel's
/// prepare_creds/commit_creds do, so fork and threads can share one freely.
/// </summary>
public sealed class Credentials
{
    public uint Uid, Euid, Suid, Fsuid, Gid, Egid, Sgid, Fsgid;
    public uint[] Groups = Array.Empty<uint>();
    public ulong CapPermitted, CapEffective, CapInheritable, CapBounding = Cap.All, CapAmbient;
    /// <summary>PR_SET_KEEPCAPS: permitted capabilities survive the uids leaving 0.</summary>
    public bool KeepCaps;

    public static unsafe Credentials FromHost()
    {
        uint uid = (uint)Sys.Syscall(102), euid = (uint)Sys.Syscall(107);
        uint gid = (uint)Sys.Syscall(104), egid = (uint)Sys.Syscall(108);
        var c = new Credentials { Uid = uid, Euid = euid, Suid = euid, Fsuid = euid, Gid = gid, Egid = egid, Sgid = egid, Fsgid = egid };
        uint* groups = stackalloc uint[256];
        long n = Sys.Syscall(115, 256, (long)groups);
        if (n > 0) c.Groups = new ReadOnlySpan<uint>(groups, (int)n).ToArray();
        // capget(2), version 3: two 32-bit words per set.
        uint* hdr = stackalloc uint[2];
        uint* data = stackalloc uint[6];
        hdr[0] = Cap.VERSION_3; hdr[1] = 0;
        if (Sys.Syscall(125, (long)hdr, (long)data) == 0)
        {
            c.CapEffective = (data[0] | (ulong)data[3] << 32) & Cap.All;
            c.CapPermitted = (data[1] | (ulong)data[4] << 32) & Cap.All;
            c.CapInheritable = (data[2] | (ulong)data[5] << 32) & Cap.All;
        }
        ulong bounding = 0;
        for (int cap = 0; cap <= Cap.LAST_CAP; cap++)
            if (Sys.Syscall(157, 23 /* PR_CAPBSET_READ */, cap) == 1) bounding |= Cap.Bit(cap);
        c.CapBounding = bounding;
        return c;
    }

    public Credentials Clone()
    {
        var c = (Credentials)MemberwiseClone();
        return c;
    }

    public bool Has(int cap) => (CapEffective & Cap.Bit(cap)) != 0;

    public bool InGroup(uint gid) => gid == Fsgid || Array.IndexOf(Groups, gid) >= 0;

    /// <summary>
    /// The capability changes of a uid transition (capabilities(7), "Effect of user ID changes on
    /// capabilities"), applied to this new object after its uids were set.
    /// </summary>
    public void FixCapsAfterUidChange(uint oldUid, uint oldEuid, uint oldSuid, uint oldFsuid)
    {
        bool wasRoot = oldUid == 0 || oldEuid == 0 || oldSuid == 0;
        if (wasRoot && Uid != 0 && Euid != 0 && Suid != 0)
        {
            if (!KeepCaps) { CapPermitted = 0; CapEffective = 0; }
            CapAmbient = 0;
        }
        if (oldEuid == 0 && Euid != 0) CapEffective = 0;
        if (oldEuid != 0 && Euid == 0) CapEffective = CapPermitted;
        if (oldFsuid == 0 && Fsuid != 0) CapEffective &= ~Cap.FsMask;
        if (oldFsuid != 0 && Fsuid == 0) CapEffective |= CapPermitted & Cap.FsMask;
    }
}

/// <summary>What execve(2) makes of a task's credentials (capabilities(7), "Transformation of capabilities during execve()").</summary>
public static class ExecCredentials
{
    /// <summary>The new credentials for running a file with <paramref name="mode"/>, owned by uid/gid; set-user/group-ID bits are ignored under no_new_privs.</summary>
    public static Credentials Compute(Credentials old, uint mode, uint fileUid, uint fileGid, bool noNewPrivs)
    {
        var c = old.Clone();
        if (!noNewPrivs)
        {
            if ((mode & FileMode.S_ISUID) != 0) c.Euid = fileUid;
            if ((mode & FileMode.S_ISGID) != 0 && (mode & 0x8) != 0) c.Egid = fileGid;
        }
        bool changed = c.Euid != old.Euid || c.Egid != old.Egid;
        if (changed) c.CapAmbient = 0;
        if (c.Uid == 0 || c.Euid == 0)
        {
            // Root: the file's inheritable and permitted sets count as full, its effective bit as set for euid 0.
            c.CapPermitted = (old.CapInheritable | old.CapBounding) & Cap.All;
            c.CapEffective = c.Euid == 0 ? c.CapPermitted : c.CapAmbient;
        }
        else
        {
            c.CapPermitted = c.CapAmbient;
            c.CapEffective = c.CapAmbient;
        }
        c.Suid = c.Fsuid = c.Euid;
        c.Sgid = c.Fsgid = c.Egid;
        c.KeepCaps = false;
        return c;
    }

    /// <summary>AT_SECURE: the program runs with privileges its invoker did not have.</summary>
    public static bool Secure(Credentials old, Credentials c) =>
        c.Euid != c.Uid || c.Egid != c.Gid || (c.CapPermitted & ~old.CapPermitted) != 0 && c.Uid != 0;
}
