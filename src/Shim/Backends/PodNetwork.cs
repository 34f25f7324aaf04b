using System.Diagnostics;
using System.Text.Json.Nodes;
using Sandbox.Shim.Config;

namespace Sandbox.Shim.Backends;

/// <summary>
/// A pod's network, as containerd makes it: a network namespace of its own (`ip netns add`),
/// set up by the CNI plugins of the configured network (CNI spec 1.0: each plugin of a
/// conflist run with CNI_COMMAND=ADD, the configuration on stdin with the previous result,
/// the result on stdout), and torn down in reverse with DEL. The pod's Sentry then takes over
/// the namespace's interface (`sandbox pod serve --netns`), so the pod IP is the Sentry's stack.
/// </summary>
public sealed record PodNetwork(string NetnsPath, string Ip)
{
    private const string NetnsDir = "/var/run/netns";

    /// <summary>The network configuration to use, or null when none is configured (loopback-only pods).</summary>
    public static JsonObject? LoadConfig(CriConfig cfg)
    {
        if (string.IsNullOrEmpty(cfg.CniConfDir) || !Directory.Exists(cfg.CniConfDir)) return null;
        var file = Directory.GetFiles(cfg.CniConfDir)
            .Where(f => f.EndsWith(".conflist") || f.EndsWith(".conf") || f.EndsWith(".json"))
            .OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        if (file == null) return null;
        var node = JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new IOException($"{file}: not a JSON object");
        if (node["plugins"] is null)
        {
            // A single plugin's configuration: a list of one.
            var single = (JsonObject)node.DeepClone();
            node = new JsonObject { ["cniVersion"] = single["cniVersion"]?.DeepClone(), ["name"] = single["name"]?.DeepClone(), ["plugins"] = new JsonArray(single) };
        }
        if (node["name"] is null || node["plugins"] is not JsonArray { Count: > 0 }) throw new IOException($"{file}: a CNI configuration needs a name and plugins");
        return node;
    }

    public static string NetnsName(string podId) => "sbx-" + podId[..16];

