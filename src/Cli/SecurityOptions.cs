using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Kernel.Seccomp;

namespace Sandbox.Cli;

/// <summary>
/// `sandbox run`'s identity, capability, no_new_privs and seccomp options made into the first
/// process's ProcessSecurity, as docker and runc read them.
/// </summary>
internal static class SecurityOptions
{
    /// <summary>Null with <paramref name="error"/> set when an option cannot be honoured.</summary>
    public static ProcessSecurity? Build(RunOptions o, out string error)
    {
        error = "";
        var sec = new ProcessSecurity { NoNewPrivileges = o.NoNewPrivileges };
        if (o.User != null && !ResolveUser(o.Rootfs, o.User, sec, out error)) return null;
        if (o.Groups.Count > 0)
        {
            var groups = new List<uint>(sec.Groups ?? Array.Empty<uint>());
            foreach (var g in o.Groups)
            {
                uint? id = uint.TryParse(g, out uint n) ? n : LookupGroup(o.Rootfs, g);
                if (id == null) { error = $"--groups: no group '{g}' in the rootfs's /etc/group"; return null; }
                groups.Add(id.Value);
            }
            sec.Groups = groups;
        }
        ulong hostBounding = Sentry.Vfs.Credentials.FromHost().CapBounding;
        if (o.CapAdd.Count > 0 || o.CapDrop.Count > 0)
        {
            // docker's rule: dropping ALL starts from nothing, then the added ones; adding ALL gives every one.
            ulong caps = o.CapDrop.Any(IsAll) ? 0 : hostBounding;
            foreach (var c in o.CapAdd) caps |= IsAll(c) ? Cap.All : Cap.Bit(Cap.Parse(c));
            foreach (var c in o.CapDrop) if (!IsAll(c)) caps &= ~Cap.Bit(Cap.Parse(c));
            sec.Capabilities = caps;
        }
        foreach (var c in o.CapAmbient)
            sec.AmbientCapabilities |= IsAll(c) ? Cap.All : Cap.Bit(Cap.Parse(c));
        if (sec.AmbientCapabilities != 0 && (sec.AmbientCapabilities & ~(sec.Capabilities ?? hostBounding)) != 0)
        {
            error = "--cap-ambient: an ambient capability must also be in the capability set";
            return null;
        }
        if (o.SeccompProfile is { } profile && profile != "unconfined")
        {
            string json;
            if (profile is "runtime/default" or "docker/default") json = RuntimeDefaultProfile.Json;
            // The profile's JSON itself: what a pod's client sends, the file being out of the pod's sight.
            else if (profile.TrimStart().StartsWith('{')) json = profile;
            else try { json = File.ReadAllText(profile); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { error = $"--seccomp-profile {profile}: {e.Message}"; return null; }
            try { sec.Seccomp = SeccompProfile.Parse(json, sec.Capabilities ?? hostBounding); }
            catch (FormatException e) { error = $"--seccomp-profile {profile}: {e.Message}"; return null; }
        }
        return sec;
    }

    private static bool IsAll(string c) => c.Equals("ALL", StringComparison.OrdinalIgnoreCase);

    /// <summary>docker's --user: UID or NAME, optionally :GID or :GROUP; a known user brings its primary group and the groups listing it.</summary>
    private static bool ResolveUser(string rootfs, string spec, ProcessSecurity sec, out string error)
    {
        error = "";
        int colon = spec.IndexOf(':');
        string user = colon < 0 ? spec : spec[..colon];
        string? group = colon < 0 ? null : spec[(colon + 1)..];
        var passwd = ReadDb(rootfs, "passwd");
        string[]? entry = uint.TryParse(user, out uint uid)
            ? passwd.FirstOrDefault(f => f.Length > 3 && f[2] == user)
            : passwd.FirstOrDefault(f => f.Length > 3 && f[0] == user);
        if (entry == null && !uint.TryParse(user, out uid)) { error = $"--user: no user '{user}' in the rootfs's /etc/passwd"; return false; }
        if (entry != null) uid = uint.Parse(entry[2]);
        uint gid = entry != null && uint.TryParse(entry[3], out uint pg) ? pg : 0;
        if (group != null)
        {
            uint? g = uint.TryParse(group, out uint n) ? n : LookupGroup(rootfs, group);
            if (g == null) { error = $"--user: no group '{group}' in the rootfs's /etc/group"; return false; }
            gid = g.Value;
        }
        sec.Uid = uid;
        sec.Gid = gid;
        if (entry != null)
            sec.Groups = ReadDb(rootfs, "group")
                .Where(f => f.Length > 3 && f[3].Split(',').Contains(entry[0]) && uint.TryParse(f[2], out _))
                .Select(f => uint.Parse(f[2])).Where(g => g != gid).ToList();
        return true;
    }

    private static uint? LookupGroup(string rootfs, string name) =>
        ReadDb(rootfs, "group").FirstOrDefault(f => f.Length > 2 && f[0] == name) is { } e && uint.TryParse(e[2], out uint g) ? g : null;

    private static List<string[]> ReadDb(string rootfs, string name)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(rootfs, "etc", name))
                .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(':')).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return new(); }
    }
}
