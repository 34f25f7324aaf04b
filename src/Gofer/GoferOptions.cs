namespace Sandbox.Gofer;

/// <summary>A tree to serve and where: the root or one --volume.</summary>
public sealed record ServeSpec(string HostPath, string GuestPath, bool ReadOnly, int Fd, string? SocketPath);

/// <summary>The parsed command line of `sandbox gofer`.</summary>
public sealed class GoferOptions
{
    public const string Help = """
        usage: sandbox gofer --root DIR [--ro] (--socket PATH | --fd N)
                             [--volume HOST:GUEST[:ro] [--volume-fd N]]... [--donate-fds]
                             [--propagation private|slave] [--verbose]

        Serves 9P2000.L for one container: the root filesystem on one socket and each volume on
        its own. Before serving it enters a new mount namespace, pivot_roots into DIR, drops
        capabilities, sets no_new_privs and installs a seccomp filter.
          --root DIR        the container's root filesystem (a host directory)
          --ro              serve the root read-only (writes answer EROFS)
          --socket PATH     listen on a unix socket; volume k (1, 2, ...) listens on PATH.k
          --fd N            serve the connected unix stream socket inherited as fd N (one session)
          --volume H:G[:ro] also serve host directory H (the guest's G; G is informational here)
          --volume-fd N     with --fd: the inherited socket for the preceding --volume
          --donate-fds      pass a host fd of each opened regular file with its Rlopen/Rlcreate
                            (SCM_RIGHTS), so the client can read and write without 9P
          --propagation P   private (default): the served trees never change under the Gofer;
                            slave: mounts the host makes below them later show through (a
                            volume mounted rslave or rshared); nothing goes back to the host
          --verbose         log each session to stderr
        """;

    public ServeSpec Root { get; private set; } = null!;
    public List<ServeSpec> Volumes { get; } = [];
    public bool Verbose { get; private set; }
    /// <summary>Attach a host fd of each opened regular file to its Rlopen/Rlcreate (SCM_RIGHTS).</summary>
    public bool DonateFds { get; private set; }
    /// <summary>--propagation slave: the Gofer's mounts receive what the host mounts below the served trees later.</summary>
    public bool Slave { get; private set; }

    /// <summary>Parses <paramref name="args"/>; on a bad flag returns null and sets <paramref name="error"/>.</summary>
    public static GoferOptions? Parse(string[] args, out string? error)
    {
        error = null;
        string? root = null, socket = null;
        int fd = -1;
        bool ro = false;
        var vols = new List<(string H, string G, bool Ro, int Fd)>();
        var o = new GoferOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? Value() => i + 1 < args.Length ? args[++i] : null;
            switch (a)
            {
                case "--root": root = Value(); if (root == null) return Fail(out error, "--root needs a directory"); break;
                case "--ro": ro = true; break;
                case "--socket": socket = Value(); if (socket == null) return Fail(out error, "--socket needs a path"); break;
                case "--fd":
                    if (!TryFd(Value(), out fd)) return Fail(out error, "--fd needs a file descriptor number >= 3");
                    break;
                case "--volume":
                {
                    var v = Value();
                    if (v == null) return Fail(out error, "--volume needs HOST:GUEST[:ro]");
                    var parts = v.Split(':');
                    if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0 || (parts.Length == 3 && parts[2] is not ("ro" or "rw")))
                        return Fail(out error, $"--volume '{v}': expected HOST:GUEST[:ro]");
                    if (!parts[0].StartsWith('/') || !parts[1].StartsWith('/'))
                        return Fail(out error, $"--volume '{v}': HOST and GUEST must be absolute paths");
                    vols.Add((parts[0], parts[1], parts.Length == 3 && parts[2] == "ro", -1));
                    break;
                }
                case "--volume-fd":
                {
                    if (vols.Count == 0) return Fail(out error, "--volume-fd must follow a --volume");
                    if (!TryFd(Value(), out int vfd)) return Fail(out error, "--volume-fd needs a file descriptor number >= 3");
                    vols[^1] = vols[^1] with { Fd = vfd };
                    break;
                }
                case "--verbose": o.Verbose = true; break;
                case "--donate-fds": o.DonateFds = true; break;
                case "--propagation":
                    switch (Value())
                    {
                        case "private": o.Slave = false; break;
                        case "slave": o.Slave = true; break;
                        default: return Fail(out error, "--propagation needs private or slave");
                    }
                    break;
                default: return Fail(out error, $"unknown option '{a}'");
            }
        }
        if (root == null) return Fail(out error, "--root is required");
        if (!root.StartsWith('/')) root = Path.GetFullPath(root);
        if ((socket == null) == (fd < 0)) return Fail(out error, "give exactly one of --socket PATH and --fd N");
        if (fd >= 0 && vols.Any(v => v.Fd < 0)) return Fail(out error, "with --fd, every --volume needs its --volume-fd");
        if (socket != null && vols.Any(v => v.Fd >= 0)) return Fail(out error, "--volume-fd goes with --fd, not --socket");
        var fds = new HashSet<int>();
        if (fd >= 0) fds.Add(fd);
        foreach (var v in vols) if (v.Fd >= 0 && !fds.Add(v.Fd)) return Fail(out error, $"fd {v.Fd} given twice");
        if (!Directory.Exists(root)) return Fail(out error, $"--root '{root}' is not a directory");
        foreach (var v in vols)
            if (!Directory.Exists(v.H)) return Fail(out error, $"--volume host path '{v.H}' is not a directory");
        o.Root = new ServeSpec(root, "/", ro, fd, socket);
        for (int k = 0; k < vols.Count; k++)
            o.Volumes.Add(new ServeSpec(vols[k].H, vols[k].G, vols[k].Ro, vols[k].Fd, socket != null ? $"{socket}.{k + 1}" : null));
        return o;
    }

    private static bool TryFd(string? s, out int fd) => int.TryParse(s, System.Globalization.NumberStyles.None, null, out fd) && fd >= 3;

    private static GoferOptions? Fail(out string? error, string message) { error = message; return null; }
}
