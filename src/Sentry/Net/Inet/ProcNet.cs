using System.Text;
using Sandbox.Netstack;

namespace Sandbox.Sentry.Net.Inet;

/// <summary>
/// /proc/net/{tcp,tcp6,udp,udp6,dev} (proc(5)) from the sandbox's sockets. Only sockets that
/// still have a file are listed: connections the application closed (TIME_WAIT, orphans) are
/// not, and the interface counters are zero.
/// </summary>
public static class ProcNet
{
    public static string Tcp(InetStack? net, bool v6) => Table(net, v6, tcp: true);
    public static string Udp(InetStack? net, bool v6) => Table(net, v6, tcp: false);

    private static string Table(InetStack? net, bool v6, bool tcp)
    {
        var sb = new StringBuilder();
        sb.Append(v6
            ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            : (tcp ? "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                   : "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"));
        if (net == null) return sb.ToString();
        int i = 0;
        foreach (var s in net.Sockets())
        {
            if (s.IsV6 != v6 || (s is TcpSocket) != tcp || s is IcmpSocket) continue;
            var row = s.ProcRow();
            sb.Append($"{i++,4}: ");
            Addr(sb, row.Local, v6);
            sb.Append(' ');
            Addr(sb, row.Remote, v6);
            sb.Append($" {row.State:X2} {row.TxQueue:X8}:{row.RxQueue:X8} 00:00000000 00000000 {row.Uid,5} {0,8} {row.Ino} 1 0000000000000000");
            sb.Append(tcp ? " 100 0 0 10 0\n" : " 0\n");
        }
        return sb.ToString();
    }

    /// <summary>Addresses as the kernel prints them: each 32-bit word in host (little-endian) order.</summary>
    private static void Addr(StringBuilder sb, SockAddr a, bool v6)
    {
        Span<byte> b = stackalloc byte[16];
        var addr = v6 ? a.Addr.MappedV6 : a.Addr;
        addr.WriteTo(b);
        for (int w = 0; w < (v6 ? 4 : 1); w++)
            sb.Append($"{BitConverter.ToUInt32(b.Slice(4 * w, 4)):X8}");
        sb.Append($":{a.Port:X4}");
    }

    public static string Dev(InetStack? net)
    {
        var sb = new StringBuilder("Inter-|   Receive                                                |  Transmit\n" +
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n");
        Nic[] nics = Array.Empty<Nic>();
        if (net != null) lock (net.Stack.Sync) nics = net.Stack.Nics.ToArray();
        if (net == null) sb.Append("    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n");
        foreach (var n in nics)
            sb.Append($"{n.Name,6}:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n");
        return sb.ToString();
    }
}

/// <summary>One socket's line in /proc/net/tcp or udp.</summary>
public readonly record struct ProcNetRow(SockAddr Local, SockAddr Remote, int State, long TxQueue, long RxQueue, uint Uid, ulong Ino);
