using System.Text;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Kernel;
using Sandbox.Sentry.Vfs;
using Sandbox.Sentry.Vfs.Tmp;

namespace Sandbox.Sentry.Syscalls;

/// <summary>memfd_create(2): an anonymous in-memory file, as on a tmpfs no path reaches.</summary>
internal static unsafe class MemfdCalls
{
    private const uint MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_HUGETLB = 4, MFD_NOEXEC_SEAL = 8, MFD_EXEC = 0x10;
    private const int NameMax = 249; // NAME_MAX minus "memfd:"

    /// <summary>The hidden filesystem memfds live on; /proc shows them as "/memfd:NAME (deleted)".</summary>
    internal sealed class MemfdFilesystem : Filesystem
    {
        private readonly TmpFilesystem _tmp = new();
        public MemfdFilesystem() { Dev = _tmp.Dev; Mount = new Mount(this, null, null, false); }
        public override string Type => "tmpfs";
        public override Inode Root => _tmp.Root;
        public Mount Mount { get; }
        public TmpFilesystem Tmp => _tmp;
    }

    private static MemfdFilesystem? _fs;
    private static MemfdFilesystem Fs => LazyInitializer.EnsureInitialized(ref _fs);

    public static void Register(delegate*<Task, long>[] t) => t[Sysno.MemfdCreate] = &MemfdCreate;

    private static long MemfdCreate(Task t)
    {
        uint flags = (uint)t.A1;
        if ((flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC)) != 0) return Err.EINVAL;
        if ((flags & MFD_NOEXEC_SEAL) != 0 && (flags & MFD_EXEC) != 0) return Err.EINVAL;
        if ((flags & MFD_HUGETLB) != 0) return Err.EINVAL; // no hugetlbfs in the sandbox
        Span<byte> buf = stackalloc byte[NameMax + 1];
        int n = t.MM.ReadCString(t.A0, NameMax, buf);
        if (n == -(int)Errno.ENAMETOOLONG) return Err.EINVAL;
        if (n < 0) return n;
        string name = Encoding.UTF8.GetString(buf.Slice(0, n));
        uint perm = (flags & MFD_NOEXEC_SEAL) != 0 ? 0x1b6u /* 0666 */ : 0x1ffu; // 0777
        var inode = new TmpInode(Fs.Tmp, FileMode.S_IFREG | perm, t.Creds.Fsuid, t.Creds.Fsgid);
        int r = inode.Open(OpenFlags.O_RDWR, out var file);
        if (r < 0) return r;
        file!.Flags = OpenFlags.O_RDWR | OpenFlags.O_LARGEFILE;
        file.Location = new Location(Fs.Mount, new Dentry("memfd:" + name, null, inode));
        int fd = t.Fds.Install(file, (flags & MFD_CLOEXEC) != 0);
        if (fd < 0) file.DecRef();
        return fd;
    }

    internal static bool IsMemfd(Location l) => l.Mount.Fs is MemfdFilesystem;
}
