using Sandbox.Platforms.Ptrace;
using Sandbox.Sentry.Platform;

namespace Sandbox.Cli;

/// <summary>Turns --platform into a platform, or a clear reason why not.</summary>
internal static class PlatformChoice
{
    /// <summary>Whether /dev/kvm opens, and if not, why.</summary>
    public static bool KvmUsable(out string why)
    {
        try
        {
            using var f = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            why = "";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = e is FileNotFoundException or DirectoryNotFoundException ? "/dev/kvm does not exist on this machine" : $"/dev/kvm cannot be opened: {e.Message}";
            return false;
        }
    }

    /// <summary>The platforms `compare` uses when none is named: each one that works here.</summary>
    public static List<string> Available()
    {
        var list = new List<string> { "ptrace" };
        return list;
    }

    public static IPlatform? Create(string name, out string error)
    {
        error = "";
        switch (name)
        {
            case "auto":
            case "ptrace":
                // auto means kvm where /dev/kvm works once the KVM platform exists (issue 6); until
                // then it is ptrace everywhere.
                try { return new PtracePlatform(); }
                catch (FileNotFoundException e) { error = e.Message; return null; }
            case "kvm":
                error = KvmUsable(out var why)
                    ? "--platform kvm: the KVM platform is not implemented yet; use --platform ptrace"
                    : $"--platform kvm: {why}; use --platform ptrace";
                return null;
            default:
                error = $"unknown platform '{name}' (expected auto, ptrace or kvm)";
                return null;
        }
    }
}
