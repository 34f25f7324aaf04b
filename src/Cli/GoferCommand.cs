namespace Sandbox.Cli;

/// <summary>`sandbox gofer`: the 9P2000.L file server of one container (see docs/gofer.md).</summary>
internal static class GoferCommand
{
    public static int Execute(string[] args) => Sandbox.Gofer.GoferMain.Run(args, ["gofer"]);
}
