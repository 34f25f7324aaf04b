namespace Sandbox.Shim.Util;

public static class AtomicFile
{
    /// <summary>Writes a whole file so readers (and a crash) see either the old or the new content.</summary>
    public static void Write(string path, byte[] content)
    {
        string tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            f.Write(content);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
