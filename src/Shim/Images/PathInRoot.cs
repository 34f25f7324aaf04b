namespace Sandbox.Shim.Images;

/// <summary>
/// Resolves paths inside an unpacked root filesystem the way the container will see them:
/// symlinks met on the way are followed relative to the root (an absolute target or ".."
/// never leaves it), so a hostile layer cannot make the unpacker write outside the root.
/// </summary>
public static class PathInRoot
{
    private const int MaxLinks = 40;

    /// <summary>Splits an archive path into clean components ("./a//b/" → a, b); null if it has "..".</summary>
    public static List<string>? Components(string path)
    {
        var parts = new List<string>();
        foreach (var c in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (c == ".") continue;
            if (c == "..") return null;
            parts.Add(c);
        }
        return parts;
    }

    /// <summary>
    /// The host path of directory <paramref name="dir"/> (components relative to the root),
    /// following symlinks inside the root and creating missing directories (mode 0755).
    /// </summary>
    public static string ResolveDirectory(string root, IReadOnlyList<string> dir, bool create)
    {
        var stack = new List<string>();          // resolved components so far
        var todo = new Queue<string>(dir);
        int links = 0;
        while (todo.Count > 0)
        {
            string c = todo.Dequeue();
            if (c == ".") continue;
            if (c == "..") { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); continue; }
            string host = Path.Combine(root, Path.Combine(stack.Append(c).ToArray()));
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) throw new IOException($"too many levels of symbolic links under {root}");
                var rest = todo.ToList();
                todo.Clear();
                if (target.StartsWith('/')) stack.Clear();
                foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries)) todo.Enqueue(t);
                foreach (var r in rest) todo.Enqueue(r);
                continue;
            }
            if (Directory.Exists(host)) { stack.Add(c); continue; }
            if (File.Exists(host))
            {
                if (!create) throw new IOException($"{host}: not a directory");
                File.Delete(host); // a directory in a later layer replaces a file of a lower one
            }
            if (!create) throw new DirectoryNotFoundException(host);
            Directory.CreateDirectory(host);
            File.SetUnixFileMode(host, (UnixFileMode)0b111_101_101);
            stack.Add(c);
        }
        return stack.Count == 0 ? root : Path.Combine(root, Path.Combine(stack.ToArray()));
    }

    /// <summary>True if something (a file, directory or symlink, even dangling) is at the path.</summary>
    public static bool Exists(string host) => new FileInfo(host).LinkTarget != null || File.Exists(host) || Directory.Exists(host);

    /// <summary>Removes whatever is at the path, a directory with its contents; a symlink itself, never its target.</summary>
    public static void Remove(string host)
    {
        var info = new FileInfo(host);
        if (info.LinkTarget != null || File.Exists(host)) File.Delete(host);
        else if (Directory.Exists(host)) Directory.Delete(host, recursive: true);
    }
}
