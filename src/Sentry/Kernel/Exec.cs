using System.Text;
using Sandbox.Linux;
using Sandbox.Sentry.Loader;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Sentry.Kernel;

/// <summary>execve(2): a new program in a new address space; the old one is left intact on failure.</summary>
public static class Exec
{
    private const int MaxInterpreterDepth = 4;
    private const int BinprmBufSize = 256;

    public static int Run(Task t, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, out ExecError error)
    {
        var args = argv.ToList();
        string file = path;
        // #! scripts (binfmt_script): the interpreter runs with the script as an argument.
        for (int depth = 0; ; depth++)
        {
            int r = ReadShebang(t, file, out string? interp, out string? interpArg, out error);
            if (r < 0) return r;
            if (interp == null) break;
            if (depth >= MaxInterpreterDepth) { error = new ExecError(-(int)Errno.ELOOP, $"{path}: too many levels of #! interpreters"); return -(int)Errno.ELOOP; }
            var next = new List<string> { interp };
            if (interpArg != null) next.Add(interpArg);
            next.Add(file);
            next.AddRange(args.Skip(1));
            args = next;
            file = interp;
        }

        var mm = new MemoryManager(t.Kernel.MemoryFile);
        IAddressSpace space;
        t.Kernel.Debug($"task {t.Tid}: exec: new address space");
        try { space = t.Kernel.Platform.NewAddressSpace(t.Kernel.MemoryFile); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            mm.Dispose();
            error = new ExecError(-(int)Errno.ENOMEM, $"cannot create an address space: {e.Message}");
            return -(int)Errno.ENOMEM;
        }
        mm.Platform = space;
        t.Kernel.Debug($"task {t.Tid}: exec: stub ready");
        int lr = ElfLoader.Load(t, mm, space.MainContext, file, args, envp, out error, out var regs, out var creds, out var exe);
        if (lr < 0)
        {
            mm.Dispose();
            return lr;
        }

        // The point of no return. Every other thread of the process ends first (execve(2)).
        if (t.Group.Tasks.Count > 1)
        {
            lock (t.Kernel.Lock)
                foreach (var other in t.Group.Tasks)
                    if (other != t) { other.ExitThread(new ExitStatus(0, 0)); other.Interrupt(); }
            t.BlockUntil(() => { lock (t.Kernel.Lock) return t.Group.Tasks.Count == 1; }, -1, null, interruptible: false);
        }
        if (t.Tid != t.Tgid) t.Kernel.BecomeLeader(t);
        // Before the close-on-exec fds go: a parent waiting for that must see the exec done.
        t.Group.DidExec = true;
        var old = t.MM;
        if (old.Users > 1 && t.Context != null && !t.Context.Retire())
            t.Kernel.Debug($"task {t.Tid}: exec while other tasks share the address space of the process's first thread");
        t.MM = mm;
        t.Creds = creds;
        t.Context = space.MainContext;
        t.Regs = regs;
        old.Release();
        t.Fds.CloseOnExec();
        lock (t.Kernel.Lock)
        {
            // Handled signals go back to their default; ignored ones stay ignored (execve(2)).
            var handlers = new SignalHandlers();
            for (int s = 1; s <= Signals.NSIG; s++)
                if (t.Group.Handlers.Actions[s].Handler == SigAction.SIG_IGN) handlers.Actions[s].Handler = SigAction.SIG_IGN;
            t.Group.Handlers = handlers;
        }
        t.AltStack = new StackT { Flags = Linux.Abi.SigAltStack.SS_DISABLE };
        // POSIX timers do not survive exec (timer_create(2)); interval timers do.
        lock (t.Group)
        {
            foreach (var pt in t.Group.PosixTimers.Values) pt.Dispose();
            t.Group.PosixTimers.Clear();
        }
        t.ClearChildTid = 0;
        t.RobustList = 0;
        // /proc/PID/exe names the file by its absolute path (ld.so's $ORIGIN relies on it).
        t.ExecPath = Vfs.VirtualFs.PathOf(exe, t.Root);
        // The name given to execve, not the interpreter's for a #! script (bprm->filename).
        string name = System.IO.Path.GetFileName(path);
        t.Comm = name.Length > 15 ? name[..15] : name;
        t.VforkDone?.TrySetResult();
        t.VforkDone = null;
        t.Kernel.Debug($"task {t.Tid}: exec {file} entry=0x{regs.Rip:x} sp=0x{regs.Rsp:x} on {t.Kernel.Platform.Name}");
        return 0;
    }

    /// <summary>Reads a script's "#!interpreter [arg]" line; interp is null for anything else.</summary>
    private static int ReadShebang(Task t, string path, out string? interp, out string? arg, out ExecError error)
    {
        interp = arg = null;
        int r = ElfLoader.OpenExecutable(t, path, out var f, out error);
        if (r < 0) return r;
        try
        {
            var buf = new byte[BinprmBufSize];
            long n = f!.Read(buf, 0);
            if (n < 2 || buf[0] != '#' || buf[1] != '!') return 0;
            int end = Array.IndexOf(buf, (byte)'\n', 0, (int)n);
            if (end < 0) end = (int)n;
            string line = Encoding.UTF8.GetString(buf, 2, end - 2).Trim(' ', '\t', '\r');
            if (line.Length == 0) { error = new ExecError(-(int)Errno.ENOEXEC, $"{path}: empty #! line"); return -(int)Errno.ENOEXEC; }
            int sp = line.IndexOfAny(new[] { ' ', '\t' });
            if (sp < 0) interp = line;
            else
            {
                interp = line[..sp];
                string rest = line[sp..].Trim(' ', '\t');
                if (rest.Length > 0) arg = rest;
            }
            return 0;
        }
        finally { f!.DecRef(); }
    }
}
