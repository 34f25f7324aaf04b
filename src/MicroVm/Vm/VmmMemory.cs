namespace Sandbox.MicroVm.Vm;

/// <summary>
/// A VMM process's resident memory in KiB, from /proc/PID/status (proc(5)): RssAnon, RssFile
/// and RssShmem add up to VmRSS. Guest RAM is a memfd, so it is RssShmem; the VMM's overhead is
/// all the rest: its anonymous memory (heap, stacks, runtime data) and the file pages it has
/// mapped (its executable and libraries, however many other processes share them).
/// </summary>
public readonly record struct VmmMemory(long RssKiB, long AnonKiB, long FileKiB, long ShmemKiB)
{
    public long GuestRamKiB => ShmemKiB;
    public long OverheadKiB => RssKiB - ShmemKiB;

    public static VmmMemory Parse(IEnumerable<string> statusLines)
    {
        long rss = 0, anon = 0, file = 0, shmem = 0;
        foreach (var l in statusLines)
        {
            if (l.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kib(l);
            else if (l.StartsWith("RssAnon:", StringComparison.Ordinal)) anon = Kib(l);
            else if (l.StartsWith("RssFile:", StringComparison.Ordinal)) file = Kib(l);
            else if (l.StartsWith("RssShmem:", StringComparison.Ordinal)) shmem = Kib(l);
        }
        return new VmmMemory(rss, anon, file, shmem);
    }

    /// <summary>Of the process pid (0: this one); zeros when it is gone.</summary>
    public static VmmMemory Of(int pid)
    {
        try { return Parse(File.ReadLines(pid == 0 ? "/proc/self/status" : $"/proc/{pid}/status")); }
        catch (IOException) { return default; }
    }

    static long Kib(string l)
    {
        var f = l.Split(' ', '\t', StringSplitOptions.RemoveEmptyEntries);
        return f.Length > 1 && long.TryParse(f[1], out var v) ? v : 0;
    }

    /// <summary>"RSS 45.1 MiB, of which guest RAM 35.6 MiB: VMM overhead 9.5 MiB (anon 0.7, file 8.8)".</summary>
    public override string ToString() =>
        $"RSS {Mib(RssKiB)} MiB, of which guest RAM {Mib(GuestRamKiB)} MiB: VMM overhead {Mib(OverheadKiB)} MiB (anon {Mib(AnonKiB)}, file {Mib(FileKiB)})";

    static string Mib(long kib) => (kib / 1024.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
