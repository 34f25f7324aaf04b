using System.Runtime.InteropServices;
using Sandbox.Linux.Abi;
using Sandbox.Linux.Native;

namespace Sandbox.Sentry.Kernel;

[StructLayout(LayoutKind.Sequential)]
public struct RlimitValue { public ulong Cur, Max; }

/// <summary>A thread group's resource limits, starting from the host's.</summary>
public sealed unsafe class Rlimits
{
    private readonly RlimitValue[] _v = new RlimitValue[Rlimit.NLIMITS];

    public ref RlimitValue this[int resource] => ref _v[resource];

    public Rlimits Clone()
    {
        var c = new Rlimits();
        Array.Copy(_v, c._v, _v.Length);
        return c;
    }

    public static Rlimits FromHost()
    {
        var r = new Rlimits();
        for (int i = 0; i < Rlimit.NLIMITS; i++)
        {
            RlimitValue v;
            if (Sys.Syscall(Sys.SYS_prlimit64, 0, i, 0, (long)&v) == 0) r._v[i] = v;
            else r._v[i] = new RlimitValue { Cur = Rlimit.Infinity, Max = Rlimit.Infinity };
        }
        return r;
    }
}
