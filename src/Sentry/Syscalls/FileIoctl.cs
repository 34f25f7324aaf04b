using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;

namespace Sandbox.Sentry.Syscalls;

/// <summary>ioctl: the generic commands here, the rest by the file.</summary>
internal static unsafe class FileIoctl
{
    public static void Register(delegate*<Task, long>[] t) => t[Sysno.Ioctl] = &IoctlCall;

    private static long IoctlCall(Task t)
    {
        int fd = (int)t.A0;
        uint cmd = (uint)t.A1;
        var f = t.Fds.Get(fd);
        if (f == null) return Err.EBADF;
        if ((f.Flags & OpenFlags.O_PATH) != 0) return Err.EBADF;
        switch (cmd)
        {
            case Ioctl.FIOCLEX: return t.Fds.SetCloexec(fd, true);
            case Ioctl.FIONCLEX: return t.Fds.SetCloexec(fd, false);
            case Ioctl.FIONBIO:
            {
                int r = t.MM.Read(t.A2, out int on);
                if (r < 0) return r;
                f.Flags = on != 0 ? f.Flags | OpenFlags.O_NONBLOCK : f.Flags & ~OpenFlags.O_NONBLOCK;
                return 0;
            }
            case Ioctl.FIONREAD:
            {
                if (f.Location is { } l && FileMode.IsReg(l.Inode.Mode))
                {
                    var inode = l.Inode;
                    // Regular files: bytes from the offset to the end (fs/ioctl.c).
                    inode.Stat(out var st);
                    long pos = f.Seek(0, Seek.CUR);
                    return t.MM.Write(t.A2, (int)Math.Max(0, st.Size - Math.Max(0, pos)));
                }
                return f.Ioctl(t, cmd, t.A2);
            }
            default:
                return f.Ioctl(t, cmd, t.A2);
        }
    }
}
