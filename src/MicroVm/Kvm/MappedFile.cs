using System.IO.MemoryMappedFiles;

namespace Sandbox.MicroVm.Kvm;

/// <summary>
/// A file mapped read-only. The kernel and the initramfs are copied from such a mapping into
/// guest RAM, so they never sit on the managed heap: a 20 MiB vmlinux read into an array would
/// stay there, uncollected, and count as VMM overhead for the VM's whole life.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    readonly MemoryMappedFile _file;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _p;

    public int Length { get; }
    public ReadOnlySpan<byte> Span => new(_p, Length);

    public MappedFile(string path)
    {
        long len = new FileInfo(path).Length;
        if (len is 0 or > int.MaxValue) throw new InvalidDataException($"{path}: {len} bytes");
        Length = (int)len;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, len, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _p = p + _view.PointerOffset;
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
