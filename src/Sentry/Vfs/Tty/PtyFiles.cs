using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Vfs.Tty;

/// <summary>An open master (what posix_openpt(3) returns).</summary>
public sealed class MasterFile : FileDescription
{
    public MasterFile(Pty pty) { Pty = pty; }
    public Pty Pty { get; }

    public override long Read(Span<byte> dst, long offset) => Readable ? Pty.MasterRead(dst, NonBlocking) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> src, long offset) => Writable ? Pty.MasterWrite(src, NonBlocking) : -(long)Errno.EBADF;
    public override short Readiness(short events) => Pty.MasterReadiness(events);
    public override WaitQueue? ReadinessQueue => Pty.Queue;
    public override long Available() { lock (Pty.Lock) return Pty.Ld.OutputCount; }
    public override long Ioctl(Task task, uint cmd, ulong arg) => TtyIoctl.Handle(task, Pty, master: true, cmd, arg);
    protected override void Release() => Pty.CloseMaster();
}

/// <summary>An open replica (/dev/pts/N, or /dev/tty naming the controlling terminal).</summary>
public sealed class ReplicaFile : FileDescription
{
    public ReplicaFile(Pty pty) { Pty = pty; }
    public Pty Pty { get; }

    public override long Read(Span<byte> dst, long offset) => Readable ? Pty.ReplicaRead(Task.Current, dst, NonBlocking) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> src, long offset) => Writable ? Pty.ReplicaWrite(Task.Current, src, NonBlocking) : -(long)Errno.EBADF;
    public override short Readiness(short events) => Pty.ReplicaReadiness(events);
    public override WaitQueue? ReadinessQueue => Pty.Queue;
    public override long Available() { lock (Pty.Lock) return Pty.Ld.Readable; }
    public override long Ioctl(Task task, uint cmd, ulong arg) => TtyIoctl.Handle(task, Pty, master: false, cmd, arg);

    public override int Stat(out Stat st) => Location is { } l ? l.Inode.Stat(out st) : Pty.Inode.Stat(out st);

    protected override void Release() => Pty.CloseReplica();
}
