using System.Text;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;

namespace Sandbox.Sentry.Loader;

/// <summary>
/// Lays out the initial process stack as binfmt_elf does: strings at the top (the exec file
/// name highest), then AT_RANDOM bytes and the platform string, then (16-byte aligned) argc,
/// argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
/// </summary>
internal sealed class StackBuilder
{
    private readonly MemoryManager _mm;
    private ulong _sp;

    public StackBuilder(MemoryManager mm, ulong top) { _mm = mm; _sp = top; }

    private ulong PushBytes(ReadOnlySpan<byte> data)
    {
        _sp -= (ulong)data.Length;
        return _mm.CopyOut(_sp, data) < 0 ? 0 : _sp;
    }

    private ulong PushString(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return PushBytes(b);
    }

    /// <summary>Returns the initial stack pointer, or 0 if it does not fit.</summary>
    public ulong Build(IReadOnlyList<string> argv, IReadOnlyList<string> envp, string execFn, (ulong Type, ulong Value)[] aux)
    {
        _sp -= 8;
        ulong execFnAddr = PushString(execFn);
        var envAddrs = new ulong[envp.Count];
        for (int i = envp.Count - 1; i >= 0; i--) envAddrs[i] = PushString(envp[i]);
        var argAddrs = new ulong[argv.Count];
        for (int i = argv.Count - 1; i >= 0; i--) argAddrs[i] = PushString(argv[i]);
        ulong platform = PushString("x86_64");
        Span<byte> random = stackalloc byte[16];
        Sandbox.Linux.Native.HostRandom.Fill(random);
        _sp &= ~15UL;
        ulong randomAddr = PushBytes(random);
        if (execFnAddr == 0 || platform == 0 || randomAddr == 0 || envAddrs.Contains(0UL) || argAddrs.Contains(0UL)) return 0;
        // Where /proc/PID/cmdline and environ read from: the strings lie in order, each after the last.
        _mm.ArgStart = argv.Count > 0 ? argAddrs[0] : 0;
        _mm.ArgEnd = argv.Count > 0 ? argAddrs[^1] + (ulong)Encoding.UTF8.GetByteCount(argv[^1]) + 1 : 0;
        _mm.EnvStart = envp.Count > 0 ? envAddrs[0] : 0;
        _mm.EnvEnd = envp.Count > 0 ? envAddrs[^1] + (ulong)Encoding.UTF8.GetByteCount(envp[^1]) + 1 : 0;

        var words = new List<ulong> { (ulong)argv.Count };
        words.AddRange(argAddrs); words.Add(0);
        words.AddRange(envAddrs); words.Add(0);
        foreach (var (type, value) in aux) { words.Add(type); words.Add(value); }
        words.Add(Auxv.AT_RANDOM); words.Add(randomAddr);
        words.Add(Auxv.AT_EXECFN); words.Add(execFnAddr);
        words.Add(Auxv.AT_PLATFORM); words.Add(platform);
        words.Add(Auxv.AT_NULL); words.Add(0);

        _sp &= ~15UL;
        if ((words.Count & 1) != 0) _sp -= 8;
        _sp -= (ulong)words.Count * 8;
        var bytes = new byte[words.Count * 8];
        for (int i = 0; i < words.Count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), words[i]);
        return _mm.CopyOut(_sp, bytes) < 0 ? 0 : _sp;
    }
}
