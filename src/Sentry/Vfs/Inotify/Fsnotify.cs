using static Sandbox.Linux.Abi.InotifyMask;

namespace Sandbox.Sentry.Vfs.Inotify;

/// <summary>
/// Where the VFS reports changes for inotify (Linux include/linux/fsnotify.h). Only changes
/// made inside the sandbox are seen. With no watch anywhere each hook is one volatile read.
/// </summary>
public static class Fsnotify
{
    internal static readonly object Lock = new();
    private static int _watches;
    private static int _cookie;

    /// <summary>Whether any watch exists: the hooks' fast path.</summary>
    public static bool Active => Volatile.Read(ref _watches) > 0;

    internal static void Added() => Interlocked.Increment(ref _watches);

    /// <summary>Takes a watch off its inode; IN_IGNORED is queued unless the instance itself is closing. Lock held.</summary>
    internal static void Detach(Watch w, bool quiet = false)
    {
        if (w.Inode.Watches?.Remove(w) != true) return;
        if (w.Inode.Watches.Count == 0) w.Inode.Watches = null;
        Interlocked.Decrement(ref _watches);
        if (!quiet) w.Owner.Forget(w);
    }

    /// <summary>Delivers <paramref name="mask"/> to the watches on <paramref name="inode"/>.</summary>
    private static void Deliver(Inode inode, uint mask, string? name, uint cookie)
    {
        if (inode.Watches == null) return;
        lock (Lock)
        {
            var watches = inode.Watches;
            if (watches == null) return;
            foreach (var w in watches.ToArray())
            {
                if ((w.Mask & mask & IN_ALL_EVENTS) == 0) continue;
                w.Owner.Enqueue(w.Wd, mask, cookie, name);
                if ((w.Mask & IN_ONESHOT) != 0) Detach(w);
            }
        }
    }

    private static uint DirBit(Inode inode) => inode.IsDirectory ? IN_ISDIR : 0;

    /// <summary>An event on a file: its parent directory's watches hear it with the name, then its own.</summary>
    private static void OnFile(Location loc, uint mask)
    {
        var inode = loc.Inode;
        mask |= DirBit(inode);
        if (loc.Dentry.Parent is { } parent && parent.Inode != inode) Deliver(parent.Inode, mask, loc.Dentry.Name, 0);
        Deliver(inode, mask, null, 0);
    }

    public static void Opened(FileDescription f) { if (Active && f.Location is { } l && (f.Flags & Linux.Abi.OpenFlags.O_PATH) == 0) OnFile(l, IN_OPEN); }
    public static void Accessed(FileDescription f) { if (Active && f.Location is { } l) OnFile(l, IN_ACCESS); }
    public static void Modified(FileDescription f) { if (Active && f.Location is { } l) OnFile(l, IN_MODIFY); }
    public static void Closed(FileDescription f)
    {
        if (Active && f.Location is { } l && (f.Flags & Linux.Abi.OpenFlags.O_PATH) == 0) OnFile(l, f.Writable ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
    }
    public static void Modified(Location l) { if (Active) OnFile(l, IN_MODIFY); }
    public static void AttributesChanged(Location l) { if (Active) OnFile(l, IN_ATTRIB); }

    /// <summary>A call's result passed through: when it succeeded (0), IN_ATTRIB / IN_MODIFY is reported.</summary>
    public static long AttributesChanged(Location l, long result) { if (result == 0) AttributesChanged(l); return result; }
    public static long Modified(Location l, long result) { if (result == 0) Modified(l); return result; }

    /// <summary>A name was added to <paramref name="dir"/> (creat, mkdir, mknod, symlink, link, bind).</summary>
    public static void Created(Location dir, string name, bool isDirectory)
    {
        if (Active) Deliver(dir.Inode, IN_CREATE | (isDirectory ? IN_ISDIR : 0), name, 0);
    }

    /// <summary>link(2): the file's link count changed, then the directory got the name.</summary>
    public static void Linked(Inode file, Location dir, string name)
    {
        if (!Active) return;
        Deliver(file, IN_ATTRIB, null, 0);
        Deliver(dir.Inode, IN_CREATE, name, 0);
    }

    /// <summary>
    /// A name was removed: a file's watches hear IN_ATTRIB (its link count dropped); once it has
    /// no name left, IN_DELETE_SELF and the watches go; then the directory hears IN_DELETE.
    /// </summary>
    public static void Removed(Location dir, string name, Inode victim)
    {
        if (!Active) return;
        bool isDir = victim.IsDirectory;
        if (!isDir) Deliver(victim, IN_ATTRIB, null, 0);
        if (isDir || victim.Stat(out var st) != 0 || st.Nlink == 0) Gone(victim);
        Deliver(dir.Inode, IN_DELETE | (isDir ? IN_ISDIR : 0), name, 0);
    }

    private static void Gone(Inode inode)
    {
        Deliver(inode, IN_DELETE_SELF, null, 0);
        lock (Lock)
            if (inode.Watches is { } ws)
                foreach (var w in ws.ToArray()) Detach(w);
    }

    /// <summary>rename(2): IN_MOVED_FROM and IN_MOVED_TO with one cookie, then IN_MOVE_SELF; a replaced target is deleted.</summary>
    public static void Renamed(Location from, string oldName, Location to, string newName, Inode moved, Inode? replaced)
    {
        if (!Active) return;
        uint cookie = (uint)Interlocked.Increment(ref _cookie);
        uint isDir = DirBit(moved);
        Deliver(from.Inode, IN_MOVED_FROM | isDir, oldName, cookie);
        Deliver(to.Inode, IN_MOVED_TO | isDir, newName, cookie);
        Deliver(moved, IN_MOVE_SELF, null, 0);
        if (replaced != null && replaced != moved)
        {
            if (!replaced.IsDirectory) Deliver(replaced, IN_ATTRIB, null, 0);
            if (replaced.IsDirectory || replaced.Stat(out var st) != 0 || st.Nlink == 0) Gone(replaced);
        }
    }
}
