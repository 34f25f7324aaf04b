using System.Buffers.Binary;
using System.Text;
using Sandbox.Linux.Abi;

namespace Sandbox.Sentry.Vfs.Overlay;

/// <summary>All entries of a directory inode of any filesystem, read through its getdents64.</summary>
public static class DirectoryListing
{
    public static List<(string Name, ulong Ino, byte Type)> Read(Inode dir)
    {
        var list = new List<(string, ulong, byte)>();
        if (dir.Open(OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, out var f) != 0) return list;
        var buf = new byte[65536];
        try
        {
            while (true)
            {
                long n = f!.GetDents64(buf);
                if (n <= 0) break;
                for (int off = 0; off < n;)
                {
                    ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(off));
                    ushort reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(off + 16));
                    byte type = buf[off + 18];
                    int end = Array.IndexOf(buf, (byte)0, off + 19);
                    string name = Encoding.UTF8.GetString(buf, off + 19, end - off - 19);
                    if (name is not ("." or "..")) list.Add((name, ino, type));
                    off += reclen;
                }
            }
        }
        finally { f!.DecRef(); }
        return list;
    }
}
