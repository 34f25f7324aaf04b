using System.Globalization;
using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Memory;

namespace Sandbox.Sentry.Vfs.Proc;

/// <summary>/proc/PID and /proc/PID/task/TID: one process or thread as proc(5) describes it.</summary>
internal static class PidDirectory
{
    public static Inode? ForProcess(ProcFilesystem fs, int pid)
    {
        var g = fs.Kernel.FindGroup(pid);
        if (g == null) return null;
        return Build(fs, g, null, $"/{pid}");
    }

    private static Task? TaskOf(ThreadGroup g, Task? thread)
    {
        return thread ?? g.Leader;
    }

    private static Inode Build(ProcFilesystem fs, ThreadGroup g, Task? thread, string key)
    {
        var k = fs.Kernel;
        Task? T() => TaskOf(g, thread);
        uint Uid() => T()?.Creds.Euid ?? 0;
        uint Gid() => T()?.Creds.Egid ?? 0;
        var e = new Dictionary<string, Func<Inode>>
        {
            ["stat"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/stat"), () => StatLine(k, g, thread), uid: Uid(), gid: Gid()),
            ["status"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/status"), () => Status(k, g, thread), uid: Uid(), gid: Gid()),
            ["statm"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/statm"), () => Statm(T()), uid: Uid(), gid: Gid()),
            ["comm"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/comm"), () => (T()?.Comm ?? "") + "\n", 0x1a4, Uid(), Gid()),
            ["cmdline"] = () => new ProcFile(fs, ProcFilesystem.Ino(key + "/cmdline"), () => ReadStrings(T(), env: false), 0x124, Uid(), Gid()),
            ["environ"] = () => new ProcFile(fs, ProcFilesystem.Ino(key + "/environ"), () => ReadStrings(T(), env: true), 0x100, Uid(), Gid()),
            ["maps"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/maps"), () => Maps(T(), smaps: false), 0x124, Uid(), Gid()),
            ["smaps"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/smaps"), () => Maps(T(), smaps: true), 0x124, Uid(), Gid()),
            ["limits"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/limits"), () => Limits(g), 0x124, Uid(), Gid()),
            ["cgroup"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/cgroup"), () => "0::/\n", 0x124, Uid(), Gid()),
            ["wchan"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/wchan"), () => "0", 0x124, Uid(), Gid()),
            ["oom_score_adj"] = () => new ProcFile(fs, ProcFilesystem.Ino(key + "/oom_score_adj"), () => "0\n"u8.ToArray(), 0x1a4, Uid(), Gid(), _ => 0),
            ["loginuid"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/loginuid"), () => "4294967295", 0x1a4, Uid(), Gid()),
            ["mounts"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/mounts"), () => SystemFiles.Mounts(k, T()), 0x124),
            ["mountinfo"] = () => ProcFile.Text(fs, ProcFilesystem.Ino(key + "/mountinfo"), () => SystemFiles.MountInfo(k, T()), 0x124),
            ["cwd"] = () => new ProcLink(fs, ProcFilesystem.Ino(key + "/cwd"), () => T() is { } t ? VirtualFs.PathOf(t.Cwd, t.Root) : null, _ => T()?.Cwd, Uid(), Gid()),
            ["root"] = () => new ProcLink(fs, ProcFilesystem.Ino(key + "/root"), () => T() is { } t ? "/" : null, _ => T()?.Root, Uid(), Gid()),
            ["exe"] = () => new ProcLink(fs, ProcFilesystem.Ino(key + "/exe"), () => g.ExecPath is { Length: > 0 } p ? p : null, _ => Exe(k, T()), Uid(), Gid()),
            ["fd"] = () => FdDir(fs, g, thread, key + "/fd", info: false),
            ["fdinfo"] = () => FdDir(fs, g, thread, key + "/fdinfo", info: true),
        };
        if (thread == null)
            e["task"] = () => new ProcDir(fs, ProcFilesystem.Ino(key + "/task"),
                () => { lock (k.Lock) return g.Tasks.Select(t => t.Tid.ToString()).ToArray(); },
                n => { lock (k.Lock) { var t = g.Tasks.FirstOrDefault(x => x.Tid.ToString() == n); return t == null ? null : Build(fs, g, t, key + "/task/" + n); } },
                0x16d, Uid(), Gid());
        return ProcDir.Fixed(fs, ProcFilesystem.Ino(key), e, Uid(), Gid());
    }

    private static Location? Exe(Kernel.Kernel k, Task? t)
    {
        if (t == null || string.IsNullOrEmpty(t.ExecPath)) return null;
        return k.Vfs.Resolve(t.Root, t.Cwd, t.ExecPath, true, out var l) == 0 ? l : null;
    }

    private static Inode FdDir(ProcFilesystem fs, ThreadGroup g, Task? thread, string key, bool info)
    {
        var k = fs.Kernel;
        Task? T() => TaskOf(g, thread);
        IEnumerable<string> Names()
        {
            var t = T();
            if (t == null) yield break;
            int hi = t.Fds.HighestFd();
            for (int fd = 0; fd <= hi; fd++) if (t.Fds.Get(fd) != null) yield return fd.ToString();
        }
        Inode? Lookup(string n)
        {
            var t = T();
            if (t == null || !int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int fd) || n != fd.ToString()) return null;
            var f = t.Fds.Get(fd);
            if (f == null) return null;
            ulong ino = ProcFilesystem.Ino($"{key}/{n}");
            if (info)
                return ProcFile.Text(fs, ino, () => FdInfo(t, fd), 0x124, t.Creds.Euid, t.Creds.Egid);
            return new ProcLink(fs, ino, () => LinkText(t, f), m => FdTarget(fs, m, f, ino), t.Creds.Euid, t.Creds.Egid);
        }
        return new ProcDir(fs, ProcFilesystem.Ino(key), Names, Lookup, info ? 0x16du : 0x140u /* dr-x------ */, T()?.Creds.Euid ?? 0, T()?.Creds.Egid ?? 0);
    }

    private static string LinkText(Task t, FileDescription f)
    {
        f.Stat(out var st);
        if (f is Pipe.PipeEnd) return $"pipe:[{st.Ino}]";
        if (f.Location is { } m && Syscalls.MemfdCalls.IsMemfd(m)) return $"/{m.Dentry.Name} (deleted)";
        if (f.Location is { } l) return VirtualFs.PathOf(l, t.Root);
        if (f is Host.HostFileDescription)
        {
            // The sandbox's stdio from the host: say what kind of file it is, not where it lives.
            uint type = st.Mode & FileMode.S_IFMT;
            ulong rdev = st.Rdev;
            uint major = (uint)((rdev >> 8) & 0xfff), minor = (uint)((rdev & 0xff) | ((rdev >> 12) & 0xfff00));
            return type switch
            {
                FileMode.S_IFIFO => $"pipe:[{st.Ino}]",
                FileMode.S_IFSOCK => $"socket:[{st.Ino}]",
                FileMode.S_IFCHR when major == 1 && minor == 3 => "/dev/null",
                FileMode.S_IFCHR when major == 136 => $"/dev/pts/{minor}",
                FileMode.S_IFCHR when major == 5 && minor == 0 => "/dev/tty",
                _ => "anon_inode:[stdio]",
            };
        }
        return f switch
        {
            Pipe.PipeEnd => $"pipe:[{st.Ino}]",
            Net.Socket => $"socket:[{st.Ino}]",
            Special.EventFd => "anon_inode:[eventfd]",
            Special.Epoll => "anon_inode:[eventpoll]",
            Special.SignalFd => "anon_inode:[signalfd]",
            Special.TimerFd => "anon_inode:[timerfd]",
            _ => "anon_inode:[" + f.GetType().Name.ToLowerInvariant() + "]",
        };
    }

    private static Location? FdTarget(ProcFilesystem fs, Mount m, FileDescription f, ulong ino)
    {
        if (f is Pipe.PipeEnd pe) return new Location(m, new Dentry($"pipe:[{ino}]", null, new PipeLinkInode(fs, pe.Pipe, ino)));
        if (f is Host.HostFileDescription h && f.Location == null) return new Location(m, new Dentry("stdio", null, new HostStdioInode(fs, h, ino)));
        return f.Location;
    }

    private static string FdInfo(Task t, int fd)
    {
        var f = t.Fds.Get(fd);
        if (f == null) return "";
        long pos = f.Positional ? Math.Max(0, f.Seek(0, Linux.Abi.Seek.CUR)) : 0;
        int flags = f.Flags | (t.Fds.GetCloexec(fd) ? OpenFlags.O_CLOEXEC : 0);
        return $"pos:\t{pos}\nflags:\t0{Convert.ToString(flags, 8)}\nmnt_id:\t{(f.Location is { } l ? MountId(t.Kernel, l.Mount) : 0)}\nino:\t{(f.Stat(out var st) == 0 ? st.Ino : 0)}\n";
    }

    internal static int MountId(Kernel.Kernel k, Mount m)
    {
        var all = k.Vfs.Mounts;
        for (int i = 0; i < all.Count; i++) if (all[i] == m) return 20 + i;
        return 0;
    }

    private static char State(ThreadGroup g, Task? t)
    {
        if (g.Zombie) return 'Z';
        if (g.Stopped) return 'T';
        if (t != null && (t.InApp || t == Task.Current)) return 'R';
        return 'S';
    }

    private static (long User, long Sys) Cpu(ThreadGroup g, Task? t)
    {
        if (g.Zombie) return (0, 0);
        var space = (t ?? TaskOf(g, null))?.MM.Platform;
        return Kernel.Kernel.ProcessCpuTicks(g, space);
    }

    private static ulong VmSize(MemoryManager? mm) => mm == null ? 0 : (ulong)mm.Vmas.Sum(v => (long)v.Length);

    private static ulong Rss(MemoryManager? mm)
    {
        if (mm == null) return 0;
        ulong n = 0;
        foreach (var v in mm.Vmas) n += mm.File.PopulatedBytes(v.FileOffset, v.Length);
        return n;
    }

    private static string StatLine(Kernel.Kernel k, ThreadGroup g, Task? thread)
    {
        var t = TaskOf(g, thread);
        int ppid, pgid, sid, threads, ttyNr = 0, ttyPgrp = -1;
        lock (k.Lock)
        {
            ppid = g.Parent?.Tgid ?? 0; pgid = g.Pgid; sid = g.Sid; threads = Math.Max(1, g.Tasks.Count);
            if (g.Tty is { } tty) { ttyNr = tty.TtyNr; ttyPgrp = tty.Pgrp; }
        }
        var (ut, st) = Cpu(g, t);
        var mm = g.Zombie ? null : t?.MM;
        long start = (long)((t?.StartTime ?? k.BootTime) - k.BootTime).TotalSeconds * 100;
        ulong pending = t?.Pending.Mask ?? 0, blocked = t?.SignalMask ?? 0;
        ulong ignored = 0, caught = 0;
        for (int s = 1; s <= Signals.NSIG; s++)
        {
            var h = g.Handlers.Actions[s].Handler;
            if (h == SigAction.SIG_IGN) ignored |= 1UL << (s - 1);
            else if (h > SigAction.SIG_IGN) caught |= 1UL << (s - 1);
        }
        int id = thread?.Tid ?? g.Tgid;
        string comm = t?.Comm ?? "";
        var sb = new StringBuilder();
        sb.Append(id).Append(" (").Append(comm).Append(") ").Append(State(g, t)).Append(' ')
          .Append(ppid).Append(' ').Append(pgid).Append(' ').Append(sid).Append(' ').Append(ttyNr).Append(' ').Append(ttyPgrp).Append(" 4194304 0 0 0 0 ")
          .Append(ut).Append(' ').Append(st).Append(' ').Append(g.ChildUserTicks).Append(' ').Append(g.ChildSysTicks)
          .Append(" 20 0 ").Append(threads).Append(" 0 ").Append(start).Append(' ').Append(VmSize(mm)).Append(' ')
          .Append(Rss(mm) / Layout.PageSize).Append(" 18446744073709551615 0 0 ").Append(mm?.ArgStart ?? 0).Append(" 0 0 ")
          .Append(pending & 0xffffffffffff).Append(' ').Append(blocked).Append(' ').Append(ignored).Append(' ').Append(caught)
          .Append(" 0 0 0 ").Append(g.ExitSignal).Append(" 0 0 0 0 0 0 0 0 ").Append(mm?.BrkStart ?? 0).Append(' ')
          .Append(mm?.ArgStart ?? 0).Append(' ').Append(mm?.ArgEnd ?? 0).Append(' ').Append(mm?.EnvStart ?? 0).Append(' ')
          .Append(mm?.EnvEnd ?? 0).Append(' ').Append(g.Zombie ? g.FinalStatus.Code << 8 | g.FinalStatus.Signal : 0).Append('\n');
        return sb.ToString();
    }

    private static string Status(Kernel.Kernel k, ThreadGroup g, Task? thread)
    {
        var t = TaskOf(g, thread);
        int ppid, threads;
        lock (k.Lock) { ppid = g.Parent?.Tgid ?? 0; threads = Math.Max(1, g.Tasks.Count); }
        var c = t?.Creds ?? new Credentials();
        var mm = g.Zombie ? null : t?.MM;
        char st = State(g, t);
        string stName = st switch { 'R' => "R (running)", 'T' => "T (stopped)", 'Z' => "Z (zombie)", _ => "S (sleeping)" };
        ulong ignored = 0, caught = 0;
        for (int s = 1; s <= Signals.NSIG; s++)
        {
            var h = g.Handlers.Actions[s].Handler;
            if (h == SigAction.SIG_IGN) ignored |= 1UL << (s - 1);
            else if (h > SigAction.SIG_IGN) caught |= 1UL << (s - 1);
        }
        ulong vm = VmSize(mm) / 1024, rss = Rss(mm) / 1024;
        int id = thread?.Tid ?? g.Tgid;
        int cpus = Environment.ProcessorCount;
        var sb = new StringBuilder();
        sb.Append($"Name:\t{t?.Comm}\nUmask:\t{Convert.ToString(t?.Umask ?? 0, 8).PadLeft(4, '0')}\nState:\t{stName}\nTgid:\t{g.Tgid}\nNgid:\t0\nPid:\t{id}\nPPid:\t{ppid}\nTracerPid:\t0\n");
        sb.Append($"Uid:\t{c.Uid}\t{c.Euid}\t{c.Suid}\t{c.Fsuid}\nGid:\t{c.Gid}\t{c.Egid}\t{c.Sgid}\t{c.Fsgid}\nFDSize:\t{Math.Max(64, (t?.Fds.HighestFd() ?? 0) + 1)}\n");
        sb.Append("Groups:\t").Append(string.Join(' ', c.Groups)).Append(c.Groups.Length > 0 ? " \n" : "\n");
        sb.Append($"NStgid:\t{g.Tgid}\nNSpid:\t{id}\nNSpgid:\t{g.Pgid}\nNSsid:\t{g.Sid}\n");
        if (mm != null)
            sb.Append($"VmPeak:\t{vm,8} kB\nVmSize:\t{vm,8} kB\nVmLck:\t{0,8} kB\nVmPin:\t{0,8} kB\nVmHWM:\t{rss,8} kB\nVmRSS:\t{rss,8} kB\nRssAnon:\t{rss,8} kB\nRssFile:\t{0,8} kB\nRssShmem:\t{0,8} kB\nVmData:\t{vm,8} kB\nVmStk:\t{132,8} kB\nVmExe:\t{0,8} kB\nVmLib:\t{0,8} kB\nVmPTE:\t{0,8} kB\nVmSwap:\t{0,8} kB\n");
        sb.Append($"Threads:\t{threads}\nSigQ:\t0/{g.Rlimits[Rlimit.SIGPENDING].Cur}\nSigPnd:\t{t?.Pending.Mask ?? 0:x16}\nShdPnd:\t{g.SharedPending.Mask:x16}\n");
        sb.Append($"SigBlk:\t{t?.SignalMask ?? 0:x16}\nSigIgn:\t{ignored:x16}\nSigCgt:\t{caught:x16}\n");
        sb.Append($"CapInh:\t{c.CapInheritable:x16}\nCapPrm:\t{c.CapPermitted:x16}\nCapEff:\t{c.CapEffective:x16}\nCapBnd:\t{c.CapBounding:x16}\nCapAmb:\t{c.CapAmbient:x16}\n");
        sb.Append($"NoNewPrivs:\t{(t?.NoNewPrivs == true ? 1 : 0)}\nSeccomp:\t{t?.SeccompMode ?? 0}\nSeccomp_filters:\t{t?.SeccompFilter?.Count ?? 0}\n");
        sb.Append($"Cpus_allowed:\t{(cpus >= 64 ? ulong.MaxValue : (1UL << cpus) - 1):x}\nCpus_allowed_list:\t0-{cpus - 1}\n");
        sb.Append("voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
        return sb.ToString();
    }

    private static string Statm(Task? t)
    {
        var mm = t?.MM;
        return $"{VmSize(mm) / Layout.PageSize} {Rss(mm) / Layout.PageSize} 0 0 0 {VmSize(mm) / Layout.PageSize} 0\n";
    }

    private static byte[] ReadStrings(Task? t, bool env)
    {
        var mm = t?.MM;
        if (mm == null) return Array.Empty<byte>();
        ulong start = env ? mm.EnvStart : mm.ArgStart, end = env ? mm.EnvEnd : mm.ArgEnd;
        if (end <= start || end - start > (4 << 20)) return Array.Empty<byte>();
        var buf = new byte[end - start];
        return mm.CopyIn(start, buf) == 0 ? buf : Array.Empty<byte>();
    }

    private static string Maps(Task? t, bool smaps)
    {
        var mm = t?.MM;
        if (mm == null) return "";
        var sb = new StringBuilder();
        foreach (var v in mm.Vmas)
        {
            char r = (v.Prot & Prot.READ) != 0 ? 'r' : '-', w = (v.Prot & Prot.WRITE) != 0 ? 'w' : '-', x = (v.Prot & Prot.EXEC) != 0 ? 'x' : '-';
            string line = $"{v.Start:x8}-{v.End:x8} {r}{w}{x}{(v.Shared ? 's' : 'p')} 00000000 00:00 0";
            sb.Append(line);
            if (v.Name != null) sb.Append(' ', Math.Max(1, 73 - line.Length)).Append(v.Name);
            sb.Append('\n');
            if (smaps)
            {
                ulong rss = mm.File.PopulatedBytes(v.FileOffset, v.Length) / 1024;
                sb.Append($"Size:           {v.Length / 1024,8} kB\nKernelPageSize: {4,8} kB\nMMUPageSize:    {4,8} kB\nRss:            {rss,8} kB\nPss:            {rss,8} kB\n");
                sb.Append($"Shared_Clean:   {0,8} kB\nShared_Dirty:   {0,8} kB\nPrivate_Clean:  {0,8} kB\nPrivate_Dirty:  {rss,8} kB\nReferenced:     {rss,8} kB\nAnonymous:      {rss,8} kB\nSwap:           {0,8} kB\nLocked:         {0,8} kB\n");
                sb.Append($"VmFlags: {(r == 'r' ? "rd " : "")}{(w == 'w' ? "wr " : "")}{(x == 'x' ? "ex " : "")}mr mw me{(v.GrowsDown ? " gd" : "")}\n");
            }
        }
        return sb.ToString();
    }

    private static readonly (int Res, string Name, string Unit)[] LimitNames =
    {
        (Rlimit.CPU, "Max cpu time", "seconds"), (Rlimit.FSIZE, "Max file size", "bytes"), (Rlimit.DATA, "Max data size", "bytes"),
        (Rlimit.STACK, "Max stack size", "bytes"), (Rlimit.CORE, "Max core file size", "bytes"), (Rlimit.RSS, "Max resident set", "bytes"),
        (Rlimit.NPROC, "Max processes", "processes"), (Rlimit.NOFILE, "Max open files", "files"), (Rlimit.MEMLOCK, "Max locked memory", "bytes"),
        (Rlimit.AS, "Max address space", "bytes"), (Rlimit.LOCKS, "Max file locks", "locks"), (Rlimit.SIGPENDING, "Max pending signals", "signals"),
        (Rlimit.MSGQUEUE, "Max msgqueue size", "bytes"), (Rlimit.NICE, "Max nice priority", ""), (Rlimit.RTPRIO, "Max realtime priority", ""),
        (Rlimit.RTTIME, "Max realtime timeout", "us"),
    };

    private static string Limits(ThreadGroup g)
    {
        static string V(ulong v) => v == Rlimit.Infinity ? "unlimited" : v.ToString();
        var sb = new StringBuilder($"{"Limit",-25} {"Soft Limit",-20} {"Hard Limit",-20} {"Units",-10}\n");
        foreach (var (res, name, unit) in LimitNames)
            sb.Append($"{name,-25} {V(g.Rlimits[res].Cur),-20} {V(g.Rlimits[res].Max),-20} {unit,-10}".TrimEnd()).Append('\n');
        return sb.ToString();
    }
}
