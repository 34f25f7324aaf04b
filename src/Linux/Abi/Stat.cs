using System.Runtime.InteropServices;

namespace Sandbox.Linux.Abi;

/// <summary>struct stat as the x86-64 kernel writes it (asm/stat.h), 144 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Stat
{
    public ulong Dev, Ino, Nlink;
    public uint Mode, Uid, Gid;
    private int _pad0;
    public ulong Rdev;
    public long Size, Blksize, Blocks;
    public Timespec Atime, Mtime, Ctime;
    private long _r0, _r1, _r2;
}

[StructLayout(LayoutKind.Sequential)]
public struct Timespec
{
    public long Sec, Nsec;
    public Timespec(long sec, long nsec) { Sec = sec; Nsec = nsec; }
    public static Timespec FromNanoseconds(long ns) => new(ns / 1_000_000_000, ns % 1_000_000_000);
    public readonly long TotalNanoseconds => Sec * 1_000_000_000 + Nsec;
    public readonly bool IsValid => Nsec >= 0 && Nsec < 1_000_000_000 && Sec >= 0;
}

[StructLayout(LayoutKind.Sequential)]
public struct Timeval { public long Sec, Usec; }

/// <summary>struct statx_timestamp.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct StatxTimestamp { public long Sec; public uint Nsec; private int _r; 
    public StatxTimestamp(Timespec t) { Sec = t.Sec; Nsec = (uint)t.Nsec; _r = 0; } }

/// <summary>struct statx (linux/stat.h), 256 bytes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct Statx
{
    public uint Mask, Blksize;
    public ulong Attributes;
    public uint Nlink, Uid, Gid;
    public ushort Mode;
    private ushort _pad1;
    public ulong Ino, Size, Blocks, AttributesMask;
    public StatxTimestamp Atime, Btime, Ctime, Mtime;
    public uint RdevMajor, RdevMinor, DevMajor, DevMinor;
}

public static class StatxMask
{
    public const uint TYPE = 1, MODE = 2, NLINK = 4, UID = 8, GID = 0x10, ATIME = 0x20, MTIME = 0x40,
        CTIME = 0x80, INO = 0x100, SIZE = 0x200, BLOCKS = 0x400, BASIC_STATS = 0x7ff, BTIME = 0x800,
        RESERVED = 0x80000000;
}

public static class FileMode
{
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000,
        S_IFBLK = 0x6000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000,
        S_ISUID = 0x800, S_ISGID = 0x400, S_ISVTX = 0x200;
    public static bool IsDir(uint m) => (m & S_IFMT) == S_IFDIR;
    public static bool IsLink(uint m) => (m & S_IFMT) == S_IFLNK;
    public static bool IsReg(uint m) => (m & S_IFMT) == S_IFREG;

    /// <summary>d_type for getdents64 from st_mode.</summary>
    public static byte DirentType(uint m) => (byte)((m & S_IFMT) >> 12);

    public static ulong MakeDev(uint major, uint minor)
        => ((ulong)(major & 0xfff) << 8) | (minor & 0xff) | ((ulong)(minor & ~0xffu) << 12) | ((ulong)(major & ~0xfffu) << 32);
    public static uint Major(ulong dev) => (uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL));
    public static uint Minor(ulong dev) => (uint)((dev & 0xff) | ((dev >> 12) & ~0xffUL));
}
