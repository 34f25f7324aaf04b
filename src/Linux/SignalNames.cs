using System.Globalization;

namespace Sandbox.Linux;

/// <summary>Linux x86-64 signal numbers (asm/signal.h). Real-time signals run from
/// <see cref="SIGRTMIN"/> (32, the kernel's view; glibc reserves 32 and 33) to <see cref="SIGRTMAX"/> (64).</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGILL = 4;
    public const int SIGTRAP = 5;
    public const int SIGABRT = 6;
    public const int SIGIOT = 6;
    public const int SIGBUS = 7;
    public const int SIGFPE = 8;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGSEGV = 11;
    public const int SIGUSR2 = 12;
    public const int SIGPIPE = 13;
    public const int SIGALRM = 14;
    public const int SIGTERM = 15;
    public const int SIGSTKFLT = 16;
    public const int SIGCHLD = 17;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;
    public const int SIGTSTP = 20;
    public const int SIGTTIN = 21;
    public const int SIGTTOU = 22;
    public const int SIGURG = 23;
    public const int SIGXCPU = 24;
    public const int SIGXFSZ = 25;
    public const int SIGVTALRM = 26;
    public const int SIGPROF = 27;
    public const int SIGWINCH = 28;
    public const int SIGIO = 29;
    public const int SIGPOLL = 29;
    public const int SIGPWR = 30;
    public const int SIGSYS = 31;

    /// <summary>The first real-time signal, as the kernel numbers them.</summary>
    public const int SIGRTMIN = 32;

    /// <summary>The last real-time signal.</summary>
    public const int SIGRTMAX = 64;

    /// <summary>The kernel's _NSIG: signals run 1..NSIG.</summary>
    public const int NSIG = 64;
}

/// <summary>Signal names as strace prints them.</summary>
public static class SignalNames
{
    // Index = signal number; 32 is SIGRTMIN and 33..64 are SIGRT_1..SIGRT_32, as strace prints them.
    private static readonly string[] s_names = Build();

    private static string[] Build()
    {
        string[] names =
        [
            "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
            "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
            "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS", "SIGRTMIN",
        ];
        var all = new string[Signals.NSIG + 1];
        names.CopyTo(all, 0);
        for (int sig = Signals.SIGRTMIN + 1; sig <= Signals.NSIG; sig++)
            all[sig] = "SIGRT_" + (sig - Signals.SIGRTMIN).ToString(CultureInfo.InvariantCulture);
        return all;
    }

    /// <summary>True for 1..<see cref="Signals.NSIG"/>.</summary>
    public static bool IsValid(int sig) => sig >= 1 && sig <= Signals.NSIG;

    /// <summary><c>"SIGSEGV"</c>; 32 is <c>"SIGRTMIN"</c>, 33..64 are <c>"SIGRT_1"</c>..<c>"SIGRT_32"</c>;
    /// 0 and numbers outside 1..64 give the number. Does not allocate for 0..64.</summary>
    public static string Name(int sig) =>
        (uint)sig < (uint)s_names.Length ? s_names[sig] : sig.ToString(CultureInfo.InvariantCulture);
}
