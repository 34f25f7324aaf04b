using Sandbox.Linux;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Net.Unix;

/// <summary>
/// Where bound AF_UNIX sockets are found: the abstract namespace (one per socket type, as
/// Linux hashes the type in), and the socket files bind
/// created in the VFS, keyed by the inode's (st_dev, st_ino) so any layer or mount that shows
/// the same file finds the same socket.
/// </summary>
internal static class UnixNames
{
    private static readonly Dictionary<(int Type, string Name), UnixSocket> Abstract = new();
    private static readonly Dictionary<(ulong Dev, ulong Ino), UnixSocket> Bound = new();

    /// <summary>Claims an abstract name; false when it is taken. Caller holds UnixSocket.Gate.</summary>
    public static bool TryAddAbstract(UnixAddress a, int type, UnixSocket s) => Abstract.TryAdd((type, a.AbstractKey), s);

    public static void AddBound((ulong, ulong) key, UnixSocket s) => Bound[key] = s;

    /// <summary>Forgets a socket's name when it is closed. Caller holds UnixSocket.Gate.</summary>
    public static void Remove(UnixSocket s)
    {
        if (s.Address is not { } a) return;
        if (a.IsAbstract) { if (Abstract.TryGetValue((s.Type, a.AbstractKey), out var o) && o == s) Abstract.Remove((s.Type, a.AbstractKey)); }
        else if (s.BoundKey is { } k && Bound.TryGetValue(k, out var b) && b == s) Bound.Remove(k);
    }

    public static (ulong, ulong) KeyOf(Inode inode)
    {
        inode.Stat(out var st);
        return (st.Dev, st.Ino);
    }

    /// <summary>
    /// The socket an address names (unix_find_other): abstract names by lookup, paths through the
    /// VFS with write permission on the socket file. ECONNREFUSED when nothing is bound there;
    /// a path socket of another type is the caller's EPROTOTYPE.
    /// </summary>
    public static long Find(Task t, UnixAddress a, int type, out UnixSocket? s)
    {
        s = null;
        if (a.IsAbstract)
        {
            lock (UnixSocket.Gate) Abstract.TryGetValue((type, a.AbstractKey), out s);
            return s == null ? -(long)Errno.ECONNREFUSED : 0;
        }
        long r = Syscalls.PathArgs.StartAt(t, Linux.Abi.AtFlags.AT_FDCWD, a.Path!, out var start);
        if (r < 0) return r;
        int rr = t.Kernel.Vfs.Resolve(t.Root, start, a.Path!, true, out var loc, t.Creds);
        if (rr < 0) return rr;
        int p = Permissions.Check(loc.Inode, Linux.Abi.Access.W_OK, t.Creds);
        if (p < 0) return p;
        if ((loc.Inode.Mode & Linux.Abi.FileMode.S_IFMT) != Linux.Abi.FileMode.S_IFSOCK) return -(long)Errno.ECONNREFUSED;
        var key = KeyOf(loc.Inode);
        lock (UnixSocket.Gate) Bound.TryGetValue(key, out s);
        return s == null ? -(long)Errno.ECONNREFUSED : 0;
    }
}
