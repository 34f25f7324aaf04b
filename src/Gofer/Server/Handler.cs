using Sandbox.Linux.Abi;
using FileMode = Sandbox.Linux.Abi.FileMode;
using Sandbox.P9;
using E = Sandbox.Linux.Errno;

namespace Sandbox.Gofer.Server;

/// <summary>
/// Serves the 9P2000.L requests of one connection against one <see cref="ServedTree"/>. Errors
/// are answered as Rlerror values (no exceptions on the hot path). Thread-safe: the
/// connection's workers call it concurrently.
/// </summary>
internal sealed partial class Handler(ServedTree tree)
{
    private readonly FidTable _fids = new();
    /// <summary>The n_uname of Tattach: owner of files this connection creates (NONUNAME: ours).</summary>
    private volatile int _ownerUid = -1;
    public uint Msize = P9.P9.MaxMsize;

    private const int OPath = OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
    private const int EmptyNoFollow = AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW;
    private static readonly Rlerror[] Errors = Enumerable.Range(0, 134).Select(e => new Rlerror((uint)e)).ToArray();

    internal static Rlerror Err(E e) => Errors[(int)e];
    internal static Rlerror Err(long negErrno) => -negErrno is > 0 and < 134 ? Errors[-negErrno] : new Rlerror((uint)-negErrno);

    public Message Handle(Message m) => m switch
    {
        Tattach x => Attach(x),
        Tauth => Err(E.EOPNOTSUPP),
        Twalk x => Walk(x),
        Tlopen x => Lopen(x),
        Tlcreate x => Lcreate(x),
        Twrite x => Write(x),
        Tclunk x => Clunk(x),
        Tremove x => Remove(x),
        Tgetattr x => GetAttr(x),
        Tsetattr x => SetAttr(x),
        Tstatfs x => StatFs(x),
        Treaddir x => ReadDir(x),
        Tfsync x => Fsync(x),
        Tmkdir x => Mkdir(x),
        Tmknod x => Mknod(x),
        Tsymlink x => Symlink(x),
        Tlink x => Link(x),
        Treadlink x => Readlink(x),
        Trename x => Rename(x),
        Trenameat x => RenameAt(x),
        Tunlinkat x => UnlinkAt(x),
        Txattrwalk x => XattrWalk(x),
        Txattrcreate x => XattrCreate(x),
        Tlock x => Lock(x),
        Tgetlock x => GetLock(x),
        Tread x => ReadCopy(x),
        _ => Err(E.EINVAL), // R-messages and anything else a client has no business sending
    };

    /// <summary>Clunks every fid (end of connection or a new Tversion).</summary>
    public void Reset() => _fids.Clear();

    // ---- helpers ----

    internal static Qid QidOf(in Stat st)
    {
        byte t = FileMode.IsDir(st.Mode) ? P9.P9.QidDir : FileMode.IsLink(st.Mode) ? P9.P9.QidSymlink : P9.P9.QidFile;
        // The version changes with the file's content; clients use it to revalidate caches.
        return new Qid(t, (uint)(st.Mtime.Sec * 1000003 ^ st.Mtime.Nsec ^ st.Size), st.Ino);
    }

    /// <summary>A single path component we may hand to the host: no "/", NUL, "." or "..".</summary>
    internal static bool ValidName(string n)
        => n.Length is > 0 and <= 255 && n != "." && n != ".." && !n.Contains('/') && System.Text.Encoding.UTF8.GetByteCount(n) <= 255;

    /// <summary>Opens the directory at <paramref name="path"/> below the tree root, one component at a time.</summary>
    private int WalkFromRoot(ReadOnlySpan<string> path)
    {
        int cur = (int)Host.Dup(tree.RootFd);
        if (cur < 0) return cur;
        foreach (var c in path)
        {
            int next = Host.OpenAt(cur, c, OPath | OpenFlags.O_DIRECTORY);
            Host.Close(cur);
            if (next < 0) return next;
            cur = next;
        }
        return cur;
    }

