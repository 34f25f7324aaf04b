using Sandbox.Linux.Control;
using Sandbox.Linux.Native;
using Sandbox.Sentry.Net.Inet;

namespace Sandbox.Cli.Pod;

/// <summary>
/// The `portforward PORT` request: a connection to PORT on the pod's localhost, made inside the
/// pod's own stack (PortForwardRelay), handed to the client as one end of a host socketpair
/// with the reply (SCM_RIGHTS). The reply ends the control connection: each forwarded
/// connection asks on one of its own. A pod on the host's network has no stack of its own:
/// its ports are the host's, which the client connects to directly.
/// </summary>
internal static class PodPortForward
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);

    public static void Handle(ControlConnection conn, Sandbox.Sentry.Kernel.Kernel kernel, List<string> msg)
    {
        if (msg.Count != 2 || !int.TryParse(msg[1], System.Globalization.NumberStyles.None, null, out int port) || port is < 1 or > 65535)
        {
            conn.Send(new[] { "error", "portforward: a port 1 .. 65535 expected" });
            return;
        }
        if (kernel.Options.Network == NetworkMode.Host)
        {
            conn.Send(new[] { "error", "portforward: the pod uses the host's network; connect to the host's port" });
            return;
        }
        int fd = PortForwardRelay.Connect(kernel.Inet, port, ConnectTimeout, out string error);
        if (fd < 0)
        {
            conn.Send(new[] { "error", error });
            return;
        }
        try { conn.Send(new[] { "ok" }, stackalloc int[] { fd }); }
        finally { Sys.Close(fd); }
    }
}
