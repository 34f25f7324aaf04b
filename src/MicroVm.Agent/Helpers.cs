using System.Text;

namespace Sandbox.MicroVm.Agent;

/// <summary>The short-lived helper processes (the agent binary re-executed). Each reports to the
/// agent on fd 3, one line per fact: "pid N", "ready", "status S" (raw wait status) or
/// "error ERRNO text".</summary>
internal static unsafe class Helpers
{
    const int Ctl = 3;

    static void Report(string line) => Native.WriteAll(Ctl, Encoding.UTF8.GetBytes(line + "\n"));

    static int Fail(string what, int errno, int exit = 125)
    {
        try { Report($"error {errno} {what}: {Native.ErrText(errno)}"); } catch (IOException) { }
        return exit;
    }

    /// <summary>__container ROOTFS HOSTNAME [OPTIONS...]: new mount, UTS, IPC and PID namespaces;
    /// starts the container's init (PID 1 there, __cinit ROOTFS OPTIONS...) and reports its pid.</summary>
    public static int Container(string[] a)
    {
        if (a.Length < 2) return Fail("usage: __container ROOTFS HOSTNAME [OPTIONS...]", Native.EINVAL);
        if (Native.unshare(Native.CLONE_NEWNS | Native.CLONE_NEWUTS | Native.CLONE_NEWIPC | Native.CLONE_NEWPID) != 0)
            return Fail("unshare", Native.Errno);
        if (Native.mount(null, "/", null, Native.MS_REC | Native.MS_PRIVATE, null) != 0)
            return Fail("make / private", Native.Errno);
        var name = Encoding.UTF8.GetBytes(a[1]);
        fixed (byte* p = name)
            if (name.Length > 0 && Native.sethostname(p, name.Length) != 0) return Fail("sethostname", Native.Errno);
        int pid;
        try
        {
            pid = Native.Spawn("/proc/self/exe", ["/init", "__cinit", a[0], .. a[2..]], ["PATH=/bin"], [-1, -1, -1, Ctl], false, true);
        }
        catch (SpawnException e) { return Fail("spawn container init", e.Errno); }
        Report($"pid {pid}");
        return 0;
    }

