using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel.Seccomp;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// Who the first process is and what it may do, as an OCI runtime sets it up before the
/// container's execve (runc's process.user, capabilities, noNewPrivileges and linux.seccomp).
/// </summary>
public sealed class ProcessSecurity
{
    /// <summary>The real, effective, saved and filesystem uid; null: the host's.</summary>
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
    /// <summary>Supplementary groups; null: none when a uid is given, else the host's.</summary>
    public IReadOnlyList<uint>? Groups { get; set; }
    /// <summary>The bounding, permitted and effective sets before execve; null: the host's.</summary>
    public ulong? Capabilities { get; set; }
    /// <summary>The inheritable and ambient sets (each must be within Capabilities).</summary>
    public ulong AmbientCapabilities { get; set; }
    public bool NoNewPrivileges { get; set; }
    /// <summary>A filter on every syscall of the program and its descendants (null: unconfined).</summary>
    public ISeccompRules? Seccomp { get; set; }

    /// <summary>
    /// The credentials the first process starts from; execve then transforms them as for any
    /// program (capabilities(7)): a non-root uid keeps only its ambient capabilities.
    /// </summary>
    public Credentials Credentials(Credentials host)
    {
        var c = host.Clone();
        if (Uid is { } uid) c.Uid = c.Euid = c.Suid = c.Fsuid = uid;
        if (Gid is { } gid) c.Gid = c.Egid = c.Sgid = c.Fsgid = gid;
        if (Groups != null) c.Groups = Groups.Distinct().OrderBy(g => g).ToArray();
        else if (Uid != null) c.Groups = Array.Empty<uint>();
        if (Capabilities is { } caps)
        {
            c.CapBounding = c.CapPermitted = c.CapEffective = caps & Cap.All;
            c.CapInheritable = c.CapAmbient = AmbientCapabilities & caps & Cap.All;
        }
        else if (AmbientCapabilities != 0)
        {
            c.CapAmbient = c.CapInheritable = AmbientCapabilities & c.CapPermitted;
        }
        return c;
    }

    /// <summary>Puts the identity, no_new_privs and the filter on the first task.</summary>
    public void Apply(Task task)
    {
        task.Creds = Credentials(task.Creds);
        task.NoNewPrivs = NoNewPrivileges;
        if (Seccomp != null)
        {
            task.SeccompFilter = new SeccompFilter(Seccomp, null, log: false);
            task.SeccompMode = Linux.Abi.Seccomp.MODE_FILTER;
        }
    }
}
