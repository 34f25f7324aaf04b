using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Kernel.Ipc;
using Sandbox.Sentry.Memory;

namespace Sandbox.Sentry.Syscalls;

/// <summary>System V shared memory: shmget(2), shmat(2), shmdt(2), shmctl(2).</summary>
internal static unsafe class SysvShmCalls
{
    public static void Register(delegate*<Task, long>[] t)
    {
        t[Sysno.Shmget] = &Shmget;
        t[Sysno.Shmat] = &Shmat;
        t[Sysno.Shmdt] = &Shmdt;
        t[Sysno.Shmctl] = &Shmctl;
    }

    private static bool Host(Task t) => t.Kernel.Options.Ipc == IpcMode.Host;

    private static long Shmget(Task t) => Host(t)
        ? Sys.Syscall(Sysno.Shmget, (int)t.A0, (long)t.A1, (int)t.A2)
        : t.Kernel.Ipc.Shm.Get((int)t.A0, t.A1, (int)t.A2, t.Creds, t.Tgid);

    private static long Shmat(Task t)
    {
        int id = (int)t.A0, flags = (int)t.A2;
        ulong addr = t.A1;
        if (id < 0) return Err.EINVAL;
        if (addr != 0)
        {
            if ((addr & (SysV.SHMLBA - 1)) != 0)
            {
                if ((flags & SysV.SHM_RND) == 0) return Err.EINVAL;
                addr &= ~(SysV.SHMLBA - 1);
                if (addr == 0 && (flags & SysV.SHM_REMAP) != 0) return Err.EINVAL;
            }
        }
        else if ((flags & SysV.SHM_REMAP) != 0) return Err.EINVAL;
        int prot = Prot.READ, acc = 4; // S_IRUGO, checked as rwx bits by ipcperms
        if ((flags & SysV.SHM_RDONLY) == 0) { prot |= Prot.WRITE; acc |= 2; }
        if ((flags & SysV.SHM_EXEC) != 0) { prot |= Prot.EXEC; acc |= 1; }

        if (Host(t)) return HostShmat(t, id, addr, flags, prot, acc);
        var shm = t.Kernel.Ipc.Shm;
        ShmSegment? seg;
        lock (shm.Registry.Lock)
        {
            seg = shm.Registry.ById(id);
            if (seg == null) return Err.EINVAL;
            if (!seg.Permits(t.Creds, acc)) return Err.EACCES;
            if (seg.Destroyed) return -(long)Errno.EIDRM;
            seg.Pin();
        }
        long at;
        try
        {
            ulong size = seg.Size;
            if (addr != 0 && (flags & SysV.SHM_REMAP) == 0 && (addr + size < addr || t.MM.Overlaps(addr, addr + size))) return Err.EINVAL;
            var placement = addr != 0 ? MemoryManager.Placement.Fixed : MemoryManager.Placement.Hint;
            string name = $"/SYSV{(uint)seg.Key:x8} (deleted)";
            at = t.MM.MapShared(addr, seg.Backing.Length, prot, placement, seg.Backing, seg.Backing.Offset, name,
                MaxProt(flags));
        }
        finally { seg.Unpin(); }
        if (at < 0) return at;
        lock (shm.Registry.Lock)
        {
            seg.Atime = IpcObject.Now();
            seg.Lpid = t.Tgid;
        }
        return at;
    }

    private static long Shmdt(Task t)
    {
        if (!Layout.IsPageAligned(t.A0)) return Err.EINVAL;
        return t.MM.DetachOwned(t.A0) != null ? 0 : Err.EINVAL;
    }

    private static int MaxProt(int flags) => (flags & SysV.SHM_RDONLY) != 0 ? Prot.READ | Prot.EXEC : Prot.READ | Prot.WRITE | Prot.EXEC;

    /// <summary>shmat of a host segment: the application's credentials are checked against it here (the host sees the Sentry's).</summary>
    private static long HostShmat(Task t, int id, ulong addr, int flags, int prot, int acc)
    {
        ShmidDs ds;
        long r = Sys.Syscall(Sysno.Shmctl, id, SysV.STAT, (long)&ds);
        if (r < 0) return r;
        if (!IpcObject.Permits(ds.Perm, t.Creds, acc)) return Err.EACCES;
        var hosts = t.Kernel.Ipc.HostShm;
        r = hosts.Pin(id, ds.Segsz, out var seg);
        if (r < 0) return r;
        try
        {
            if (addr != 0 && (flags & SysV.SHM_REMAP) == 0 && (addr + ds.Segsz < addr || t.MM.Overlaps(addr, addr + ds.Segsz))) return Err.EINVAL;
            var placement = addr != 0 ? MemoryManager.Placement.Fixed : MemoryManager.Placement.Hint;
            return t.MM.MapShared(addr, seg!.Backing.Length, prot, placement, seg.Backing, 0, $"/SYSV{(uint)ds.Perm.Key:x8} (deleted)", MaxProt(flags));
        }
        finally { hosts.Unpin(seg!); }
    }

