namespace Sandbox.Linux.Native;

/// <summary>
/// Random bytes from the host kernel (getrandom(2)). Not RandomNumberGenerator: that loads
/// OpenSSL on first use, which a confined Sentry can no longer reach.
/// </summary>
public static unsafe class HostRandom
{
    public static void Fill(Span<byte> dst)
    {
        fixed (byte* p = dst)
        {
            int done = 0;
            while (done < dst.Length)
            {
                long n = Sys.SyscallRetry(Sys.SYS_getrandom, (long)(p + done), dst.Length - done, 0);
                if (n <= 0) throw new IOException($"getrandom: {ErrnoText.Name((int)-n)}");
                done += (int)n;
            }
        }
    }
}
