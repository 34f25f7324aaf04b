using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Net;

/// <summary>Ancillary data of one message, decoded: descriptors passed (SCM_RIGHTS) and credentials (SCM_CREDENTIALS).</summary>
public sealed class ControlMessages
{
    /// <summary>Files passed, each holding one reference owned by this object until handed on.</summary>
    public List<FileDescription>? Rights;
    public Ucred? Creds;
    /// <summary>Other messages received, already encoded: SCM_TIMESTAMP, IP_TTL, IPV6_HOPLIMIT.</summary>
    public List<(int Level, int Type, byte[] Data)>? Other;
    /// <summary>Messages of other levels, in the host's cmsg layout, for sockets that are the host's (--network=host).</summary>
    public byte[]? Raw;

    public bool IsEmpty => Rights == null && Creds == null && Other == null && Raw == null;

    /// <summary>Drops the references to files that were never delivered.</summary>
    public void Release()
    {
        if (Rights == null) return;
        foreach (var f in Rights) f.DecRef();
        Rights = null;
    }
}