    /// <summary>shmctl on the host: the argument copied in and the answer out through the Sentry's memory.</summary>
    private static long HostShmctl(Task t, int id, int cmd, ulong buf)
    {
        int size = cmd switch
        {
            SysV.STAT or SysV.SET or SysV.SHM_STAT or SysV.SHM_STAT_ANY => sizeof(ShmidDs),
            SysV.INFO => sizeof(ShmInfo64),
            SysV.SHM_INFO => sizeof(ShmInfo),
            SysV.RMID or SysV.SHM_LOCK or SysV.SHM_UNLOCK => 0,
            _ => -1,
        };
        if (size < 0) return Err.EINVAL;
        // The host sees the Sentry (root); the application's own credentials are checked here.
        if (cmd is SysV.STAT or SysV.SET or SysV.RMID or SysV.SHM_LOCK or SysV.SHM_UNLOCK)
        {
            ShmidDs cur;
            long s = Sys.Syscall(Sysno.Shmctl, id, SysV.STAT, (long)&cur);
            if (s < 0) return s;
            var c = t.Creds;
            bool owner = c.Euid == cur.Perm.Uid || c.Euid == cur.Perm.Cuid;
            bool ok = cmd switch
            {
                SysV.STAT => IpcObject.Permits(cur.Perm, c, 4),
                SysV.SET or SysV.RMID => owner || c.Has(Cap.SYS_ADMIN),
                _ => c.Has(Cap.IPC_LOCK) || owner && (cmd == SysV.SHM_UNLOCK || t.Rlimits[Rlimit.MEMLOCK].Cur != 0),
            };
            if (!ok) return cmd == SysV.STAT ? Err.EACCES : Err.EPERM;
        }
        byte* b = stackalloc byte[128];
        var span = new Span<byte>(b, size);
        span.Clear();
        if (cmd == SysV.SET && t.MM.CopyIn(buf, span) < 0) return Err.EFAULT;
        long r = Sys.Syscall(Sysno.Shmctl, id, cmd, size > 0 ? (long)b : 0);
        if (r >= 0 && size > 0 && cmd != SysV.SET && t.MM.CopyOut(buf, span) < 0) return Err.EFAULT;
        return r;
    }

    private static long Shmctl(Task t)
    {
        int id = (int)t.A0, cmd = (int)t.A1;
        ulong buf = t.A2;
        if (cmd < 0 || id < 0) return Err.EINVAL;
        if (Host(t)) return HostShmctl(t, id, cmd, buf);
        var shm = t.Kernel.Ipc.Shm;
        switch (cmd)
        {
            case SysV.INFO:
            {
                ShmInfo64 info;
                int max;
                lock (shm.Registry.Lock)
                {
                    info = new ShmInfo64 { Shmmax = shm.ShmMax, Shmmin = SysV.SHMMIN, Shmmni = (ulong)shm.Registry.Limit, Shmseg = (ulong)shm.Registry.Limit, Shmall = shm.ShmAll };
                    max = shm.Registry.MaxIndex;
                }
                return t.MM.Write(buf, info) < 0 ? Err.EFAULT : max;
            }
            case SysV.SHM_INFO:
            {
                ShmInfo info;
                int max;
                lock (shm.Registry.Lock)
                {
                    info = new ShmInfo { UsedIds = shm.Registry.Count, ShmTot = shm.TotalPages, ShmRss = shm.ResidentBytes() / Layout.PageSize };
                    max = shm.Registry.MaxIndex;
                }
                return t.MM.Write(buf, info) < 0 ? Err.EFAULT : max;
            }
            case SysV.STAT or SysV.SHM_STAT or SysV.SHM_STAT_ANY:
            {
                ShmidDs ds;
                long r;
                lock (shm.Registry.Lock)
                {
                    var seg = cmd == SysV.STAT ? shm.Registry.ById(id) : shm.Registry.ByIndex(id);
                    if (seg == null) return Err.EINVAL;
                    if (cmd != SysV.SHM_STAT_ANY && !seg.Permits(t.Creds, 4)) return Err.EACCES;
                    ds = seg.Stat();
                    r = cmd == SysV.STAT ? 0 : seg.Id;
                }
                return t.MM.Write(buf, ds) < 0 ? Err.EFAULT : r;
            }
            case SysV.SET or SysV.RMID:
            {
                ShmidDs ds = default;
                if (cmd == SysV.SET && t.MM.Read(buf, out ds) < 0) return Err.EFAULT;
                lock (shm.Registry.Lock)
                {
                    var seg = shm.Registry.ById(id);
                    if (seg == null) return Err.EINVAL;
                    if (!seg.MayAdminister(t.Creds)) return Err.EPERM;
                    if (cmd == SysV.RMID) { seg.MarkForRemoval(); return 0; }
                    if (ds.Perm.Uid == uint.MaxValue || ds.Perm.Gid == uint.MaxValue) return Err.EINVAL;
                    seg.Set(ds.Perm);
                    seg.Ctime = IpcObject.Now();
                    return 0;
                }
            }
            case SysV.SHM_LOCK or SysV.SHM_UNLOCK:
            {
                lock (shm.Registry.Lock)
                {
                    var seg = shm.Registry.ById(id);
                    if (seg == null) return Err.EINVAL;
                    if (!t.Creds.Has(Cap.IPC_LOCK))
                    {
                        if (t.Creds.Euid != seg.Uid && t.Creds.Euid != seg.Cuid) return Err.EPERM;
                        if (cmd == SysV.SHM_LOCK && t.Rlimits[Rlimit.MEMLOCK].Cur == 0) return Err.EPERM;
                    }
                    if (cmd == SysV.SHM_LOCK) seg.Mode |= SysV.SHM_LOCKED;
                    else seg.Mode &= ~SysV.SHM_LOCKED;
                    return 0;
                }
            }
            default:
                return Err.EINVAL;
        }
    }
}
