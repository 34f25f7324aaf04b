using Sandbox.Shim.Config;
using Sandbox.Shim.Tests.Support;

namespace Sandbox.Shim.Tests;

public class ConfigTests
{
    [Fact]
    public void Defaults_list_the_four_handlers_with_sentry_as_default()
    {
        var c = new CriConfig();
        c.Validate();
        Assert.Equal(new[] { "sentry", "sentry-ptrace", "sentry-kvm", "microvm" }, c.EffectiveHandlers.Select(h => h.Name));
        Assert.Equal("sentry", c.FindHandler("")!.Name);
        Assert.Equal("kvm", c.FindHandler("sentry-kvm")!.Platform);
        Assert.Null(c.FindHandler("runc"));
    }

    [Fact]
    public void Loads_json_with_snake_case_keys_comments_and_mirrors()
    {
        using var d = new TempDir();
        string path = Path.Combine(d.Path, "cri.json");
        File.WriteAllText(path, """
            {
              // comments are allowed
              "socket": "/tmp/x.sock",
              "state_dir": "/tmp/state",
              "image_dir": "/tmp/images",
              "streaming_address": "127.0.0.1:10010",
              "default_handler": "fast",
              "handlers": [ { "name": "fast", "backend": "sentry", "platform": "ptrace" }, { "name": "vm", "backend": "microvm", "memory_mib": 384, "cpus": 2 } ],
              "registry_mirrors": { "registry.k8s.io": [ "http://127.0.0.1:5000" ] },
              "insecure_registries": [ "10.1.2.3:5000" ],
            }
            """);
        var c = CriConfig.Load(path);
        Assert.Equal("/tmp/x.sock", c.Socket);
        Assert.Equal("127.0.0.1:10010", c.StreamingAddress);
        Assert.Equal("fast", c.FindHandler("")!.Name);
        Assert.Equal("ptrace", c.FindHandler("fast")!.Platform);
        Assert.Equal((384, 2), (c.FindHandler("vm")!.MemoryMib, c.FindHandler("vm")!.Cpus));
        Assert.Equal((256, 1), (c.FindHandler("fast")!.MemoryMib, c.FindHandler("fast")!.Cpus));
        Assert.Equal("http://127.0.0.1:5000", c.RegistryMirrors["registry.k8s.io"][0]);
        Assert.Contains("\"state_dir\"", c.ToJson());
    }

    [Theory]
    [InlineData("""{ "default_handler": "nope" }""", "default_handler")]
    [InlineData("""{ "handlers": [ { "name": "a", "backend": "runc" } ], "default_handler": "a" }""", "unknown backend")]
    [InlineData("""{ "handlers": [ { "name": "a", "platform": "vmx" } ], "default_handler": "a" }""", "unknown platform")]
    [InlineData("""{ "handlers": [ { "name": "a", "backend": "microvm", "memory_mib": 8 } ], "default_handler": "a" }""", "memory_mib 8")]
    [InlineData("""{ "handlers": [ { "name": "a", "backend": "microvm", "cpus": 0 } ], "default_handler": "a" }""", "cpus 0")]
    [InlineData("""{ "unknown_key": 1 }""", "unknown_key")]
    [InlineData("""{ "registry_mirrors": { "docker.io": [ "ftp://x" ] } }""", "http(s) URL")]
    [InlineData("""{ "socket": """, "cri.json")]
    public void Rejects_bad_configs_saying_why(string json, string expected)
    {
        using var d = new TempDir();
        string path = Path.Combine(d.Path, "cri.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<ConfigException>(() => CriConfig.Load(path));
        Assert.Contains(expected, e.Message);
    }
}
