using Sandbox.Sentry.Net.Inet;

namespace Sandbox.Sentry.Kernel;

public sealed partial class Kernel
{
    private InetStack? _inet;
    private readonly object _inetLock = new();

    /// <summary>The sandbox's TCP/IP stack, made when the first AF_INET/AF_INET6 socket is.</summary>
    public InetStack Inet
    {
        get
        {
            var s = Volatile.Read(ref _inet);
            if (s != null) return s;
            lock (_inetLock) return _inet ??= new InetStack(Sysctls.StackOptions(Options));
        }
    }

    /// <summary>The stack if a socket has made it yet (/proc/net does not make one).</summary>
    public InetStack? InetIfMade => Volatile.Read(ref _inet);

    /// <summary>Makes the stack now with the interfaces of <see cref="KernelOptions.NetworkNamespace"/> (at boot, before the Sentry is confined).</summary>
    public void AttachNetworkNamespace(string netnsPath)
    {
        try { Inet.TakeOverNamespace(netnsPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"network namespace {netnsPath}: {e.Message}", e);
        }
    }

    private void DisposeNetwork()
    {
        lock (_inetLock) { _inet?.Dispose(); _inet = null; }
    }
}
