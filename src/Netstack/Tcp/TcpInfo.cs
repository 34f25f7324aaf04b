using System.Buffers.Binary;

namespace Sandbox.Netstack;

/// <summary>TCPI_OPT_* bits of tcp_info.tcpi_options.</summary>
[Flags]
public enum TcpInfoOptions : byte { None = 0, Timestamps = 1, Sack = 2, WindowScale = 4 }

/// <summary>Connection statistics for getsockopt(TCP_INFO) (include/uapi/linux/tcp.h).</summary>
public struct TcpInfo
{
    public TcpState State;
    public byte CaState;          // 0 open, 3 recovery, 4 loss
    public byte Retransmits, Backoff, Probes;
    public TcpInfoOptions Options;
    public byte SndWscale, RcvWscale;
    public uint RtoUs, AtoUs, SndMss, RcvMss, Unacked, Sacked, Lost, Retrans;
    public uint LastDataRecvMs, LastAckRecvMs, Pmtu, RcvSsthresh, RttUs, RttVarUs, SndSsthresh, SndCwnd, AdvMss;
    public uint RcvSpace, TotalRetrans, SegsOut, SegsIn, SndWnd, NotSentBytes;
    public ulong BytesAcked, BytesReceived, BytesSent;

    /// <summary>Size of the Linux struct as far as we fill it.</summary>
    public const int LinuxSize = 232;

    private static void U32(Span<byte> b, int off, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(b[off..], v);
    private static void U64(Span<byte> b, int off, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(b[off..], v);

    /// <summary>Writes Linux's struct tcp_info, truncated to <paramref name="dst"/> (getsockopt semantics); returns bytes written.</summary>
    public readonly int WriteLinux(Span<byte> dst)
    {
        Span<byte> b = stackalloc byte[LinuxSize];
        b.Clear();
        b[0] = (byte)State; b[1] = CaState; b[2] = Retransmits; b[3] = Probes; b[4] = Backoff;
        b[5] = (byte)Options;
        b[6] = (byte)((SndWscale & 0xf) | (RcvWscale << 4));
        U32(b, 8, RtoUs); U32(b, 12, AtoUs); U32(b, 16, SndMss); U32(b, 20, RcvMss); U32(b, 24, Unacked); U32(b, 28, Sacked);
        U32(b, 32, Lost); U32(b, 36, Retrans); U32(b, 52, LastDataRecvMs); U32(b, 56, LastAckRecvMs); U32(b, 60, Pmtu);
        U32(b, 64, RcvSsthresh); U32(b, 68, RttUs); U32(b, 72, RttVarUs); U32(b, 76, SndSsthresh); U32(b, 80, SndCwnd);
        U32(b, 84, AdvMss); U32(b, 88, 3); U32(b, 96, RcvSpace); U32(b, 100, TotalRetrans);
        U64(b, 120, BytesAcked); U64(b, 128, BytesReceived); U32(b, 136, SegsOut); U32(b, 140, SegsIn); U32(b, 144, NotSentBytes);
        U32(b, 148, RttUs); U64(b, 200, BytesSent); U32(b, 228, SndWnd);
        int n = Math.Min(dst.Length, LinuxSize);
        b[..n].CopyTo(dst);
        return n;
    }
}