    /// <summary>Opens the file an O_PATH fd names with real access flags.</summary>
    private int Reopen(FidState s, int flags)
    {
        flags |= OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY;
        flags &= ~(OpenFlags.O_CREAT | OpenFlags.O_PATH);
        if (tree.ProcSelfFd >= 0) return Host.OpenAt(tree.ProcSelfFd, s.PathFd.ToString(), flags);
        if (s.Path.Length == 0) return Host.OpenAt(tree.RootFd, ".", flags);
        int parent = WalkFromRoot(s.Path.AsSpan(0, s.Path.Length - 1));
        if (parent < 0) return parent;
        int fd = Host.OpenAt(parent, s.Path[^1], flags | OpenFlags.O_NOFOLLOW);
        Host.Close(parent);
        return fd;
    }

    private Message Attach(Tattach m)
    {
        if (m.Afid != P9.P9.NoFid) return Err(E.EINVAL);
        int fd = (int)Host.Dup(tree.RootFd);
        if (fd < 0) return Err(fd);
        if (Host.Fstat(fd, out var st) is var r and < 0) { Host.Close(fd); return Err(r); }
        if (m.NUname != uint.MaxValue && m.NUname <= int.MaxValue) _ownerUid = (int)m.NUname;
        var q = QidOf(st);
        return _fids.TryAdd(m.Fid, new FidState(fd, [], q, st.Mode), out int e) ? new Rattach(q) : Err(-e);
    }

    private Message Walk(Twalk m)
    {
        var s = _fids.Get(m.Fid);
        if (s == null) return Err(E.EBADF);
        try
        {
            if (s.OpenFd >= 0 || s.Xattr != null) return Err(E.EBADF);
            int cur = (int)Host.Dup(s.PathFd);
            if (cur < 0) return Err(cur);
            var path = new List<string>(s.Path);
            var qids = new Qid[m.Names.Length];
            uint mode = s.Mode;
            Qid qid = s.Qid;
            int done = 0, err = 0;
            foreach (var name in m.Names)
            {
                int next;
                if (!FileMode.IsDir(mode)) next = -(int)E.ENOTDIR;
                else if (name == "..")
                {
                    // Never the host's "..": re-walk from our own root, which is its own parent.
                    if (path.Count > 0) path.RemoveAt(path.Count - 1);
                    next = WalkFromRoot(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(path));
                }
                else if (!ValidName(name)) next = -(int)E.EINVAL;
                else
                {
                    next = Host.OpenAt(cur, name, OPath);
                    if (next >= 0) path.Add(name);
                }
                if (next < 0) { err = next; break; }
                if (Host.Fstat(next, out var st) is var r and < 0) { Host.Close(next); err = r; break; }
                Host.Close(cur);
                cur = next;
                mode = st.Mode;
                qid = QidOf(st);
                qids[done++] = qid;
            }
            if (done < m.Names.Length)
            {
                Host.Close(cur);
                return done == 0 ? Err(err) : new Rwalk(qids[..done]);
            }
            var ns = new FidState(cur, path.ToArray(), qid, mode);
            if (m.NewFid == m.Fid) _fids.Replace(m.Fid, ns);
            else if (!_fids.TryAdd(m.NewFid, ns, out int e)) return Err(-e);
            return new Rwalk(qids);
        }
        finally { s.Release(); }
    }

    /// <summary>Chowns a file this connection created to the attaching user and the requested gid.</summary>
    private void Own(int dirFd, string name, uint gid, int flags = AtFlags.AT_SYMLINK_NOFOLLOW)
    {
        int uid = _ownerUid;
        if (uid < 0 && gid == uint.MaxValue) return;
        Host.FchownAt(dirFd, name, uid, gid > int.MaxValue ? -1 : (int)gid, flags);
    }

    private Message StatQid(int dirFd, string name, Func<Qid, Message> reply)
    {
        int r = Host.FstatAt(dirFd, name, out var st, AtFlags.AT_SYMLINK_NOFOLLOW);
        return r < 0 ? Err(r) : reply(QidOf(st));
    }
}
