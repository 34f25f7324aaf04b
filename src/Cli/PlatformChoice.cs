using Sandbox.Platforms.Kvm;
using Sandbox.Platforms.Ptrace;
using Sandbox.Sentry.Platform;

namespace Sandbox.Cli;

/// <summary>Turns --platform into a platform, or a clear reason why not.</summary>
internal static class PlatformChoice
{
    /// <summary>Whether a KVM platform starts here (/dev/kvm opens and runs a test VM), and if not, why.</summary>
    public static bool KvmUsable(out string why)
    {
        try
        {
            using var p = KvmPlatform.Open();
            why = "";
            return true;
        }
        catch (Sandbox.Platforms.Kvm.PlatformException e)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>The platforms `compare` uses when none is named: each one that works here.</summary>
    public static List<string> Available()
    {
        var list = new List<string> { "ptrace" };
        if (KvmUsable(out _)) list.Add("kvm");
        return list;
    }

    public static IPlatform? Create(string name, out string error)
    {
        error = "";
        switch (name)
        {
            case "auto":
                // kvm where /dev/kvm works; ptrace everywhere else.
                try { return KvmPlatform.Open(); }
                catch (Sandbox.Platforms.Kvm.PlatformException) { }
                goto case "ptrace";
            case "ptrace":
                try { return new PtracePlatform(); }
                catch (FileNotFoundException e) { error = e.Message; return null; }
            case "kvm":
                try { return KvmPlatform.Open(); }
                catch (Sandbox.Platforms.Kvm.PlatformException e)
                {
                    error = $"--platform kvm: {e.Message}; use --platform ptrace";
                    return null;
                }
            default:
                error = $"unknown platform '{name}' (expected auto, ptrace or kvm)";
                return null;
        }
    }
}
