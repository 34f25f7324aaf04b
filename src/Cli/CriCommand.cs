using Sandbox.Shim.Config;
using Sandbox.Shim.Server;

namespace Sandbox.Cli;

/// <summary>
/// `sandbox cri`: the CRI server (runtime.v1 RuntimeService + ImageService over gRPC on a unix
/// socket) that a kubelet or crictl talks to. Containers run in the Sentry through `sandbox run`
/// of this same program (see docs/cri.md).
/// </summary>
internal static class CriCommand
{
    private const string Help = """
        usage: sandbox cri [--config FILE] [--socket PATH] [--state-dir DIR] [--image-dir DIR]
                           [--default-handler NAME] [--log-level LEVEL] [--print-config]

        Serves the Kubernetes CRI (runtime.v1) on a unix socket until SIGTERM or Ctrl-C.
        --config FILE       JSON configuration (snake_case keys; see docs/cri.md)
        --socket PATH       overrides the config's socket (default /run/sandbox/cri.sock)
        --state-dir DIR     overrides state_dir;  --image-dir DIR overrides image_dir
        --default-handler   the handler an empty runtime_handler selects (default sentry)
        --print-config      prints the effective configuration as JSON and exits
        """;

    public static int Execute(string[] args)
    {
        // The per-container monitor the server starts (not for people): see ContainerMonitor.
        if (args.Length > 0 && args[0] == "monitor") return Sandbox.Shim.Backends.ContainerMonitor.Run(args[1..]);
        string? configPath = null, socket = null, stateDir = null, imageDir = null, defaultHandler = null, logLevel = null;
        bool print = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? Value()
            {
                if (i + 1 < args.Length) return args[++i];
                Console.Error.WriteLine($"sandbox cri: {a} needs a value");
                return null;
            }
            switch (a)
            {
                case "--config": if ((configPath = Value()) == null) return 2; break;
                case "--socket": if ((socket = Value()) == null) return 2; break;
                case "--state-dir": if ((stateDir = Value()) == null) return 2; break;
                case "--image-dir": if ((imageDir = Value()) == null) return 2; break;
                case "--default-handler": if ((defaultHandler = Value()) == null) return 2; break;
                case "--log-level": if ((logLevel = Value()) == null) return 2; break;
                case "--print-config": print = true; break;
                case "-h" or "--help": Console.WriteLine(Help); return 0;
                default: Console.Error.WriteLine($"sandbox cri: unknown option '{a}'\n{Help}"); return 2;
            }
        }

        CriConfig config;
        try
        {
            config = configPath != null ? CriConfig.Load(configPath) : new CriConfig();
            if (socket != null) config.Socket = socket;
            if (stateDir != null) config.StateDir = stateDir;
            if (imageDir != null) config.ImageDir = imageDir;
            if (defaultHandler != null) config.DefaultHandler = defaultHandler;
            if (logLevel != null) config.LogLevel = logLevel;
            config.Validate();
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine($"sandbox cri: {e.Message}");
            return 2;
        }
        if (print) { Console.WriteLine(config.ToJson()); return 0; }
        return Serve(config).GetAwaiter().GetResult();
    }

    private static async Task<int> Serve(CriConfig config)
    {
        CriServer server;
        // microvm containers compile runtime/default to BPF in this process; the profile lives in the Sentry.
        Sandbox.Shim.Backends.VmSecurity.RuntimeDefaultProfileJson = Sandbox.Sentry.Kernel.Seccomp.RuntimeDefaultProfile.Json;
        try { server = await CriServer.StartAsync(config); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            Console.Error.WriteLine($"sandbox cri: {e.Message}");
            return 1;
        }
        await using (server)
        {
            Console.Error.WriteLine($"sandbox cri: serving runtime.v1 on unix://{Path.GetFullPath(config.Socket)}");
            await server.WaitForShutdownAsync();
        }
        return 0;
    }
}
