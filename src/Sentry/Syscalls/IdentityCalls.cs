using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// Credentials: the get/set uid and gid families, supplementary groups, capget/capset.
/// Each call replaces the calling thread's credentials object (credentials(7): they are
/// per-thread; glibc broadcasts set*id to every thread itself).
/// </summary>
internal static unsafe class IdentityCalls
{
    private const uint NoChange = uint.MaxValue;
    private const int NgroupsMax = 65536;

    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Getuid] = &Getuid;
        t[Sysno.Geteuid] = &Geteuid;
        t[Sysno.Getgid] = &Getgid;
        t[Sysno.Getegid] = &Getegid;
        t[Sysno.Getresuid] = &Getresuid;
        t[Sysno.Getresgid] = &Getresgid;
        t[Sysno.Getgroups] = &Getgroups;
        t[Sysno.Setuid] = &Setuid;
        t[Sysno.Setgid] = &Setgid;
        t[Sysno.Setreuid] = &Setreuid;
        t[Sysno.Setregid] = &Setregid;
        t[Sysno.Setresuid] = &Setresuid;
        t[Sysno.Setresgid] = &Setresgid;
        t[Sysno.Setfsuid] = &Setfsuid;
        t[Sysno.Setfsgid] = &Setfsgid;
        t[Sysno.Setgroups] = &Setgroups;
        t[Sysno.Capget] = &Capget;
        t[Sysno.Capset] = &Capset;
    }

    private static long Getuid(Task t) => t.Creds.Uid;
    private static long Geteuid(Task t) => t.Creds.Euid;
    private static long Getgid(Task t) => t.Creds.Gid;
    private static long Getegid(Task t) => t.Creds.Egid;
    private static long Getresuid(Task t) => WriteTriple(t, t.Creds.Uid, t.Creds.Euid, t.Creds.Suid);
    private static long Getresgid(Task t) => WriteTriple(t, t.Creds.Gid, t.Creds.Egid, t.Creds.Sgid);

    private static long WriteTriple(Task t, uint a, uint b, uint c)
    {
        int r = t.MM.Write(t.A0, a);
        if (r == 0) r = t.MM.Write(t.A1, b);
        if (r == 0) r = t.MM.Write(t.A2, c);
        return r;
    }

    private static long Getgroups(Task t)
    {
        int size = (int)t.A0;
        var g = t.Creds.Groups;
        if (size < 0) return Err.EINVAL;
        if (size == 0) return g.Length;
        if (size < g.Length) return Err.EINVAL;
        for (int i = 0; i < g.Length; i++)
        {
            int r = t.MM.Write(t.A1 + (ulong)i * 4, g[i]);
            if (r < 0) return r;
        }
        return g.Length;
    }

    /// <summary>Commits a uid change: the capability side effects, then the new object.</summary>
    private static long CommitUids(Task t, Credentials old, Credentials c)
    {
        c.FixCapsAfterUidChange(old.Uid, old.Euid, old.Suid, old.Fsuid);
        t.Creds = c;
        return 0;
    }

    // setuid(2): privileged, all four ids; otherwise only the effective one, to the real or saved id.
    private static long Setuid(Task t)
    {
        uint uid = (uint)t.A0;
        if (uid == NoChange) return Err.EINVAL;
        var old = t.Creds;
        var c = old.Clone();
        if (old.Has(Cap.SETUID)) c.Uid = c.Suid = uid;
        else if (uid != old.Uid && uid != old.Suid) return Err.EPERM;
        c.Euid = c.Fsuid = uid;
        return CommitUids(t, old, c);
    }

    private static long Setgid(Task t)
    {
        uint gid = (uint)t.A0;
        if (gid == NoChange) return Err.EINVAL;
        var old = t.Creds;
        var c = old.Clone();
        if (old.Has(Cap.SETGID)) c.Gid = c.Sgid = gid;
        else if (gid != old.Gid && gid != old.Sgid) return Err.EPERM;
        c.Egid = c.Fsgid = gid;
        t.Creds = c;
        return 0;
    }

    // setreuid(2): the saved id follows the effective one when the real id is set or the effective
    // one moves away from the old real id.
    private static long Setreuid(Task t)
    {
        uint r = (uint)t.A0, e = (uint)t.A1;
        var old = t.Creds;
        bool priv = old.Has(Cap.SETUID);
        var c = old.Clone();
        if (r != NoChange)
        {
            if (!priv && r != old.Uid && r != old.Euid) return Err.EPERM;
            c.Uid = r;
        }
        if (e != NoChange)
        {
            if (!priv && e != old.Uid && e != old.Euid && e != old.Suid) return Err.EPERM;
            c.Euid = e;
        }
        if (r != NoChange || (e != NoChange && e != old.Uid)) c.Suid = c.Euid;
        c.Fsuid = c.Euid;
        return CommitUids(t, old, c);
    }

    private static long Setregid(Task t)
    {
        uint r = (uint)t.A0, e = (uint)t.A1;
        var old = t.Creds;
        bool priv = old.Has(Cap.SETGID);
        var c = old.Clone();
        if (r != NoChange)
        {
            if (!priv && r != old.Gid && r != old.Egid) return Err.EPERM;
            c.Gid = r;
        }
        if (e != NoChange)
        {
            if (!priv && e != old.Gid && e != old.Egid && e != old.Sgid) return Err.EPERM;
            c.Egid = e;
        }
        if (r != NoChange || (e != NoChange && e != old.Gid)) c.Sgid = c.Egid;
        c.Fsgid = c.Egid;
        t.Creds = c;
        return 0;
    }

    private static bool OneOf(uint v, uint a, uint b, uint c) => v == NoChange || v == a || v == b || v == c;

    // setresuid(2): unprivileged, each new id must be one of the current real, effective or saved ids.
    private static long Setresuid(Task t)
    {
        uint r = (uint)t.A0, e = (uint)t.A1, s = (uint)t.A2;
        var old = t.Creds;
        if (!old.Has(Cap.SETUID) && !(OneOf(r, old.Uid, old.Euid, old.Suid) && OneOf(e, old.Uid, old.Euid, old.Suid) && OneOf(s, old.Uid, old.Euid, old.Suid)))
            return Err.EPERM;
        var c = old.Clone();
        if (r != NoChange) c.Uid = r;
        if (e != NoChange) c.Euid = e;
        if (s != NoChange) c.Suid = s;
        c.Fsuid = c.Euid;
        return CommitUids(t, old, c);
    }

    private static long Setresgid(Task t)
    {
        uint r = (uint)t.A0, e = (uint)t.A1, s = (uint)t.A2;
        var old = t.Creds;
        if (!old.Has(Cap.SETGID) && !(OneOf(r, old.Gid, old.Egid, old.Sgid) && OneOf(e, old.Gid, old.Egid, old.Sgid) && OneOf(s, old.Gid, old.Egid, old.Sgid)))
            return Err.EPERM;
        var c = old.Clone();
        if (r != NoChange) c.Gid = r;
        if (e != NoChange) c.Egid = e;
        if (s != NoChange) c.Sgid = s;
        c.Fsgid = c.Egid;
        t.Creds = c;
        return 0;
    }

    // setfsuid(2)/setfsgid(2) always return the previous id, whether or not they changed it.
    private static long Setfsuid(Task t)
    {
        uint id = (uint)t.A0;
        var old = t.Creds;
        if (id != NoChange && id != old.Fsuid && (old.Has(Cap.SETUID) || id == old.Uid || id == old.Euid || id == old.Suid))
        {
            var c = old.Clone();
            c.Fsuid = id;
            CommitUids(t, old, c);
        }
        return old.Fsuid;
    }

    private static long Setfsgid(Task t)
    {
        uint id = (uint)t.A0;
        var old = t.Creds;
        if (id != NoChange && id != old.Fsgid && (old.Has(Cap.SETGID) || id == old.Gid || id == old.Egid || id == old.Sgid))
        {
            var c = old.Clone();
            c.Fsgid = id;
            t.Creds = c;
        }
        return old.Fsgid;
    }

    private static long Setgroups(Task t)
    {
        long size = (long)t.A0;
        if ((int)size < 0 || size > NgroupsMax) return Err.EINVAL;
        if (!t.Creds.Has(Cap.SETGID)) return Err.EPERM;
        var groups = new uint[(int)size];
        for (int i = 0; i < groups.Length; i++)
        {
            int r = t.MM.Read(t.A1 + (ulong)i * 4, out groups[i]);
            if (r < 0) return r;
            if (groups[i] == NoChange) return Err.EINVAL;
        }
        Array.Sort(groups); // the kernel keeps them sorted (groups_sort), and getgroups shows that order
        var c = t.Creds.Clone();
        c.Groups = groups;
        t.Creds = c;
        return 0;
    }

    /// <summary>Checks the capget/capset header: -EINVAL with the preferred version written back for an unknown one.</summary>
    private static int Header(Task t, out int words, out int pid)
    {
        words = 0; pid = 0;
        int r = t.MM.Read(t.A0, out uint version);
        if (r < 0) return r;
        r = t.MM.Read(t.A0 + 4, out pid);
        if (r < 0) return r;
        switch (version)
        {
            case Cap.VERSION_1: words = 1; return 0;
            case Cap.VERSION_2: case Cap.VERSION_3: words = 2; return 0;
            default:
                r = t.MM.Write(t.A0, Cap.VERSION_3);
                return r < 0 ? r : (int)Err.EINVAL;
        }
    }

    private static long Capget(Task t)
    {
        int r = Header(t, out int words, out int pid);
        if (t.A1 == 0) return r == (int)Err.EINVAL ? 0 : r; // a NULL data pointer probes the version
        if (r < 0) return r;
        if (pid < 0) return Err.EINVAL;
        var target = pid == 0 ? t : t.Kernel.FindTask(pid);
        if (target == null) return Err.ESRCH;
        var c = target.Creds;
        Span<uint> d = stackalloc uint[3];
        for (int i = 0; i < words; i++)
        {
            d[0] = (uint)(c.CapEffective >> (32 * i)); d[1] = (uint)(c.CapPermitted >> (32 * i)); d[2] = (uint)(c.CapInheritable >> (32 * i));
            r = t.MM.CopyOut(t.A1 + (ulong)(12 * i), System.Runtime.InteropServices.MemoryMarshal.AsBytes(d));
            if (r < 0) return r;
        }
        return 0;
    }

    // capset(2): only the caller's own sets; permitted may only shrink, effective must stay within
    // it, inheritable within the old inheritable and permitted (or the bounding set with CAP_SETPCAP).
    private static long Capset(Task t)
    {
        int r = Header(t, out int words, out int pid);
        if (r < 0) return r;
        if (pid != 0 && pid != t.Tid) return Err.EPERM;
        ulong eff = 0, perm = 0, inh = 0;
        Span<uint> d = stackalloc uint[3];
        for (int i = 0; i < words; i++)
        {
            r = t.MM.CopyIn(t.A1 + (ulong)(12 * i), System.Runtime.InteropServices.MemoryMarshal.AsBytes(d));
            if (r < 0) return r;
            eff |= (ulong)d[0] << (32 * i);
            perm |= (ulong)d[1] << (32 * i);
            inh |= (ulong)d[2] << (32 * i);
        }
        var old = t.Creds;
        ulong inhLimit = old.CapInheritable | (old.Has(Cap.SETPCAP) ? old.CapBounding : old.CapPermitted);
        if ((inh & ~inhLimit) != 0 || (inh & ~(old.CapInheritable | old.CapBounding)) != 0) return Err.EPERM;
        if ((perm & ~old.CapPermitted) != 0) return Err.EPERM;
        if ((eff & ~perm) != 0) return Err.EPERM;
        var c = old.Clone();
        c.CapEffective = eff; c.CapPermitted = perm; c.CapInheritable = inh;
        c.CapAmbient &= perm & inh;
        t.Creds = c;
        return 0;
    }
}
