using System.Runtime.InteropServices;

namespace Sandbox.Sentry.Kernel;

/// <summary>struct sigaction as the kernel ABI has it (kernel_sigaction: handler, flags, restorer, mask).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SigAction
{
    public ulong Handler, Flags, Restorer, Mask;
    public const ulong SIG_DFL = 0, SIG_IGN = 1;
}

/// <summary>stack_t.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct StackT
{
    public ulong Sp;
    public int Flags;
    private int _pad;
    public ulong Size;
}

/// <summary>Signal dispositions of a thread group; masks and alternate stacks per thread.</summary>
public sealed class SignalHandlers
{
    public readonly SigAction[] Actions = new SigAction[65];

    public SignalHandlers Clone()
    {
        var c = new SignalHandlers();
        Array.Copy(Actions, c.Actions, Actions.Length);
        return c;
    }
}
