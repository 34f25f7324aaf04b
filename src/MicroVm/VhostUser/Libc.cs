using System.Runtime.InteropServices;

namespace Sandbox.MicroVm.VhostUser;

/// <summary>The libc calls of the vhost-user backend (fd passing, mappings, eventfds, TAP).</summary>
internal static unsafe partial class Libc
{
    const string L = "libc";
    public const int EINTR = 4, EAGAIN = 11;
    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    public const short POLLIN = 1;
    public const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;
    public const int O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public const int CLONE_NEWNET = 0x40000000;
    public const int F_GETFL = 3, F_SETFL = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec { public void* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name; public uint NameLen;
        public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int Fd; public short Events; public short REvents; }

    [LibraryImport(L, SetLastError = true)] public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport(L, SetLastError = true)] public static partial nint send(int fd, void* buf, nint len, int flags);
    [LibraryImport(L, SetLastError = true)] public static partial void* mmap(void* addr, nuint len, int prot, int flags, int fd, long off);
    [LibraryImport(L, SetLastError = true)] public static partial int munmap(void* addr, nuint len);
    [LibraryImport(L, SetLastError = true)] public static partial int close(int fd);
    [LibraryImport(L, SetLastError = true)] public static partial nint read(int fd, void* buf, nint len);
    [LibraryImport(L, SetLastError = true)] public static partial nint write(int fd, void* buf, nint len);
    [LibraryImport(L, SetLastError = true)] public static partial nint writev(int fd, IoVec* iov, int count);
    [LibraryImport(L, SetLastError = true)] public static partial nint readv(int fd, IoVec* iov, int count);
    [LibraryImport(L, SetLastError = true)] public static partial int fcntl(int fd, int cmd, int arg);
    [LibraryImport(L, SetLastError = true)] public static partial int poll(PollFd* fds, nuint n, int timeoutMs);
    [LibraryImport(L, SetLastError = true)] public static partial int eventfd(uint initval, int flags);
    [LibraryImport(L, SetLastError = true)] public static partial int ioctl(int fd, ulong req, void* arg);
    [LibraryImport(L, SetLastError = true)] public static partial int setns(int fd, int nstype);
    [LibraryImport(L, SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport(L, SetLastError = true)] public static partial int connect(int fd, void* addr, uint addrLen);
    [LibraryImport(L, SetLastError = true)] public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    [LibraryImport(L, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)] public static partial int open(string path, int flags, int mode);

    public static int Errno => Marshal.GetLastPInvokeError();
    public static string ErrText(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
