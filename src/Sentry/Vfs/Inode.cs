using Sandbox.Linux;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs;

/// <summary>
/// A file as a filesystem presents it. Filesystems (host passthrough now, the 9P Gofer client
/// later, devfs, tmpfs, procfs) implement this; path walking, mounts and permission checks
/// live above it in <see cref="VirtualFs"/>.
/// </summary>
public abstract class Inode
{
    protected Inode(Filesystem fs) { Fs = fs; }

    public Filesystem Fs { get; }

    /// <summary>st_mode: type and permission bits.</summary>
    /// <summary>inotify watches on this inode (null: none). Guarded by Fsnotify's lock.</summary>
    internal List<Inotify.Watch>? Watches;

    public abstract uint Mode { get; }

    public bool IsDirectory => FileMode.IsDir(Mode);
    public bool IsSymlink => FileMode.IsLink(Mode);

    /// <summary>Finds a child by name (never "." or ".."). 0, -ENOENT, -ENOTDIR or -errno.</summary>
    public virtual int Lookup(string name, out Inode? child) { child = null; return -(int)Errno.ENOTDIR; }

    public virtual int ReadLink(out string target) { target = ""; return -(int)Errno.EINVAL; }

    /// <summary>
    /// A "magic" symlink (/proc/PID/fd/N, cwd, root, exe): following it goes straight to the
    /// object, not through the text ReadLink shows. <paramref name="at"/> is the mount the link is in.
    /// </summary>
    public virtual bool MagicLink(Mount at, out Location target) { target = default; return false; }

    /// <summary>Children come and go by themselves (/proc): the path walk must not cache them.</summary>
    public virtual bool DynamicChildren => false;

    public abstract int Stat(out Stat st);

    public virtual int Statx(uint mask, out Statx stx)
    {
        stx = default;
        int r = Stat(out var st);
        if (r < 0) return r;
        stx = StatConvert.ToStatx(st);
        return 0;
    }

    /// <summary>statfs(2) of the filesystem holding this inode (a 120-byte struct statfs).</summary>
    public virtual int StatFs(Span<byte> statfs) => Fs.StatFs(statfs);

    /// <summary>Reads an extended attribute: its size, -ENODATA, or -EOPNOTSUPP where there are none.</summary>
    public virtual int GetXattr(string name, Span<byte> value) => -(int)Errno.EOPNOTSUPP;

    /// <summary>Lists extended attribute names (NUL-separated): the size needed or written.</summary>
    public virtual int ListXattr(Span<byte> list) => 0;

    /// <summary>setxattr(2): XATTR_CREATE/XATTR_REPLACE in flags. 0 or -errno (EOPNOTSUPP where the filesystem has none).</summary>
    public virtual int SetXattr(string name, ReadOnlySpan<byte> value, int flags) => Fs.ReadOnly ? -(int)Errno.EROFS : -(int)Errno.EOPNOTSUPP;

    public virtual int RemoveXattr(string name) => Fs.ReadOnly ? -(int)Errno.EROFS : -(int)Errno.EOPNOTSUPP;

    // ---- changing the tree (writable filesystems override these) ---------------------------

    private int NotWritable => Fs.ReadOnly ? -(int)Errno.EROFS : -(int)Errno.EPERM;

    /// <summary>Creates a child: a regular file, directory, fifo or symlink (mode carries the type).</summary>
    public virtual int Create(string name, uint mode, uint uid, uint gid, string? symlinkTarget, out Inode? child)
    {
        child = null;
        return IsDirectory ? NotWritable : -(int)Errno.ENOTDIR;
    }

    /// <summary>A new name for an existing inode (link(2)).</summary>
    public virtual int Link(string name, Inode target) => IsDirectory ? NotWritable : -(int)Errno.ENOTDIR;

    /// <summary>Removes a name: a non-directory (unlink) or an empty directory (rmdir).</summary>
    public virtual int Remove(string name, bool directory) => IsDirectory ? NotWritable : -(int)Errno.ENOTDIR;

    /// <summary>rename(2) within one filesystem; flags are RENAME_NOREPLACE / RENAME_EXCHANGE.</summary>
    public virtual int Rename(string oldName, Inode newParent, string newName, int flags) => NotWritable;

    /// <summary>chmod/chown/truncate/utimens. Null fields are left alone.</summary>
    public virtual int SetAttr(in SetAttr attr) => NotWritable;

    /// <summary>
    /// fallocate(2) on a regular file, the generic checks done: without PUNCH_HOLE the space is
    /// reserved (and, without KEEP_SIZE (1), the size grown to offset + length). Filesystems
    /// that can punch holes override this; other modes are EOPNOTSUPP, as on tmpfs.
    /// </summary>
    public virtual int Fallocate(int mode, long offset, long length)
    {
        if ((mode & ~1) != 0) return -(int)Errno.EOPNOTSUPP;
        int r = Stat(out var st);
        if (r < 0) return r;
        return (mode & 1) == 0 && offset + length > st.Size ? SetAttr(new SetAttr(Size: offset + length)) : 0;
    }

    /// <summary>Opens the file. Permission and read-only checks were done by the caller.</summary>
    public abstract int Open(int flags, out FileDescription? file);
}

/// <summary>A mounted filesystem instance.</summary>
public abstract class Filesystem
{
    public abstract string Type { get; }
    public abstract Inode Root { get; }
    public virtual bool ReadOnly => false;
    /// <summary>Device number reported in st_dev for synthetic filesystems.</summary>
    public ulong Dev { get; init; }

    /// <summary>f_type of statfs(2) (linux/magic.h).</summary>
    public virtual long Magic => 0x01021994; // TMPFS_MAGIC

    public virtual int StatFs(Span<byte> statfs)
    {
        Fill(statfs, Magic, ReadOnly);
        return 0;
    }

    /// <summary>A struct statfs of an in-memory filesystem (also pipefs, sockfs, anon_inodefs).</summary>
    public static void Fill(Span<byte> statfs, long magic, bool readOnly)
    {
        statfs.Clear();
        var w = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(statfs);
        w[0] = magic;     // f_type
        w[1] = 4096;      // f_bsize
        w[8] = 255;       // f_namelen
        w[9] = 4096;      // f_frsize
        w[10] = readOnly ? 1 : 0; // f_flags: ST_RDONLY
    }
}

public static class StatConvert
{
    public static Statx ToStatx(in Stat st) => new()
    {
        Mask = StatxMask.BASIC_STATS,
        Blksize = (uint)st.Blksize,
        Nlink = (uint)st.Nlink,
        Uid = st.Uid,
        Gid = st.Gid,
        Mode = (ushort)st.Mode,
        Ino = st.Ino,
        Size = (ulong)st.Size,
        Blocks = (ulong)st.Blocks,
        Atime = new StatxTimestamp(st.Atime),
        Mtime = new StatxTimestamp(st.Mtime),
        Ctime = new StatxTimestamp(st.Ctime),
        RdevMajor = FileMode.Major(st.Rdev),
        RdevMinor = FileMode.Minor(st.Rdev),
        DevMajor = FileMode.Major(st.Dev),
        DevMinor = FileMode.Minor(st.Dev),
    };
}

/// <summary>What setattr changes (chmod, chown, truncate, utimensat).</summary>
public readonly record struct SetAttr(uint? Mode = null, uint? Uid = null, uint? Gid = null, long? Size = null,
    Timespec? Atime = null, Timespec? Mtime = null);
