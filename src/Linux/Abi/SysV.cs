using System.Runtime.InteropServices;

namespace Sandbox.Linux.Abi;

/// <summary>System V IPC flags and commands (linux/ipc.h, linux/shm.h, linux/sem.h, linux/msg.h).</summary>
public static class SysV
{
    public const int PRIVATE = 0;
    public const int CREAT = 0x200, EXCL = 0x400, NOWAIT = 0x800;
    public const int RMID = 0, SET = 1, STAT = 2, INFO = 3;
    /// <summary>Ids are seq * MNI + index (ipc_buildid): a removed id is not reused at once.</summary>
    public const int IdMultiplier = 32768;
    /// <summary>The mode bits ipcperms(2) checks; S_IRWXUGO.</summary>
    public const uint ModeMask = 0x1ff;

    // shmget / shmat flags
    public const int SHM_HUGETLB = 0x800, SHM_NORESERVE = 0x1000;
    public const int SHM_RDONLY = 0x1000, SHM_RND = 0x2000, SHM_REMAP = 0x4000, SHM_EXEC = 0x8000;
    // shmctl commands
    public const int SHM_LOCK = 11, SHM_UNLOCK = 12, SHM_STAT = 13, SHM_INFO = 14, SHM_STAT_ANY = 15;
    // shm_perm.mode status bits
    public const uint SHM_DEST = 0x200, SHM_LOCKED = 0x400;
    /// <summary>SHMLBA on x86-64 is the page size.</summary>
    public const ulong SHMLBA = 4096;
    public const ulong SHMMIN = 1;

    // semctl commands
    public const int GETPID = 11, GETVAL = 12, GETALL = 13, GETNCNT = 14, GETZCNT = 15, SETVAL = 16, SETALL = 17;
    public const int SEM_STAT = 18, SEM_INFO = 19, SEM_STAT_ANY = 20;
    public const short SEM_UNDO = 0x1000;
    public const int SEMVMX = 32767, SEMAEM = SEMVMX;

    // msgsnd / msgrcv / msgctl
    public const int MSG_NOERROR = 0x1000, MSG_EXCEPT = 0x2000, MSG_COPY = 0x4000;
    public const int MSG_STAT = 11, MSG_INFO = 12, MSG_STAT_ANY = 13;
}

/// <summary>struct ipc64_perm (x86-64).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct IpcPerm64
{
    public int Key;
    public uint Uid, Gid, Cuid, Cgid, Mode;
    public ushort Seq, Pad2;
    public ulong Unused1, Unused2;
}

/// <summary>struct shmid64_ds (x86-64).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShmidDs
{
    public IpcPerm64 Perm;
    public ulong Segsz;
    public long Atime, Dtime, Ctime;
    public int Cpid, Lpid;
    public ulong Nattch, Unused4, Unused5;
}

/// <summary>struct shminfo64: IPC_INFO's answer.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShmInfo64
{
    public ulong Shmmax, Shmmin, Shmmni, Shmseg, Shmall, Unused1, Unused2, Unused3, Unused4;
}

/// <summary>struct shm_info: SHM_INFO's answer.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ShmInfo
{
    public int UsedIds;
    public ulong ShmTot, ShmRss, ShmSwp, SwapAttempts, SwapSuccesses;
}

/// <summary>struct semid64_ds (x86-64).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SemidDs
{
    public IpcPerm64 Perm;
    public long Otime;
    public ulong Unused1;
    public long Ctime;
    public ulong Unused2;
    public ulong Nsems, Unused3, Unused4;
}

/// <summary>struct seminfo: IPC_INFO / SEM_INFO's answer.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SemInfo
{
    public int Semmap, Semmni, Semmns, Semmnu, Semmsl, Semopm, Semume, Semusz, Semvmx, Semaem;
}

/// <summary>struct sembuf.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SemBuf
{
    public ushort Num;
    public short Op;
    public short Flg;
}

/// <summary>struct msqid64_ds (x86-64).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MsqidDs
{
    public IpcPerm64 Perm;
    public long Stime, Rtime, Ctime;
    public ulong Cbytes, Qnum, Qbytes;
    public int Lspid, Lrpid;
    public ulong Unused4, Unused5;
}

/// <summary>struct msginfo: IPC_INFO / MSG_INFO's answer.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MsgInfo
{
    public int Msgpool, Msgmap, Msgmax, Msgmnb, Msgmni, Msgssz, Msgtql;
    public ushort Msgseg;
}
