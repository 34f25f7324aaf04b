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

    /// <summary>__container ROOTFS HOSTNAME PIDNS [OPTIONS...]: new mount, UTS and IPC namespaces;
    /// starts the container's init (__cinit ROOTFS OPTIONS..., the holder of those namespaces) and
    /// reports its pid. PIDNS 0: the init stays in this PID namespace (the VM's); a pid: it joins
    /// that process's (the pod's, made by __podpid).</summary>
    public static int Container(string[] a)
    {
        if (a.Length < 3 || !int.TryParse(a[2], out int pidns)) return Fail("usage: __container ROOTFS HOSTNAME PIDNS [OPTIONS...]", Native.EINVAL);
        if (pidns > 0)
        {
            int fd = Native.open($"/proc/{pidns}/ns/pid", Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0 || Native.setns(fd, Native.CLONE_NEWPID) != 0) return Fail("join the pod's PID namespace", Native.Errno);
            Native.close(fd);
        }
        if (Native.unshare(Native.CLONE_NEWNS | Native.CLONE_NEWUTS | Native.CLONE_NEWIPC) != 0)
            return Fail("unshare", Native.Errno);
        if (Native.mount(null, "/", null, Native.MS_REC | Native.MS_PRIVATE, null) != 0)
            return Fail("make / private", Native.Errno);
        var name = Encoding.UTF8.GetBytes(a[1]);
        fixed (byte* p = name)
            if (name.Length > 0 && Native.sethostname(p, name.Length) != 0) return Fail("sethostname", Native.Errno);
        int pid;
        try
        {
            pid = Native.Spawn("/proc/self/exe", ["/init", "__cinit", a[0], .. a[3..]], ["PATH=/bin"], [-1, -1, -1, Ctl], false, true);
        }
        catch (SpawnException e) { return Fail("spawn container init", e.Errno); }
        Report($"pid {pid}");
        return 0;
    }

    /// <summary>__podpid: a new PID namespace whose PID 1 is __pause (the pod's, as Kubernetes'
    /// pause container holds it); reports its pid.</summary>
    public static int PodPidNamespace()
    {
        if (Native.unshare(Native.CLONE_NEWPID) != 0) return Fail("unshare(CLONE_NEWPID)", Native.Errno);
        Native.SetCloexec(Ctl); // __pause must not hold the report pipe: the agent reads it to its end
        int pid;
        try { pid = Native.Spawn("/proc/self/exe", ["/init", "__pause"], ["PATH=/bin"], [-1, -1, -1], false, true); }
        catch (SpawnException e) { return Fail("spawn the pod's PID 1", e.Errno); }
        Report($"pid {pid}");
        return 0;
    }

    /// <summary>__pause: PID 1 of the pod's PID namespace; reaps the orphans reparented to it.</summary>
    public static int Pause() => ReapForever();

    static int ReapForever()
    {
        int st;
        while (true)
        {
            if (Native.waitpid(-1, &st, 0) < 0 && Native.Errno == Native.ECHILD) Thread.Sleep(500);
        }
    }

    /// <summary>__cinit ROOTFS [--writable] [--readonly-root] [--bind SRC DST ro|rw]... [--sysctl K=V]...
    /// [--mask PATH]... [--ro PATH]...: the holder of a container's namespaces and root. Mounts
    /// /proc, a minimal /dev and a /tmp under ROOTFS (under an overlay of it with --writable),
    /// makes the binds, writes the sysctls, masks and write-protects the paths, chroots there,
    /// reports "ready" and then only waits.</summary>
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
        return ReapForever();
    }

    /// <summary>__exec CINITPID PIDNS CWD SECURITY(7 args) PROGRAM ARGS...: enters the container of
    /// CINITPID (its namespaces and root) and the PID namespace of PIDNS (a pid), takes the
    /// container's identity and privileges (Security.Apply), starts PROGRAM there with this
    /// process's environment and stdio, reports its pid, waits and reports its status. PIDNS "new":
    /// PROGRAM is PID 1 of a new PID namespace (started through __pid1, which mounts that
    /// namespace's /proc first). __exec-tty: stdio is a terminal; this process (a session leader,
    /// spawned so by the agent) makes it its controlling terminal and PROGRAM becomes the
    /// terminal's foreground process group.</summary>
    public static int Exec(string[] a, bool tty)
    {
        if (a.Length < 4 + Security.ArgCount || !int.TryParse(a[0], out int cpid))
            return Fail("usage: __exec PID PIDNS CWD UID GID GROUPS CAPS AMBIENT NNP SECCOMP PROGRAM ARGS...", Native.EINVAL);
        bool newPidNs = a[1] == "new";
        int pidns = 0;
        if (!newPidNs && !int.TryParse(a[1], out pidns)) return Fail($"bad PID namespace {a[1]}", Native.EINVAL);
        string[] securityArgs = a[3..(3 + Security.ArgCount)];
        var security = Security.FromArgs(securityArgs);
        string cwd = a[2];
        string[] argv = a[(3 + Security.ArgCount)..];
        string[] procPaths = [];
        if (newPidNs)
        {
            int end = Array.IndexOf(argv, "--");
            if (end < 0) return Fail("__exec PID new: the /proc path options end with --", Native.EINVAL);
            procPaths = argv[..(end + 1)];
            argv = argv[(end + 1)..];
        }
        if (argv.Length == 0) return Fail("__exec: no program", Native.EINVAL);
        var fds = new List<int>();
        foreach (var ns in newPidNs ? ["ipc", "uts", "mnt"] : new[] { "ipc", "uts", "pid", "mnt" })
        {
            int fd = Native.open($"/proc/{(ns == "pid" ? pidns : cpid)}/ns/{ns}", Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (fd < 0) return Fail($"open the container's {ns} namespace", Native.Errno);
            fds.Add(fd);
        }
        int root = Native.open($"/proc/{cpid}/root", Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, 0);
        if (root < 0) return Fail("open the container's root", Native.Errno);
        // setns(CLONE_NEWNS) wants an fs_struct not shared with the runtime's other threads.
        if (Native.unshare(Native.CLONE_FS) != 0) return Fail("unshare(CLONE_FS)", Native.Errno);
        foreach (var fd in fds)
            if (Native.setns(fd, 0) != 0) return Fail("setns", Native.Errno);
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            env.Add($"{e.Key}={e.Value}");
        if (tty && Native.ioctl(0, Native.TIOCSCTTY, null) != 0) return Fail("TIOCSCTTY", Native.Errno);
        if (newPidNs) return StartPid1(root, cwd, securityArgs, procPaths, argv, env, tty);
        if (Native.fchdir(root) != 0 || Native.chroot(".") != 0) return Fail("enter the container's root", Native.Errno);
        if (Native.chdir(cwd) != 0) return Fail($"cwd {cwd}", Native.Errno, 126);
        if (Security.Apply(security) is { } what) return Fail(what, Native.Errno);
        int pid;
        try
        {
            pid = Native.Spawn(argv[0], argv, env, [0, 1, 2], !argv[0].Contains('/'), newSession: !tty, foregroundGroup: tty);
        }
        catch (SpawnException e)
        {
            return Fail(argv[0], e.Errno, e.Errno is Native.ENOENT ? 127 : 126);
        }
        return WaitAndReport(pid);
    }

    static int WaitAndReport(int pid)
    {
        Report($"pid {pid}");
        int st;
        while (Native.waitpid(pid, &st, 0) < 0)
            if (Native.Errno != Native.EINTR) return Fail("waitpid", Native.Errno);
        Report($"status {st}");
        return Native.DecodeStatus(st).Code;
    }

    /// <summary>The first process of a new PID namespace is its PID 1, so __pid1 starts there and
    /// becomes the program by execve (runc's init does the same). It reports failures on its
    /// own pipe, which closes on a successful execve: only then is the pid reported.</summary>
    static int StartPid1(int root, string cwd, string[] securityArgs, string[] procPaths, string[] argv, List<string> env, bool tty)
    {
        if (Native.unshare(Native.CLONE_NEWPID) != 0) return Fail("unshare(CLONE_NEWPID)", Native.Errno);
        var sync = Native.Pipe();
        int pid;
        try
        {
            pid = Native.Spawn("/proc/self/exe", ["/init", "__pid1", cwd, .. securityArgs, .. procPaths, .. argv], env, [0, 1, 2, sync.Write, root],
                false, newSession: !tty, foregroundGroup: tty);
        }
        catch (SpawnException e) { return Fail("spawn the container's PID 1", e.Errno); }
        finally { Native.close(sync.Write); }
        string? failed = Native.ReadLine(sync.Read);
        Native.close(sync.Read);
        if (failed is not null)
        {
            Report(failed);
            int st;
            Native.waitpid(pid, &st, 0);
            return 125;
        }
        return WaitAndReport(pid);
    }

    /// <summary>__pid1 CWD SECURITY(7 args) [--mask P | --ro P]... -- PROGRAM ARGS... with fd 3 the error pipe and fd 4 the
    /// container's root: PID 1 of the container's own PID namespace. Replaces the container's
    /// /proc (mounted by __cinit in the VM's namespace) by one of this namespace, masks and
    /// write-protects the /proc paths again, then enters CWD, takes the container's security
    /// and execs PROGRAM.</summary>
    public static int Pid1(string[] a)
    {
        int end = Array.IndexOf(a, "--");
        if (a.Length < 1 + Security.ArgCount || end < 1 + Security.ArgCount || end == a.Length - 1)
            return Fail("usage: __pid1 CWD SECURITY [PATH OPTIONS...] -- PROGRAM ARGS...", Native.EINVAL);
        var paths = ContainerFs.Options.Parse(a.AsSpan((1 + Security.ArgCount)..end));
        const int Root = 4;
        if (Native.fchdir(Root) != 0 || Native.chroot(".") != 0) return Fail("enter the container's root", Native.Errno);
        Native.close(Root);
        if (Directory.Exists("/proc"))
        {
            Native.umount2("/proc", Native.MNT_DETACH);
            if (Native.mount("proc", "/proc", "proc", Native.MS_NOSUID | Native.MS_NODEV | Native.MS_NOEXEC, null) != 0)
                return Fail("mount /proc", Native.Errno);
            if (ContainerFs.ApplyPaths("", paths) is { } failed) return Fail(failed, Native.Errno);
        }
        if (Native.chdir(a[0]) != 0) return Fail($"cwd {a[0]}", Native.Errno, 126);
        if (Security.Apply(Security.FromArgs(a.AsSpan(1, Security.ArgCount))) is { } what) return Fail(what, Native.Errno);
        string[] argv = a[(end + 1)..];
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            env.Add($"{e.Key}={e.Value}");
        int errno = Native.Exec(argv[0], argv, env, closeOnExec: Ctl);
        return Fail(argv[0], errno, errno is Native.ENOENT ? 127 : 126);
    }
}
