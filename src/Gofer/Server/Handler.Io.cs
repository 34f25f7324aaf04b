using Sandbox.Linux.Abi;
using FileMode = Sandbox.Linux.Abi.FileMode;
using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

internal sealed partial class Handler
{
    /// <summary>Open flags a client may pass through (the rest are ours to choose or refuse).</summary>
    private const int PassFlags = OpenFlags.O_ACCMODE | OpenFlags.O_TRUNC | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK
        | OpenFlags.O_DSYNC | OpenFlags.O_DIRECT | OpenFlags.O_LARGEFILE | OpenFlags.O_DIRECTORY | OpenFlags.O_NOATIME
        | OpenFlags.O_SYNC;

    private bool WritesInReadOnly(int flags)
        => tree.ReadOnly && ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0);

    private Message Lopen(Tlopen m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            int flags = (int)m.Flags & PassFlags;
            if ((flags & OpenFlags.O_ACCMODE) == 3) return Err(E.EINVAL);
            if (FileMode.IsLink(s.Mode)) return Err(E.ELOOP);
            if (FileMode.IsDir(s.Mode))
            {
                if ((flags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY || (flags & OpenFlags.O_TRUNC) != 0) return Err(E.EISDIR);
                flags |= OpenFlags.O_DIRECTORY;
            }
            else if (!FileMode.IsReg(s.Mode)) return Err(E.EOPNOTSUPP); // devices, fifos, sockets are the Sentry's own
            else if ((flags & OpenFlags.O_DIRECTORY) != 0) return Err(E.ENOTDIR);
            if (WritesInReadOnly(flags)) return Err(E.EROFS);
            lock (s)
            {
                if (s.OpenFd >= 0 || s.Xattr != null) return Err(E.EINVAL);
                int fd = Reopen(s, flags);
                if (fd < 0) return Err(fd);
                s.OpenFlags = (uint)flags;
                s.OpenFd = fd;
            }
            return new Rlopen(s.Qid, 0);
        }
        finally { s.Release(); }
    }

    private Message Lcreate(Tlcreate m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (!ValidName(m.Name)) return Err(E.EINVAL);
            if (!FileMode.IsDir(s.Mode)) return Err(E.ENOTDIR);
            if (tree.ReadOnly) return Err(E.EROFS);
            int flags = (int)m.Flags & (PassFlags & ~OpenFlags.O_DIRECTORY);
            if ((flags & OpenFlags.O_ACCMODE) == 3) return Err(E.EINVAL);
            bool excl = (m.Flags & OpenFlags.O_EXCL) != 0;
            lock (s)
            {
                if (s.OpenFd >= 0 || s.Xattr != null) return Err(E.EINVAL);
                const int Base = OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY;
                int fd = Host.OpenAt(s.PathFd, m.Name, flags | Base | OpenFlags.O_EXCL, m.Mode & 0xfff);
                bool created = fd >= 0;
                if (fd == -(int)E.EEXIST && !excl)
                {
                    // An existing name must be a regular file; O_NONBLOCK keeps a fifo swapped in
                    // meanwhile from blocking us (the type is checked again once open).
                    if (Host.FstatAt(s.PathFd, m.Name, out var old, AtFlags.AT_SYMLINK_NOFOLLOW) is var sr and < 0) return Err(sr);
                    if (FileMode.IsLink(old.Mode)) return Err(E.ELOOP);
                    if (!FileMode.IsReg(old.Mode)) return Err(FileMode.IsDir(old.Mode) ? E.EISDIR : E.EOPNOTSUPP);
                    fd = Host.OpenAt(s.PathFd, m.Name, flags | OpenFlags.O_NONBLOCK | (Base & ~OpenFlags.O_CREAT));
                }
                if (fd < 0) return Err(fd);
                if (created) Own(fd, "", m.Gid, AtFlags.AT_EMPTY_PATH);
                int r = Host.Fstat(fd, out var st);
                if (r < 0 || !FileMode.IsReg(st.Mode))
                {
                    Host.Close(fd);
                    return Err(r < 0 ? r : -(int)E.EOPNOTSUPP);
                }
                int pathFd = tree.ProcSelfFd >= 0
                    ? Host.OpenAt(tree.ProcSelfFd, fd.ToString(), OpenFlags.O_PATH | OpenFlags.O_CLOEXEC)
                    : Host.OpenAt(s.PathFd, m.Name, OPath);
                if (pathFd < 0) { Host.Close(fd); return Err(pathFd); }
                s.Retire(s.PathFd);
                s.PathFd = pathFd;
                s.Path = [.. s.Path, m.Name];
                s.Qid = QidOf(st);
                s.Mode = st.Mode;
                s.OpenFlags = (uint)flags;
                s.OpenFd = fd;
                return new Rlcreate(s.Qid, 0);
            }
        }
        finally { s.Release(); }
    }

    /// <summary>A duplicate of the fid's open fd when it is a regular file (to donate), else -1.</summary>
    public int DupOpenRegular(uint fid)
    {
        var s = _fids.Get(fid);
        if (s == null) return -1;
        try
        {
            int fd = s.OpenFd;
            return fd >= 0 && FileMode.IsReg(s.Mode) ? (int)Math.Max(-1, Host.Dup(fd)) : -1;
        }
        finally { s.Release(); }
    }

    /// <summary>
    /// Tread straight into the reply buffer: returns the byte count or -errno.
    /// <paramref name="dest"/> is already clamped to what msize allows.
    /// </summary>
    public long ReadInto(Tread m, Span<byte> dest)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return -(int)E.EBADF;
        try
        {
            if (m.Count < dest.Length) dest = dest[..(int)m.Count];
            if (s.Xattr is { } x)
            {
                if (x.SetName != null) return -(int)E.EBADF;
                if (m.Offset >= (ulong)x.Value.Length) return 0;
                int n = Math.Min(dest.Length, x.Value.Length - (int)m.Offset);
                x.Value.AsSpan((int)m.Offset, n).CopyTo(dest);
                return n;
            }
            int fd = s.OpenFd;
            if (fd < 0) return -(int)E.EBADF;
            if (FileMode.IsDir(s.Mode)) return -(int)E.EISDIR;
            if (m.Offset > long.MaxValue) return -(int)E.EINVAL;
            return Host.Pread(fd, dest, (long)m.Offset);
        }
        finally { s.Release(); }
    }

    private Message ReadCopy(Tread m)
    {
        var buf = new byte[Math.Min(m.Count, Msize - P9.P9.ReadWriteOverhead)];
        long n = ReadInto(m, buf);
        return n < 0 ? Err(n) : new Rread(buf.AsMemory(0, (int)n));
    }

    private Message Write(Twrite m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (s.Xattr is { } x)
            {
                lock (x)
                {
                    if (x.SetName == null) return Err(E.EBADF);
                    if (m.Offset > (ulong)x.Value.Length || (ulong)m.Data.Length > (ulong)x.Value.Length - m.Offset) return Err(E.ERANGE);
                    m.Data.Span.CopyTo(x.Value.AsSpan((int)m.Offset));
                    x.Written = Math.Max(x.Written, (int)m.Offset + m.Data.Length);
                    return new Rwrite((uint)m.Data.Length);
                }
            }
            int fd = s.OpenFd;
            if (fd < 0) return Err(E.EBADF);
            if (m.Offset > long.MaxValue) return Err(E.EINVAL);
            long n = Host.Pwrite(fd, m.Data.Span, (long)m.Offset);
            return n < 0 ? Err(n) : new Rwrite((uint)n);
        }
        finally { s.Release(); }
    }

    private Message Clunk(Tclunk m)
    {
        var s = _fids.Remove(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            // Txattrcreate's value is set when its fid is clunked (9P2000.L xattrcreate).
            if (s.Xattr is { SetName: { } name } x)
            {
                if (x.Written != x.Value.Length) return Err(E.EINVAL);
                int fd = Reopen(s, FileMode.IsDir(s.Mode) ? OpenFlags.O_DIRECTORY : OpenFlags.O_RDONLY);
                if (fd < 0) return Err(fd);
                const int XATTR_REPLACE = 2;
                int r = x.Value.Length == 0 && x.SetFlags == XATTR_REPLACE
                    ? Host.Fremovexattr(fd, name)
                    : Host.Fsetxattr(fd, name, x.Value, x.SetFlags);
                Host.Close(fd);
                if (r < 0) return Err(r);
            }
            return new Rclunk();
        }
        finally { s.Release(); }
    }

    private Message Remove(Tremove m)
    {
        var s = _fids.Remove(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (tree.ReadOnly) return Err(E.EROFS);
            if (s.Path.Length == 0) return Err(E.EBUSY);
            int parent = WalkFromRoot(s.Path.AsSpan(0, s.Path.Length - 1));
            if (parent < 0) return Err(parent);
            int r = Host.UnlinkAt(parent, s.Path[^1], FileMode.IsDir(s.Mode) ? AtFlags.AT_REMOVEDIR : 0);
            Host.Close(parent);
            return r < 0 ? Err(r) : new Rremove();
        }
        finally { s.Release(); }
    }

    private Message Fsync(Tfsync m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            int fd = s.OpenFd;
            if (fd < 0) return Err(E.EBADF);
            int r = Host.Fsync(fd, m.Datasync != 0);
            return r < 0 ? Err(r) : new Rfsync();
        }
        finally { s.Release(); }
    }
}
