namespace Sandbox.Shim.Runtime;

/// <summary>A write-only stream into an exec's stdin (Attach to a MicroVm container);
/// disposing it closes that stdin only when asked to (stdin_once).</summary>
internal sealed class ExecStdinStream(ExecProcess exec, bool closeOnDispose) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => exec.WriteStdinAsync(buffer.AsMemory(offset, count).ToArray()).GetAwaiter().GetResult();
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        => await exec.WriteStdinAsync(buffer.ToArray()).ConfigureAwait(false);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        => exec.WriteStdinAsync(buffer.AsMemory(offset, count).ToArray());

    protected override void Dispose(bool disposing)
    {
        if (disposing && closeOnDispose) exec.CloseStdinAsync().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
