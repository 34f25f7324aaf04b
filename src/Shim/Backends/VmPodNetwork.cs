using System.Text.Json.Nodes;
using Sandbox.MicroVm.Vm;

namespace Sandbox.Shim.Backends;

/// <summary>
/// A microvm pod on its CNI network, as Kata's "tcfilter" model does it: the plugins set up
/// eth0 in the pod's namespace; the VM's virtio-net takes eth0's MAC, address and default
/// route (the agent configures them in the guest), eth0's address leaves the namespace (only
/// the guest answers for it), and tc redirects every frame between eth0 and the TAP that the
/// VM's network back-end serves (an ingress u32 match-all filter with a mirred redirect each
/// way; cls_matchall is not built into every kernel, u32 is).
/// </summary>
internal static class VmPodNetwork
{
    public const string TapName = "tap0";
    private const string Eth = "eth0";

    /// <summary>What the VM's interface gets: eth0's address, prefix, MAC and the default gateway.</summary>
    public static async Task<NetworkOptions> GuestInterfaceAsync(PodNetwork net, CancellationToken ct)
    {
        string ns = Path.GetFileName(net.NetnsPath);
        var links = JsonNode.Parse(await PodNetwork.RunAsync("ip", ["-j", "-n", ns, "addr", "show", "dev", Eth], null, null, ct).ConfigureAwait(false)) as JsonArray;
        var link = links is { Count: > 0 } ? links[0] : null;
        string mac = link?["address"]?.GetValue<string>() ?? throw new IOException($"{Eth} in {ns} has no MAC address");
        string? cidr = null;
        if (link?["addr_info"] is JsonArray infos)
            foreach (var i in infos)
                if (i?["family"]?.GetValue<string>() == "inet")
                {
                    cidr = $"{i["local"]!.GetValue<string>()}/{i["prefixlen"]!.GetValue<int>()}";
                    break;
                }
        if (cidr is null) throw new IOException($"{Eth} in {ns} has no IPv4 address (the microvm handler's guest takes IPv4 only)");
        var routes = JsonNode.Parse(await PodNetwork.RunAsync("ip", ["-j", "-n", ns, "-4", "route", "show", "default"], null, null, ct).ConfigureAwait(false)) as JsonArray;
        string? gateway = routes is { Count: > 0 } ? routes[0]?["gateway"]?.GetValue<string>() : null;
        return new NetworkOptions { Backend = NetBackend.VhostUser, Netns = net.NetnsPath, TapName = TapName, GuestAddress = cidr, Gateway = gateway, Mac = mac };
    }

    /// <summary>Once the VM's TAP exists: eth0's address goes to the guest, frames flow both ways.</summary>
    public static async Task ConnectAsync(PodNetwork net, NetworkOptions guest, CancellationToken ct)
    {
        string ns = Path.GetFileName(net.NetnsPath);
        await PodNetwork.RunAsync("ip", ["-n", ns, "addr", "flush", "dev", Eth], null, null, ct).ConfigureAwait(false);
        foreach (var (from, to) in new[] { (Eth, guest.TapName), (guest.TapName, Eth) })
        {
            await PodNetwork.RunAsync("tc", ["-n", ns, "qdisc", "add", "dev", from, "ingress"], null, null, ct).ConfigureAwait(false);
            await PodNetwork.RunAsync("tc", ["-n", ns, "filter", "add", "dev", from, "parent", "ffff:", "protocol", "all",
                "u32", "match", "u8", "0", "0", "action", "mirred", "egress", "redirect", "dev", to], null, null, ct).ConfigureAwait(false);
        }
    }
}
