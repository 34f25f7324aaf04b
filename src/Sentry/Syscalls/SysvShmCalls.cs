using Sandbox.Linux;
using Sandbox.Linux.Abi;
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

    private static long Shmget(Task t) => t.Kernel.Ipc.Shm.Get((int)t.A0, t.A1, (int)t.A2, t.Creds, t.Tgid);

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
            at = t.MM.MapShared(addr, seg.Backing.Length, prot, placement, seg.Backing, seg.Backing.Offset, name);
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
        return t.MM.DetachOwned(t.A0) is ShmSegment ? 0 : Err.EINVAL;
    }

    private static long Shmctl(Task t)
    {
        int id = (int)t.A0, cmd = (int)t.A1;
        ulong buf = t.A2;
        if (cmd < 0 || id < 0) return Err.EINVAL;
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
