using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Syscalls;

/// <summary>Decoding of (dirfd, path, flags) arguments shared by the *at family.</summary>
internal static class PathArgs
{
    /// <summary>The location relative paths start from: cwd for AT_FDCWD, else the fd's directory.</summary>
    public static long StartAt(Task t, int dirfd, string path, out Location start, ResolveFlags resolve = 0)
    {
        start = t.Cwd;
        bool scoped = (resolve & (ResolveFlags.InRoot | ResolveFlags.Beneath)) != 0;
        if (path.Length > 0 && path[0] == '/' && !scoped) { start = t.Root; return 0; }
        if (dirfd == AtFlags.AT_FDCWD) return 0;
        var f = t.Fds.Get(dirfd);
        if (f == null) return Err.EBADF;
        if (f.Location is not { } l) return Err.ENOTDIR;
        if (!l.Inode.IsDirectory) return Err.ENOTDIR;
        start = l;
        return 0;
    }

    /// <summary>
    /// Resolves (dirfd, path) honouring AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW in
    /// <paramref name="atFlags"/>. With AT_EMPTY_PATH and an empty path, the result is the fd
    /// itself (<paramref name="file"/> set, location possibly absent).
    /// </summary>
    public static long Resolve(Task t, int dirfd, ulong pathAddr, int atFlags, out Location loc, out FileDescription? file)
    {
        loc = default;
        file = null;
        int r = t.MM.ReadPath(pathAddr, out string path);
        if (r < 0) return r;
        if (path.Length == 0)
        {
            if ((atFlags & AtFlags.AT_EMPTY_PATH) == 0) return Err.ENOENT;
            if (dirfd == AtFlags.AT_FDCWD) { loc = t.Cwd; return 0; }
            file = t.Fds.Get(dirfd);
            if (file == null) return Err.EBADF;
            if (file.Location is { } l) loc = l;
            return 0;
        }
        long s = StartAt(t, dirfd, path, out var start);
        if (s < 0) return s;
        return t.Kernel.Vfs.Resolve(t.Root, start, path, (atFlags & AtFlags.AT_SYMLINK_NOFOLLOW) == 0, out loc, t.Creds);
    }

    /// <summary>For a path that does not exist: does its parent directory exist (so creating would be the question)?</summary>
    public static long ResolveParent(Task t, Location start, string path, out Location parent, out string name)
    {
        parent = default;
        string trimmed = path.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        name = slash < 0 ? trimmed : trimmed[(slash + 1)..];
        string dir = slash < 0 ? "." : slash == 0 ? "/" : trimmed[..slash];
        return t.Kernel.Vfs.Resolve(t.Root, start, dir, true, out parent, t.Creds);
    }
}
