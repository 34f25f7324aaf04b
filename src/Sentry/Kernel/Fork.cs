using Sandbox.Linux;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Platform;

namespace Sandbox.Sentry.Kernel;

/// <summary>The arguments of clone(2)/clone3(2) after decoding.</summary>
public sealed class CloneArgs
{
    public ulong Flags;
    public int ExitSignal;
    public ulong Stack;
    public ulong ParentTid;
    public ulong ChildTid;
    public ulong Tls;
}

public static class CloneFlags
{
    public const ulong CSIGNAL = 0xff, VM = 0x100, FS = 0x200, FILES = 0x400, SIGHAND = 0x800, PIDFD = 0x1000,
        PTRACE = 0x2000, VFORK = 0x4000, PARENT = 0x8000, THREAD = 0x10000, NEWNS = 0x20000, SYSVSEM = 0x40000,
        SETTLS = 0x80000, PARENT_SETTID = 0x100000, CHILD_CLEARTID = 0x200000, DETACHED = 0x400000,
        UNTRACED = 0x800000, CHILD_SETTID = 0x1000000, NEWCGROUP = 0x2000000, NEWUTS = 0x4000000,
        NEWIPC = 0x8000000, NEWUSER = 0x10000000, NEWPID = 0x20000000, NEWNET = 0x40000000, IO = 0x80000000,
        CLEAR_SIGHAND = 0x100000000, INTO_CGROUP = 0x200000000;
}

public sealed partial class Kernel
{
    /// <summary>
    /// clone: a new task, as a new process or a thread of this one. Returns the child's tid or
    /// -errno. The child runs on its own OS thread; a vfork parent waits here for it.
    /// </summary>
    public long Clone(Task parent, CloneArgs a)
    {
        ulong f = a.Flags;
        bool thread = (f & CloneFlags.THREAD) != 0;
        if (thread && (f & CloneFlags.SIGHAND) == 0) return -(long)Errno.EINVAL;
        if ((f & CloneFlags.SIGHAND) != 0 && (f & CloneFlags.VM) == 0) return -(long)Errno.EINVAL;
        if ((f & CloneFlags.FS) != 0 && (f & CloneFlags.NEWNS) != 0) return -(long)Errno.EINVAL;
        if (thread && a.ExitSignal != 0) return -(long)Errno.EINVAL;
        if ((f & (CloneFlags.NEWNS | CloneFlags.NEWUTS | CloneFlags.NEWIPC | CloneFlags.NEWUSER | CloneFlags.NEWPID | CloneFlags.NEWNET | CloneFlags.NEWCGROUP)) != 0)
        {
            Debug($"task {parent.Tid}: clone with new namespaces (0x{f:x}) is not supported");
            return -(long)Errno.EPERM;
        }

        int tid = AllocateTid();
        if (tid < 0) return tid;

        // What the child shares or copies.
        MemoryManager mm;
        IContext? ctx = null;
        if ((f & CloneFlags.VM) != 0)
        {
            mm = parent.MM;
            try { ctx = mm.Platform!.NewThreadContext(); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Debug($"task {parent.Tid}: cannot create a thread: {e.Message}");
                return -(long)Errno.EAGAIN;
            }
            mm.AddUser();
        }
        else
        {
            try { mm = parent.MM.Fork(); }
            catch (OutOfMemoryException) { return -(long)Errno.ENOMEM; }
        }
        var fds = parent.Fds;
        if ((f & CloneFlags.FILES) != 0) fds.AddUser(); else fds = fds.Fork();
        var fs = (f & CloneFlags.FS) != 0 ? parent.Fs : parent.Fs.Clone();

        ThreadGroup group;
        lock (Lock)
        {
            if (thread) group = parent.Group;
            else
            {
                group = new ThreadGroup(this, tid)
                {
                    Parent = (f & CloneFlags.PARENT) != 0 && parent.Group.Parent != null ? parent.Group.Parent : parent.Group,
                    Pgid = parent.Group.Pgid,
                    Sid = parent.Group.Sid,
                    Tty = parent.Group.Tty,
                    Rlimits = parent.Group.Rlimits.Clone(),
                    ExitSignal = a.ExitSignal,
                    ExecPath = parent.Group.ExecPath,
                    Container = parent.Group.Container,
                };
                group.Handlers = (f & CloneFlags.SIGHAND) != 0 ? parent.Group.Handlers : parent.Group.Handlers.Clone();
                if ((f & CloneFlags.CLEAR_SIGHAND) != 0)
                    for (int s = 1; s <= Signals.NSIG; s++)
                        if (group.Handlers.Actions[s].Handler > SigAction.SIG_IGN) group.Handlers.Actions[s] = default;
                group.Parent.Children.Add(group);
            }
        }

        var child = new Task(this, tid, group, mm, fds, fs, parent.Creds)
        {
            SignalMask = parent.SignalMask,
            Comm = parent.Comm,
            Dumpable = parent.Dumpable,
            NoNewPrivs = parent.NoNewPrivs,
            SeccompMode = parent.SeccompMode,
            SeccompFilter = parent.SeccompFilter,
            Affinity = parent.Affinity,
        };
        child.Regs = parent.Regs;
        child.Regs.Rax = 0;
        child.Regs.OrigRax = ulong.MaxValue;
        if (a.Stack != 0) child.Regs.Rsp = a.Stack;
        if ((f & CloneFlags.SETTLS) != 0) child.Regs.FsBase = a.Tls;
        // A new thread sharing the stack of a vfork parent keeps the parent's altstack (clone(2)).
        if ((f & (CloneFlags.VM | CloneFlags.VFORK)) != CloneFlags.VM) child.AltStack = parent.AltStack;
        if ((f & CloneFlags.CHILD_CLEARTID) != 0) child.ClearChildTid = a.ChildTid;

        if ((f & CloneFlags.PARENT_SETTID) != 0 && parent.MM.Write(a.ParentTid, tid) < 0) { /* Linux ignores the fault here */ }
        if ((f & CloneFlags.CHILD_SETTID) != 0) mm.Write(a.ChildTid, tid);

        TaskCompletionSource? vfork = null;
        if ((f & CloneFlags.VFORK) != 0) child.VforkDone = vfork = new TaskCompletionSource();

        Register(child);
        StraceLine($"[pid {parent.Tid}] clone -> {(thread ? "thread" : "process")} {tid}");
        Start(child, () =>
        {
            if (ctx != null)
            {
                ctx.Attach();
                child.Context = ctx;
                return true;
            }
            var space = Platform.NewAddressSpace(MemoryFile);
            Debug($"task {tid}: stub ready");
            child.Context = space.MainContext;
            bool ok = mm.AttachPlatform(space) >= 0;
            Debug($"task {tid}: {mm.Vmas.Count} mappings in place");
            return ok;
        });

        if (vfork != null)
        {
            // The parent sleeps until the child execs or exits; signals are held until then.
            vfork.Task.Wait();
        }
        return tid;
    }
}
