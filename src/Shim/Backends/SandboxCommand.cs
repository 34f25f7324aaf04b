using System.Diagnostics;

namespace Sandbox.Shim.Backends;

/// <summary>
/// How the server starts the `sandbox` command line (to run a container in a Sentry):
/// the configured sandbox_command, else this same program (its apphost or NativeAOT binary,
/// or `dotnet sandbox.dll` when it runs under dotnet).
/// </summary>
public sealed class SandboxCommand(IReadOnlyList<string> command)
{
    public IReadOnlyList<string> Command { get; } = command.Count > 0 ? command : Self();

    public static List<string> Self()
    {
        string path = Environment.ProcessPath ?? "sandbox";
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
            return new List<string> { path, Path.Combine(AppContext.BaseDirectory, "sandbox.dll") };
        return new List<string> { path };
    }

    public ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Command[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            UseShellExecute = false, WorkingDirectory = "/",
        };
        foreach (var a in Command.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }
}
