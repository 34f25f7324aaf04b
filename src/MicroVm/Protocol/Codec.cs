using System.Buffers.Binary;
using System.Text;

namespace Sandbox.MicroVm.Protocol;

/// <summary>Encodes and decodes frames (see Messages.cs for the format). Decoding never trusts the
/// input: every length is checked against what is left and against the limits.</summary>
public static class Codec
{
    /// <summary>2: CreateContainer carries the writable root, masked and read-only paths, sysctls
    /// and the processes' security. 3: and its bind mounts. 4: and its PID namespace mode. A peer
    /// speaking another version gets Error(EPROTO).</summary>
    public const byte Version = 4;
    public const int HeaderSize = 6;            // version, kind, id
    public const int MaxPayload = 1 << 20;      // 1 MiB
    public const int MaxString = 64 << 10;
    public const int MaxBytes = 512 << 10;      // one Stdin/Output chunk
    public const int MaxList = 4096;

    public static byte[] Encode(uint id, Message m)
    {
        var w = new Writer();
        w.U32(0); // length, patched below
        w.U8(Version);
        w.U8((byte)m.Kind);
        w.U32(id);
        switch (m)
        {
            case Hello x: w.U32(x.Version); break;
            case CreateContainer x:
                w.Str(x.ContainerId); w.Str(x.Rootfs); w.Str(x.Hostname); w.U8(x.WritableRoot ? (byte)1 : (byte)0);
                w.List(x.MaskedPaths ?? []); w.List(x.ReadonlyPaths ?? []); w.List(x.Sysctls ?? []);
                var sec = x.Security ?? ProcessSecurity.Root;
                w.U32(sec.Uid); w.U32(sec.Gid); w.U32List(sec.Groups); w.U64(sec.Capabilities); w.U64(sec.Ambient);
                w.U8(sec.NoNewPrivs ? (byte)1 : (byte)0); w.Bytes(sec.Seccomp);
                w.Mounts(x.Mounts ?? []);
                w.U8((byte)x.Pid);
                break;
            case Exec x: w.Str(x.ContainerId); w.Str(x.ExecId); w.List(x.Argv); w.List(x.Env); w.Str(x.Cwd); w.U8(x.Tty ? (byte)1 : (byte)0); w.I32(x.Rows); w.I32(x.Cols); break;
            case ResizeTty x: w.Str(x.ExecId); w.I32(x.Rows); w.I32(x.Cols); break;
            case Stdin x: w.Str(x.ExecId); w.Bytes(x.Data); break;
            case Signal x: w.Str(x.ExecId); w.I32(x.Signo); break;
            case Wait x: w.Str(x.ExecId); break;
            case Stats or Shutdown or Ok: break;
            case DestroyContainer x: w.Str(x.ContainerId); break;
            case Error x: w.I32(x.Code); w.Str(Truncate(x.Text)); break;
            case HelloReply x: w.U32(x.Version); w.Str(x.KernelRelease); w.Str(x.Agent); break;
            case ExecStarted x: w.I32(x.Pid); break;
            case WaitResult x: w.I32(x.ExitCode); w.I32(x.Signo); break;
            case StatsReply x: w.I64(x.MemTotalKiB); w.I64(x.MemAvailableKiB); w.I64(x.UptimeMs); w.I32(x.Containers); w.I32(x.Processes); w.Str(x.LoadAvg); break;
            case Ready x: w.U32(x.Version); w.Str(x.KernelRelease); w.I64(x.BootMs); break;
            case Output x: w.Str(x.ExecId); w.U8(x.Stream); w.Bytes(x.Data); break;
            case Exited x: w.Str(x.ExecId); w.I32(x.ExitCode); w.I32(x.Signo); break;
            default: throw new ArgumentException($"cannot encode {m.GetType().Name}");
        }
        var buf = w.ToArray();
        if (buf.Length - 4 > MaxPayload) throw new ProtocolException($"message too large ({buf.Length - 4} bytes)");
        BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)(buf.Length - 4));
        return buf;
    }

    /// <summary>Checks a frame's length prefix; throws for lengths the reader must not allocate.</summary>
    public static int CheckLength(uint length)
    {
        if (length < HeaderSize || length > MaxPayload)
            throw new ProtocolException($"bad frame length {length}");
        return (int)length;
    }

    /// <summary>Decodes a payload (the bytes after the length prefix). The id is returned even when
    /// the body is malformed (as far as it could be read), so the error reply can carry it.</summary>
    public static Message Decode(ReadOnlySpan<byte> payload, out uint id)
    {
        id = 0;
        if (payload.Length < HeaderSize) throw new ProtocolException("truncated header");
        id = BinaryPrimitives.ReadUInt32LittleEndian(payload[2..]);
        if (payload[0] != Version) throw new ProtocolException($"unsupported protocol version {payload[0]} (agent speaks {Version})");
        var kind = (MessageKind)payload[1];
        var r = new Reader(payload[HeaderSize..]);
        Message m = kind switch
        {
            MessageKind.Hello => new Hello(r.U32()),
            MessageKind.CreateContainer => new CreateContainer(r.Str(), r.Str(), r.Str(), r.Bool(), r.List(), r.List(), r.List(),
                new ProcessSecurity(r.U32(), r.U32(), r.U32List(), r.U64(), r.U64(), r.Bool(), r.Bytes()), r.Mounts(), (PidMode)r.U8()),
            MessageKind.Exec => new Exec(r.Str(), r.Str(), r.List(), r.List(), r.Str(), r.Bool(), r.I32(), r.I32()),
            MessageKind.ResizeTty => new ResizeTty(r.Str(), r.I32(), r.I32()),
            MessageKind.Stdin => new Stdin(r.Str(), r.Bytes()),
            MessageKind.Signal => new Signal(r.Str(), r.I32()),
            MessageKind.Wait => new Wait(r.Str()),
            MessageKind.Stats => new Stats(),
            MessageKind.Shutdown => new Shutdown(),
            MessageKind.DestroyContainer => new DestroyContainer(r.Str()),
            MessageKind.Ok => new Ok(),
            MessageKind.Error => new Error(r.I32(), r.Str()),
            MessageKind.HelloReply => new HelloReply(r.U32(), r.Str(), r.Str()),
            MessageKind.ExecStarted => new ExecStarted(r.I32()),
            MessageKind.WaitResult => new WaitResult(r.I32(), r.I32()),
            MessageKind.StatsReply => new StatsReply(r.I64(), r.I64(), r.I64(), r.I32(), r.I32(), r.Str()),
            MessageKind.Ready => new Ready(r.U32(), r.Str(), r.I64()),
            MessageKind.Output => new Output(r.Str(), r.U8(), r.Bytes()),
            MessageKind.Exited => new Exited(r.Str(), r.I32(), r.I32()),
            _ => throw new ProtocolException($"unknown message kind {(byte)kind}"),
        };
        if (!r.AtEnd) throw new ProtocolException($"{kind}: {r.Left} trailing bytes");
        return m;
    }

    /// <summary>Reads one frame from a blocking stream. Returns null at a clean end of stream
    /// (before a frame starts); throws ProtocolException for a bad length, EndOfStreamException
    /// for a frame cut short. A malformed body is returned as a DecodeFailure, because the stream
    /// is still in sync and the receiver can answer it.</summary>
    public static (Message? Msg, uint Id, ProtocolException? Bad)? ReadFrame(Stream s)
    {
        Span<byte> len = stackalloc byte[4];
        if (!ReadExactly(s, len, allowEof: true)) return null;
        int n = CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(len));
        var payload = new byte[n];
        ReadExactly(s, payload, allowEof: false);
        try { return (Decode(payload, out var id), id, null); }
        catch (ProtocolException e)
        {
            uint id = payload.Length >= HeaderSize ? BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(2)) : 0;
            return (null, id, e);
        }
    }

    public static async Task<(Message? Msg, uint Id, ProtocolException? Bad)?> ReadFrameAsync(Stream s, CancellationToken ct)
    {
        var len = new byte[4];
        if (!await ReadExactlyAsync(s, len, true, ct)) return null;
        int n = CheckLength(BinaryPrimitives.ReadUInt32LittleEndian(len));
        var payload = new byte[n];
        await ReadExactlyAsync(s, payload, false, ct);
        try { return (Decode(payload, out var id), id, null); }
        catch (ProtocolException e)
        {
            return (null, BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(2)), e);
        }
    }

    static bool ReadExactly(Stream s, Span<byte> buf, bool allowEof)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int n = s.Read(buf[got..]);
            if (n == 0)
            {
                if (got == 0 && allowEof) return false;
                throw new EndOfStreamException("stream ended inside a frame");
            }
            got += n;
        }
        return true;
    }

    static async Task<bool> ReadExactlyAsync(Stream s, Memory<byte> buf, bool allowEof, CancellationToken ct)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int n = await s.ReadAsync(buf[got..], ct);
            if (n == 0)
            {
                if (got == 0 && allowEof) return false;
                throw new EndOfStreamException("stream ended inside a frame");
            }
            got += n;
        }
        return true;
    }

    static string Truncate(string s) => s.Length > MaxString / 4 ? s[..(MaxString / 4)] : s;

    sealed class Writer
    {
        byte[] _buf = new byte[256];
        int _n;
        void Need(int k)
        {
            if (_n + k > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _n + k));
        }
        public void U8(byte v) { Need(1); _buf[_n++] = v; }
        public void U32(uint v) { Need(4); BinaryPrimitives.WriteUInt32LittleEndian(_buf.AsSpan(_n), v); _n += 4; }
        public void I32(int v) { Need(4); BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(_n), v); _n += 4; }
        public void I64(long v) { Need(8); BinaryPrimitives.WriteInt64LittleEndian(_buf.AsSpan(_n), v); _n += 8; }
        public void U64(ulong v) { Need(8); BinaryPrimitives.WriteUInt64LittleEndian(_buf.AsSpan(_n), v); _n += 8; }
        public void U32List(IReadOnlyList<uint> l)
        {
            if (l.Count > MaxList) throw new ProtocolException($"list too long ({l.Count})");
            U32((uint)l.Count); foreach (var v in l) U32(v);
        }
        public void Str(string s)
        {
            int k = Encoding.UTF8.GetByteCount(s);
            if (k > MaxString) throw new ProtocolException($"string too long ({k} bytes)");
            U32((uint)k); Need(k); Encoding.UTF8.GetBytes(s, _buf.AsSpan(_n)); _n += k;
        }
        public void Bytes(byte[] b)
        {
            if (b.Length > MaxBytes) throw new ProtocolException($"data chunk too long ({b.Length} bytes)");
            U32((uint)b.Length); Need(b.Length); b.CopyTo(_buf, _n); _n += b.Length;
        }
        public void List(IReadOnlyList<string> l)
        {
            if (l.Count > MaxList) throw new ProtocolException($"list too long ({l.Count})");
            U32((uint)l.Count); foreach (var s in l) Str(s);
        }
        public void Mounts(IReadOnlyList<ContainerMount> l)
        {
            if (l.Count > MaxList) throw new ProtocolException($"list too long ({l.Count})");
            U32((uint)l.Count);
            foreach (var m in l) { Str(m.Source); Str(m.Destination); U8(m.ReadOnly ? (byte)1 : (byte)0); }
        }
        public byte[] ToArray() => _buf.AsSpan(0, _n).ToArray();
    }

    ref struct Reader(ReadOnlySpan<byte> b)
    {
        readonly ReadOnlySpan<byte> _b = b;
        int _p;
        public readonly bool AtEnd => _p == _b.Length;
        public readonly int Left => _b.Length - _p;
        ReadOnlySpan<byte> Take(int k)
        {
            if (k < 0 || k > Left) throw new ProtocolException($"truncated body (wanted {k} bytes, {Left} left)");
            var s = _b.Slice(_p, k); _p += k; return s;
        }
        public byte U8() => Take(1)[0];
        public bool Bool() => U8() switch { 0 => false, 1 => true, var b => throw new ProtocolException($"bad boolean {b}") };
        public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        public uint[] U32List()
        {
            int k = Count(MaxList, "list");
            var s = Take(k * 4);
            var a = new uint[k];
            for (int i = 0; i < k; i++) a[i] = BinaryPrimitives.ReadUInt32LittleEndian(s[(i * 4)..]);
            return a;
        }
        int Count(int max, string what)
        {
            uint k = U32();
            if (k > max) throw new ProtocolException($"{what} length {k} over the limit {max}");
            return (int)k;
        }
        static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
        public string Str()
        {
            var s = Take(Count(MaxString, "string"));
            try { return Strict.GetString(s); }
            catch (ArgumentException) { throw new ProtocolException("invalid UTF-8 in a string"); }
        }
        public byte[] Bytes() => Take(Count(MaxBytes, "data")).ToArray();
        public string[] List()
        {
            int k = Count(MaxList, "list");
            if (k * 4 > Left) throw new ProtocolException($"truncated list ({k} entries)");
            var a = new string[k];
            for (int i = 0; i < k; i++) a[i] = Str();
            return a;
        }
        public ContainerMount[] Mounts()
        {
            int k = Count(MaxList, "mount list");
            if (k * 9 > Left) throw new ProtocolException($"truncated mount list ({k} entries)");
            var a = new ContainerMount[k];
            for (int i = 0; i < k; i++) a[i] = new ContainerMount(Str(), Str(), Bool());
            return a;
        }
    }
}
