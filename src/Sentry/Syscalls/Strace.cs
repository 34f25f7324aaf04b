using System.Text;
using Sandbox.Linux;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>
/// `--strace`: one line per syscall with decoded arguments and the result, like strace(1).
/// Input arguments are decoded before the call (the call may change what they point to),
/// output buffers after it.
/// </summary>
public static class Strace
{
    private const int MaxShown = 32;

    public static void Dispatch(Task t)
    {
        long nr = (long)t.Regs.OrigRax;
        var info = Linux.SyscallTable.Get(nr);
        Span<ulong> a = stackalloc ulong[] { t.A0, t.A1, t.A2, t.A3, t.A4, t.A5 };
        var args = new string?[info.Args.Length];
        for (int i = 0; i < args.Length; i++)
            if (info.Args[i] != ArgKind.OutBuf) args[i] = Format(t, info.Args[i], a[i], i + 1 < a.Length ? a[i + 1] : 0);
        bool implemented = SyscallTable.IsImplemented(nr);

        SyscallTable.Dispatch(t);

        var sb = new StringBuilder();
        sb.Append("[pid ").Append(t.Tid).Append("] ").Append(info.Name).Append('(');
        long result = (long)t.Regs.Rax;
        for (int i = 0; i < args.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            if (args[i] != null) { sb.Append(args[i]); continue; }
            // OutBuf: the result says how much was filled.
            if (!t.Exiting && result > 0) AppendMemory(t, sb, a[i], (int)Math.Min(result, MaxShown), result > MaxShown);
            else ArgFormat.Append(sb, ArgKind.Ptr, a[i]);
        }
        sb.Append(')');
        if (t.Exiting) sb.Append(" = ?");
        else if (result < 0 && result >= -4095)
        {
            int e = (int)-result;
            sb.Append(" = -1 ").Append(ErrnoText.Name(e)).Append(" (").Append(ErrnoText.Message(e)).Append(')');
            if (!implemented) sb.Append(" [unsupported by the sandbox]");
        }
        else if (info.Name is "mmap" or "brk" or "mremap") sb.Append(" = 0x").Append(result.ToString("x"));
        else sb.Append(" = ").Append(result);
        t.Kernel.StraceLine(sb.ToString());
    }

    private static string Format(Task t, ArgKind kind, ulong v, ulong next)
    {
        var sb = new StringBuilder();
        switch (kind)
        {
            case ArgKind.Path:
            {
                if (v == 0) { sb.Append("NULL"); break; }
                Span<byte> buf = stackalloc byte[4096];
                int n = t.MM.ReadCString(v, 4095, buf);
                if (n < 0) ArgFormat.Append(sb, ArgKind.Ptr, v);
                else ArgFormat.AppendString(sb, buf.Slice(0, n), false);
                break;
            }
            case ArgKind.InBuf:
                AppendMemory(t, sb, v, (int)Math.Min(next, MaxShown), next > MaxShown);
                break;
            case ArgKind.StrArray:
            {
                var list = new List<string>();
                if (v == 0 || t.MM.ReadStringArray(v, list, 64) < 0 && list.Count == 0) { ArgFormat.Append(sb, ArgKind.Ptr, v); break; }
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    ArgFormat.AppendString(sb, Encoding.UTF8.GetBytes(list[i]), false);
                }
                sb.Append(']');
                break;
            }
            default:
                ArgFormat.Append(sb, kind, v);
                break;
        }
        return sb.ToString();
    }

    private static void AppendMemory(Task t, StringBuilder sb, ulong addr, int len, bool truncated)
    {
        if (len <= 0) { sb.Append("\"\""); return; }
        var buf = new byte[len];
        if (t.MM.CopyIn(addr, buf) < 0) { ArgFormat.Append(sb, ArgKind.Ptr, addr); return; }
        ArgFormat.AppendString(sb, buf, truncated);
    }
}