    /// <summary>__cinit ROOTFS [--writable] [--readonly-root] [--bind SRC DST ro|rw]... [--sysctl K=V]...
    /// [--mask PATH]... [--ro PATH]...: PID 1 of a container. Mounts /proc, a minimal /dev and a
    /// /tmp under ROOTFS (under an overlay of it with --writable), makes the binds, writes the
    /// sysctls, masks and write-protects the paths, chroots
    /// there, reports "ready" and then only reaps orphans.</summary>
    public static int ContainerInit(string[] a)
    {
        string r = a[0].TrimEnd('/');   // "" for the initramfs itself
        if (!Directory.Exists(r.Length == 0 ? "/" : r)) return Fail($"rootfs {a[0]}", Native.ENOENT);
        var opts = ContainerFs.Options.Parse(a.AsSpan(1));
        if (opts.Writable)
        {
            if (ContainerFs.WritableRoot(r.Length == 0 ? "/" : r, out var merged) is { } why) return Fail(why, Native.Errno);
            r = merged;
        }
        if (Directory.Exists(r + "/proc") && Native.mount("proc", r + "/proc", "proc", Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC, null) != 0)
            return Fail("mount /proc", Native.Errno);
        // sysfs read-only, as runc mounts it for a container (brctl, ip, ... read /sys/class/net).
        // EBUSY: the root is the initramfs (--share none), whose /sys already holds this sysfs.
        if (Directory.Exists(r + "/sys") && Native.mount("sysfs", r + "/sys", "sysfs", Native.MS_RDONLY | Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC, null) != 0
            && Native.Errno != Native.EBUSY)
            return Fail("mount /sys", Native.Errno);
        if (Directory.Exists(r + "/dev"))
        {
            if (Native.mount("tmpfs", r + "/dev", "tmpfs", Native.MS_NOSUID | Native.MS_NOEXEC, "mode=755,size=64k") != 0)
                return Fail("mount /dev", Native.Errno);
            foreach (var (n, major, minor) in new[] { ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0) })
                if (Native.mknod($"{r}/dev/{n}", 0x2000 | 0x1b6 /* S_IFCHR | 0666 */, (ulong)((major << 8) | minor)) != 0)
                    return Fail($"mknod /dev/{n}", Native.Errno);
            Native.symlink("/proc/self/fd", r + "/dev/fd");
            Native.symlink("/proc/self/fd/0", r + "/dev/stdin");
            Native.symlink("/proc/self/fd/1", r + "/dev/stdout");
            Native.symlink("/proc/self/fd/2", r + "/dev/stderr");
            Directory.CreateDirectory(r + "/dev/shm");
            // the container's own pty instance: terminals of tty execs come from it
            Directory.CreateDirectory(r + "/dev/pts");
            if (Native.mount("devpts", r + "/dev/pts", "devpts", Native.MS_NOSUID | Native.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620") != 0)
                return Fail("mount /dev/pts", Native.Errno);
            Native.symlink("pts/ptmx", r + "/dev/ptmx");
        }
        foreach (var t in new[] { "/tmp", "/run" })
            if (Directory.Exists(r + t) && Native.mount("tmpfs", r + t, "tmpfs", Native.MS_NOSUID | Native.MS_NODEV, "mode=1777") != 0)
                return Fail($"mount {t}", Native.Errno);
        if (ContainerFs.ApplyBinds(r, opts) is { } bindFailed) return Fail(bindFailed, Native.Errno);
        if (ContainerFs.ApplyPaths(r, opts) is { } failed) return Fail(failed, Native.Errno);
        if (Native.chroot(r.Length == 0 ? "/" : r) != 0) return Fail("chroot", Native.Errno);
        Native.chdir("/");
        Report("ready");
        Native.close(Ctl);
        int st;
        while (true)
        {
            if (Native.waitpid(-1, &st, 0) < 0 && Native.Errno == Native.ECHILD) Thread.Sleep(500);
        }
    }

    /// <summary>__exec CINITPID CWD SECURITY(7 args) PROGRAM ARGS...: enters the container of
    /// CINITPID (its namespaces and root), takes the container's identity and privileges
    /// (Security.Apply), starts PROGRAM there with this process's environment and stdio, reports
    /// its pid, waits and reports its status. __exec-tty: stdio is a terminal; this process (a
    /// session leader, spawned so by the agent) makes it its controlling terminal and PROGRAM
    /// becomes the terminal's foreground process group.</summary>
    public static int Exec(string[] a, bool tty)
    {
        if (a.Length < 3 + Security.ArgCount || !int.TryParse(a[0], out int cpid))
            return Fail("usage: __exec PID CWD UID GID GROUPS CAPS AMBIENT NNP SECCOMP PROGRAM ARGS...", Native.EINVAL);
        var security = Security.FromArgs(a.AsSpan(2, Security.ArgCount));
        a = [a[0], a[1], .. a[(2 + Security.ArgCount)..]];
        var fds = new List<int>();
        foreach (var ns in new[] { "ipc", "uts", "pid", "mnt" })
        {
            int fd = Native.open($"/proc/{cpid}/ns/{ns}", Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0) return Fail($"open the container's {ns} namespace", Native.Errno);
            fds.Add(fd);
        }
        int root = Native.open($"/proc/{cpid}/root", Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (root < 0) return Fail("open the container's root", Native.Errno);
        // setns(CLONE_NEWNS) wants an fs_struct not shared with the runtime's other threads.
        if (Native.unshare(Native.CLONE_FS) != 0) return Fail("unshare(CLONE_FS)", Native.Errno);
        foreach (var fd in fds)
            if (Native.setns(fd, 0) != 0) return Fail("setns", Native.Errno);
        if (Native.fchdir(root) != 0 || Native.chroot(".") != 0) return Fail("enter the container's root", Native.Errno);
        if (Native.chdir(a[1]) != 0) return Fail($"cwd {a[1]}", Native.Errno, 126);
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            env.Add($"{e.Key}={e.Value}");
        if (tty && Native.ioctl(0, Native.TIOCSCTTY, null) != 0) return Fail("TIOCSCTTY", Native.Errno);
        if (Security.Apply(security) is { } what) return Fail(what, Native.Errno);
        int pid;
        try
        {
            pid = Native.Spawn(a[2], a[2..], env, [0, 1, 2], !a[2].Contains('/'), newSession: !tty, foregroundGroup: tty);
        }
        catch (SpawnException e)
        {
            return Fail(a[2], e.Errno, e.Errno is Native.ENOENT ? 127 : 126);
        }
        Report($"pid {pid}");
        int st;
        while (Native.waitpid(pid, &st, 0) < 0)
            if (Native.Errno != Native.EINTR) return Fail("waitpid", Native.Errno);
        Report($"status {st}");
        return Native.DecodeStatus(st).Code;
    }
}
