using System.Collections.Concurrent;
using System.Security.Cryptography;
using Runtime.V1;

namespace Sandbox.Shim.Streaming;

/// <summary>
/// Exec and Attach requests waiting for their client to connect to the streaming server:
/// each under a random single-use token that expires (as the kubelet's streaming server has it).
/// </summary>
internal sealed class StreamingRequests
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>ContainerId is the pod's ID for a port forward.</summary>
    public sealed record Pending(string ContainerId, ExecRequest? Exec, AttachRequest? Attach, DateTime Expires, PortForwardRequest? PortForward = null);

    private readonly ConcurrentDictionary<string, Pending> _pending = new();

    public string Add(string containerId, ExecRequest? exec, AttachRequest? attach, PortForwardRequest? portForward = null)
    {
        foreach (var (k, v) in _pending) if (v.Expires < DateTime.UtcNow) _pending.TryRemove(k, out _);
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _pending[token] = new Pending(containerId, exec, attach, DateTime.UtcNow + Lifetime, portForward);
        return token;
    }

    /// <summary>The request for a token, once: a second use, or a late one, finds nothing.</summary>
    public Pending? Take(string token)
        => _pending.TryRemove(token, out var p) && p.Expires >= DateTime.UtcNow ? p : null;
}
