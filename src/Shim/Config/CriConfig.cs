using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sandbox.Shim.Config;

/// <summary>
/// The CRI server's configuration (a JSON file, snake_case keys; every key optional).
/// See docs/cri.md for an example.
/// </summary>
public sealed class CriConfig
{
    /// <summary>Unix socket the gRPC server listens on (HTTP/2 without TLS).</summary>
    public string Socket { get; set; } = "/run/sandbox/cri.sock";
    /// <summary>Pod and container records, one file each.</summary>
    public string StateDir { get; set; } = "/var/lib/sandbox/cri";
    /// <summary>Content store (blobs), image records and unpacked image root filesystems.</summary>
    public string ImageDir { get; set; } = "/var/lib/sandbox/images";
    /// <summary>host:port of the streaming server (exec/attach/port-forward); port 0 picks one.</summary>
    public string StreamingAddress { get; set; } = "127.0.0.1:0";
    /// <summary>The handler an empty runtime_handler selects.</summary>
    public string DefaultHandler { get; set; } = "sentry";
    /// <summary>Runtime handlers (RuntimeClass names). Empty: the four built-in ones.</summary>
    public List<HandlerConfig> Handlers { get; set; } = new();
    /// <summary>How to start the `sandbox` command that runs containers (program and leading
    /// arguments, e.g. ["dotnet", "/opt/sandbox/sandbox.dll"]). Empty: this same program.</summary>
    public List<string> SandboxCommand { get; set; } = new();
    /// <summary>Registry host (e.g. "docker.io", "registry.k8s.io") to mirror endpoints
    /// ("http://127.0.0.1:5000"), tried in order before the host itself.</summary>
    public Dictionary<string, List<string>> RegistryMirrors { get; set; } = new();
    /// <summary>Registry hosts (host[:port]) spoken to over plain HTTP. localhost and 127.0.0.1
    /// always are.</summary>
    public List<string> InsecureRegistries { get; set; } = new();
    /// <summary>CNI network configurations (*.conflist, *.conf, *.json; the first by name is used), as
    /// containerd's conf_dir. Null or empty: Sentry pods get loopback only.</summary>
    public string? CniConfDir { get; set; }
    /// <summary>Where the CNI plugins are (containerd's bin_dir; Debian's containernetworking-plugins
    /// installs them in /usr/lib/cni).</summary>
    public List<string> CniBinDirs { get; set; } = new() { "/opt/cni/bin", "/usr/lib/cni" };
    /// <summary>Microsoft.Extensions.Logging level for the server's own log (stderr).</summary>
    public string LogLevel { get; set; } = "Warning";

    public static IReadOnlyList<HandlerConfig> BuiltInHandlers { get; } = new[]
    {
        new HandlerConfig { Name = "sentry", Backend = "sentry", Platform = "auto" },
        new HandlerConfig { Name = "sentry-ptrace", Backend = "sentry", Platform = "ptrace" },
        new HandlerConfig { Name = "sentry-kvm", Backend = "sentry", Platform = "kvm" },
        new HandlerConfig { Name = "microvm", Backend = "microvm" },
    };

    [JsonIgnore]
    public IReadOnlyList<HandlerConfig> EffectiveHandlers => Handlers.Count > 0 ? Handlers : BuiltInHandlers;

    public HandlerConfig? FindHandler(string name)
        => EffectiveHandlers.FirstOrDefault(h => h.Name == (name.Length == 0 ? DefaultHandler : name));

    /// <summary>Reads and validates a config file; throws <see cref="ConfigException"/> saying why.</summary>
    public static CriConfig Load(string path)
    {
        CriConfig? c;
        try { c = JsonSerializer.Deserialize(File.ReadAllText(path), ConfigJsonContext.Default.CriConfig); }
        catch (JsonException e) { throw new ConfigException($"{path}: {e.Message}"); }
        catch (IOException e) { throw new ConfigException($"{path}: {e.Message}"); }
        if (c == null) throw new ConfigException($"{path}: empty configuration");
        c.Validate();
        return c;
    }

    public string ToJson() => JsonSerializer.Serialize(this, ConfigJsonContext.Default.CriConfig);

    public void Validate()
    {
        if (string.IsNullOrEmpty(Socket)) throw new ConfigException("socket must be set");
        if (string.IsNullOrEmpty(StateDir) || string.IsNullOrEmpty(ImageDir)) throw new ConfigException("state_dir and image_dir must be set");
        var names = new HashSet<string>();
        foreach (var h in EffectiveHandlers)
        {
            if (string.IsNullOrEmpty(h.Name)) throw new ConfigException("a handler has no name");
            if (!names.Add(h.Name)) throw new ConfigException($"handler '{h.Name}' is listed twice");
            if (h.Backend is not ("sentry" or "microvm")) throw new ConfigException($"handler '{h.Name}': unknown backend '{h.Backend}' (expected sentry or microvm)");
            if (h.Backend == "sentry" && h.Platform is not ("auto" or "ptrace" or "kvm"))
                throw new ConfigException($"handler '{h.Name}': unknown platform '{h.Platform}' (expected auto, ptrace or kvm)");
            if (h.MemoryMib is < 64 or > 1 << 20) throw new ConfigException($"handler '{h.Name}': memory_mib {h.MemoryMib} is outside 64 .. 1048576");
            if (h.Cpus is < 1 or > 255) throw new ConfigException($"handler '{h.Name}': cpus {h.Cpus} is outside 1 .. 255");
        }
        if (!names.Contains(DefaultHandler)) throw new ConfigException($"default_handler '{DefaultHandler}' is not one of the handlers ({string.Join(", ", names)})");
        foreach (var (host, eps) in RegistryMirrors)
            foreach (var ep in eps)
                if (!Uri.TryCreate(ep, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
                    throw new ConfigException($"registry_mirrors.{host}: '{ep}' is not an http(s) URL");
    }
}

/// <summary>One runtime handler: a name the kubelet passes (RuntimeClass.handler) and its backend.</summary>
public sealed class HandlerConfig
{
    public string Name { get; set; } = "";
    /// <summary>"sentry" or "microvm".</summary>
    public string Backend { get; set; } = "sentry";
    /// <summary>Sentry platform: auto, ptrace or kvm.</summary>
    public string Platform { get; set; } = "auto";
    /// <summary>microvm: guest memory of each pod's VM, in MiB.</summary>
    public int MemoryMib { get; set; } = 256;
    /// <summary>microvm: vCPUs of each pod's VM.</summary>
    public int Cpus { get; set; } = 1;
}

public sealed class ConfigException(string message) : Exception(message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(CriConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;
