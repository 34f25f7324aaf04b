namespace Sandbox.Netstack;

/// <summary>Readiness bits, with poll(2)'s values so the Sentry can pass them through.</summary>
[Flags]
public enum PollEvents : short
{
    None = 0, In = 0x1, Pri = 0x2, Out = 0x4, Err = 0x8, Hup = 0x10, RdHup = 0x2000,
}
