using Sandbox.Shim.Config;
using Sandbox.Shim.Images;

namespace Sandbox.Cli;

/// <summary>
/// `sandbox image`: pulls and lists images in the store a `sandbox cri` with the same
/// configuration serves (image_dir), without the server: a pull shows its progress.
/// </summary>
internal static class ImageCommand
{
    public const string Help = """
        usage: sandbox image pull [--config FILE] [--image-dir DIR] [--user USER[:PASSWORD]] REF
               sandbox image list [--config FILE] [--image-dir DIR]

        pull: fetches REF (linux/amd64) into the image store, showing per layer the bytes
          downloaded, then unpacking, then the image ID. On a terminal the lines are redrawn in
          place; otherwise one line per change of a layer's state.
        list: the images in the store: ID, tags.
        --config FILE   the CRI server's JSON configuration (image_dir, registry mirrors,
                        insecure registries); --image-dir DIR overrides image_dir
        A running `sandbox cri` reads the store when it starts: it sees images pulled here
        after a restart (or pulls them itself).
        """;

    public static int Execute(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h") { Console.Out.WriteLine(Help); return args.Length == 0 ? 2 : 0; }
        string? configPath = null, imageDir = null, user = null;
        var rest = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            if (a is "--config" or "--image-dir" or "--user")
            {
                if (i + 1 >= args.Length) return Usage.Fail($"image: {a} needs a value");
                string v = args[++i];
                if (a == "--config") configPath = v; else if (a == "--image-dir") imageDir = v; else user = v;
            }
            else if (a.StartsWith('-')) return Usage.Fail($"image: unknown option '{a}'");
            else rest.Add(a);
        }
        CriConfig config;
        try
        {
            config = configPath != null ? CriConfig.Load(configPath) : new CriConfig();
            if (imageDir != null) config.ImageDir = imageDir;
            config.Validate();
        }
        catch (ConfigException e) { return Usage.Fail(e.Message); }

        return args[0] switch
        {
            "pull" when rest.Count == 1 => Pull(config, rest[0], user),
            "pull" => Usage.Fail("image pull needs one REF"),
            "list" or "ls" when rest.Count == 0 => List(config),
            _ => Usage.Fail($"unknown image command '{args[0]}'"),
        };
    }

    private static int Pull(CriConfig config, string reference, string? user)
    {
        int colon = user?.IndexOf(':') ?? -1;
        var auth = new RegistryAuth { Username = colon < 0 ? user : user![..colon], Password = colon < 0 ? null : user![(colon + 1)..] };
        using var registry = new RegistryClient(config);
        var store = new ImageStore(config.ImageDir, registry);
        var printer = new PullProgressPrinter(Console.Out, PullProgressPrinter.IsTerminal());
        try
        {
            store.PullAsync(reference, auth, CancellationToken.None, printer).GetAwaiter().GetResult();
            return 0;
        }
        catch (Exception e) when (e is RegistryException or NotSupportedException or InvalidDataException or FormatException
                                      or HttpRequestException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException
                                      or TaskCanceledException)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"sandbox image pull: {e.Message}");
            return 1;
        }
    }

    private static int List(CriConfig config)
    {
        using var registry = new RegistryClient(config);
        foreach (var img in new ImageStore(config.ImageDir, registry).List().OrderBy(i => i.Id, StringComparer.Ordinal))
            Console.WriteLine($"{img.Id}  {string.Join(",", img.RepoTags)}");
        return 0;
    }
}