    /// <summary>Makes the namespace and runs ADD; on failure nothing is left behind.</summary>
    public static async Task<PodNetwork> SetUpAsync(CriConfig cfg, JsonObject conf, string podId, string podName, string podNamespace, CancellationToken ct,
        IReadOnlyList<global::Runtime.V1.PortMapping>? ports = null)
    {
        string ns = NetnsName(podId), path = Path.Combine(NetnsDir, ns);
        await RunAsync("ip", new[] { "netns", "add", ns }, null, null, ct).ConfigureAwait(false);
        try
        {
            await RunAsync("ip", new[] { "-n", ns, "link", "set", "lo", "up" }, null, null, ct).ConfigureAwait(false);
            JsonNode? result = null;
            foreach (var plugin in (JsonArray)conf["plugins"]!)
                result = await InvokeAsync(cfg, conf, (JsonObject)plugin!, "ADD", podId, path, podName, podNamespace, result, ports, ct).ConfigureAwait(false);
            string ip = "";
            if (result?["ips"] is JsonArray ips)
                foreach (var i in ips)
                    if (i?["address"]?.GetValue<string>() is { } a && (ip.Length == 0 || (!a.Contains(':') && ip.Contains(':'))))
                        ip = a.Split('/')[0];
            if (ip.Length == 0) throw new IOException($"CNI network '{conf["name"]}' gave the pod no address");
            return new PodNetwork(path, ip);
        }
        catch
        {
            await TearDownAsync(cfg, conf, podId, path, podName, podNamespace, CancellationToken.None, ports).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>DEL in reverse order (errors ignored: DEL must be idempotent), then the namespace goes.</summary>
    public static async Task TearDownAsync(CriConfig cfg, JsonObject? conf, string podId, string netnsPath, string podName, string podNamespace, CancellationToken ct,
        IReadOnlyList<global::Runtime.V1.PortMapping>? ports = null)
    {
        if (conf != null)
            foreach (var plugin in ((JsonArray)conf["plugins"]!).Reverse())
                try { await InvokeAsync(cfg, conf, (JsonObject)plugin!, "DEL", podId, netnsPath, podName, podNamespace, null, ports, ct).ConfigureAwait(false); }
                catch (IOException) { }
        if (File.Exists(netnsPath))
            try { await RunAsync("ip", new[] { "netns", "delete", Path.GetFileName(netnsPath) }, null, null, ct).ConfigureAwait(false); }
            catch (IOException) { }
    }

    private static async Task<JsonNode?> InvokeAsync(CriConfig cfg, JsonObject conf, JsonObject plugin, string command, string podId, string netns,
        string podName, string podNamespace, JsonNode? prevResult, IReadOnlyList<global::Runtime.V1.PortMapping>? ports, CancellationToken ct)
    {
        string type = plugin["type"]?.GetValue<string>() ?? throw new IOException($"CNI network '{conf["name"]}': a plugin has no type");
        if (type.Contains('/') || type.Contains("..")) throw new IOException($"CNI plugin type '{type}' is not a plain name");
        string? bin = cfg.CniBinDirs.Select(d => Path.Combine(d, type)).FirstOrDefault(File.Exists)
            ?? throw new IOException($"CNI plugin '{type}' is not in {string.Join(", ", cfg.CniBinDirs)}");
        var stdin = (JsonObject)plugin.DeepClone();
        stdin["cniVersion"] = conf["cniVersion"]?.DeepClone();
        stdin["name"] = conf["name"]?.DeepClone();
        if (prevResult != null) stdin["prevResult"] = prevResult.DeepClone();
        if (RuntimeConfig(plugin, ports) is { } runtimeConfig) stdin["runtimeConfig"] = runtimeConfig;
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command, ["CNI_CONTAINERID"] = podId, ["CNI_NETNS"] = netns, ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = string.Join(':', cfg.CniBinDirs),
            ["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={podNamespace};K8S_POD_NAME={podName};K8S_POD_INFRA_CONTAINER_ID={podId}",
        };
        string output = await RunAsync(bin, Array.Empty<string>(), env, stdin.ToJsonString(), ct).ConfigureAwait(false);
        return command == "ADD" ? JsonNode.Parse(output) : null;
    }

    /// <summary>
    /// The runtime's values for the capabilities the plugin asks for (CNI's CONVENTIONS.md,
    /// "Dynamic Plugin specific fields"): only `portMappings` so far, the pod's mappings that
    /// have a host port (what `portmap` serves; one with only a container port needs nothing on
    /// the host), as containerd passes them. Null when the plugin asks for nothing we have.
    /// </summary>
    private static JsonObject? RuntimeConfig(JsonObject plugin, IReadOnlyList<global::Runtime.V1.PortMapping>? ports)
    {
        if (plugin["capabilities"] is not JsonObject caps || caps["portMappings"] is not JsonValue want || !want.TryGetValue(out bool on) || !on) return null;
        var list = new JsonArray();
        foreach (var m in ports ?? [])
        {
            if (m.HostPort <= 0) continue;
            list.Add((JsonNode)new JsonObject
            {
                ["hostPort"] = m.HostPort,
                ["containerPort"] = m.ContainerPort,
                ["protocol"] = m.Protocol.ToString().ToLowerInvariant(),
                ["hostIP"] = m.HostIp,
            });
        }
        return new JsonObject { ["portMappings"] = list };
    }

    /// <summary>Runs a program; its stdout, or IOException with what it said when it fails.</summary>
    internal static async Task<string> RunAsync(string file, string[] args, Dictionary<string, string>? env, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env != null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new IOException($"{file} did not start");
        if (stdin != null) await p.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
        p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync(ct);
        var e = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        string stdout = await o.ConfigureAwait(false), stderr = await e.ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            // A CNI plugin reports errors as JSON on stdout ({"code", "msg", "details"}).
            string why = stderr.Trim();
            try { if (JsonNode.Parse(stdout)?["msg"]?.GetValue<string>() is { } msg) why = msg; } catch (System.Text.Json.JsonException) { }
            throw new IOException($"{Path.GetFileName(file)} {string.Join(' ', args)}: exit {p.ExitCode}: {why}");
        }
        return stdout;
    }
}
